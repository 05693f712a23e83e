// Package migrations embeds the numbered SQL migrations (NNNNNN_name.up.sql / .down.sql).
package migrations

import "embed"

// FS holds the migration files.
//
//go:embed *.sql
var FS embed.FS

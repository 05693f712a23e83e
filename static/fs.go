// Package static embeds the portal's stylesheet and other static files.
package static

import "embed"

// FS holds the static files.
//
//go:embed *.css
var FS embed.FS

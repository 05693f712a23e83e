// Package views embeds the HTML templates of the citizen portal.
package views

import "embed"

// FS holds the templates.
//
//go:embed *.html
var FS embed.FS

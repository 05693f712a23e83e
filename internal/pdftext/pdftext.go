// Package pdftext lets tests read the text that Inzicht's PDFs draw: gofpdf writes core-font text as
// literal strings inside zlib-compressed content streams.
package pdftext

import (
	"bytes"
	"compress/zlib"
	"errors"
	"io"
	"regexp"
	"strings"
)

var streamRe = regexp.MustCompile(`(?s)stream\r?\n(.*?)\r?\nendstream`)

// Text returns the inflated content streams of pdf; streams that are not compressed (fonts, images)
// are left out. It fails when pdf is not a PDF.
func Text(pdf []byte) (string, error) {
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		return "", errors.New("pdftext: not a PDF")
	}
	var sb strings.Builder
	for _, m := range streamRe.FindAllSubmatch(pdf, -1) {
		r, err := zlib.NewReader(bytes.NewReader(m[1]))
		if err != nil {
			continue
		}
		b, _ := io.ReadAll(r)
		sb.Write(b)
	}
	return sb.String(), nil
}

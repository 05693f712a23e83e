package pdfexport

import (
	"strings"
	"unicode"
)

// newEncoder wraps gofpdf's cp1252 translator. gofpdf turns every rune it
// cannot map into '.', which silently changes the meaning of text. The
// encoder first replaces such runes itself: similar-looking cp1252
// characters or ASCII where that is safe (letters without their accent,
// dashes, spaces, quotes), '?' for everything else. Control characters other
// than newline become spaces.
func newEncoder(tr func(string) string) func(string) string {
	known := map[rune]bool{}
	inCP1252 := func(r rune) bool {
		ok, seen := known[r]
		if !seen {
			ok = tr(string(r)) != "."
			known[r] = ok
		}
		return ok
	}
	return func(s string) string {
		var sb strings.Builder
		for _, r := range s {
			switch {
			case r == '\n':
				sb.WriteRune(r)
			case r == '\r':
			case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
				sb.WriteByte(' ')
			case r < 0x80:
				sb.WriteRune(r)
			case inCP1252(r):
				sb.WriteRune(r)
			default:
				sb.WriteString(fallback(r))
			}
		}
		return tr(sb.String())
	}
}

// latinExtA holds the base letter of U+0100..U+017F; '#' marks runes that
// are handled elsewhere (cp1252 has them, or they need two letters).
const latinExtA = "" +
	"AaAaAaCcCcCcCcDd" + // 0100
	"DdEeEeEeEeEeGgGg" + // 0110
	"GgGgHhHhIiIiIiIi" + // 0120
	"Ii##JjKkkLlLlLlL" + // 0130
	"lLlNnNnNnnNnOoOo" + // 0140
	"Oo##RrRrRrSsSsSs" + // 0150
	"##TtTtTtUuUuUuUu" + // 0160
	"UuUuWwYy#ZzZz##s" //  0170

// fallback returns the ASCII/cp1252 replacement of a rune cp1252 lacks.
func fallback(r rune) string {
	switch {
	case r >= 0x100 && r <= 0x17f && latinExtA[r-0x100] != '#':
		return string(latinExtA[r-0x100])
	}
	switch r {
	case 'Ĳ':
		return "IJ"
	case 'ĳ':
		return "ij"
	case 'Ș':
		return "S"
	case 'ș':
		return "s"
	case 'Ț':
		return "T"
	case 'ț':
		return "t"
	case '\u2010', '\u2011', '\u2012', '\u2043', '\u2212': // hyphens, minus
		return "-"
	case '\u2015':
		return "—"
	case '\u2032', '\u201b':
		return "'"
	case '\u2033', '\u201f':
		return "\""
	case '\u2192':
		return "->"
	case '\u2190':
		return "<-"
	case '\u2264':
		return "<="
	case '\u2265':
		return ">="
	case '\u2028', '\u2029':
		return "\n"
	case '\u200b', '\u200c', '\u200d', '\u2060', '\ufeff':
		return "" // invisible
	}
	if unicode.IsSpace(r) { // thin, narrow no-break, em spaces ...
		return " "
	}
	if unicode.Is(unicode.Mn, r) { // stray combining accents
		return ""
	}
	return "?"
}

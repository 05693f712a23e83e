package api

import (
	"bytes"
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/inzicht/inzicht/portal"
)

// rawTextErrors finds every string in a JSON value (keys and values) whose raw bytes encoding/json
// would silently repair: invalid UTF-8, or an escaped UTF-16 surrogate without its pair (both
// become U+FFFD when decoded). Outside input is refused, not repaired, so each such string is
// reported by its path ("actor.role", "data_categories[2]") with Index set to index. Malformed
// JSON ends the scan quietly: the decoder that runs next reports it.
//
// It walks the tokens with json.Decoder and checks the bytes each string token was read from
// (between the decoder's input offsets; the separators and white space there are ASCII). Almost
// every event has neither problem anywhere, and that is cheap to know for the whole value at once
// (mayNeedRepair); only then are its tokens walked to name the fields, which costs some 40 times
// as much as the check.
func rawTextErrors(body []byte, index int) []portal.FieldError {
	if !mayNeedRepair(body) {
		return nil
	}
	type frame struct {
		array     bool
		key       string
		idx       int
		expectKey bool
	}
	var (
		stack []frame
		fe    []portal.FieldError
	)
	path := func(extra string) string {
		var b []byte
		for _, f := range stack {
			switch {
			case f.array:
				b = append(b, '[')
				b = strconv.AppendInt(b, int64(f.idx), 10)
				b = append(b, ']')
			case f.key != "":
				if len(b) > 0 {
					b = append(b, '.')
				}
				b = append(b, f.key...)
			}
		}
		if extra != "" {
			if len(b) > 0 {
				b = append(b, '.')
			}
			b = append(b, extra...)
		}
		return string(b)
	}
	// valueDone moves the enclosing container on after a whole value.
	valueDone := func() {
		if n := len(stack); n > 0 {
			if stack[n-1].array {
				stack[n-1].idx++
			} else {
				stack[n-1].expectKey, stack[n-1].key = true, ""
			}
		}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	for {
		start := dec.InputOffset()
		tok, err := dec.Token()
		if err == io.EOF || err != nil {
			return fe
		}
		raw := body[start:dec.InputOffset()]
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				stack = append(stack, frame{expectKey: true})
			case '[':
				stack = append(stack, frame{array: true})
			default:
				stack = stack[:len(stack)-1]
				valueDone()
			}
		case string:
			top := len(stack) - 1
			if top >= 0 && !stack[top].array && stack[top].expectKey {
				if msg := rawStringProblem(raw); msg != "" {
					fe = append(fe, portal.FieldError{Index: index, Field: path(""), Message: "a field name " + msg})
					t = "?"
				}
				stack[top].key, stack[top].expectKey = t, false
				continue
			}
			if msg := rawStringProblem(raw); msg != "" {
				fe = append(fe, portal.FieldError{Index: index, Field: path(""), Message: msg})
			}
			valueDone()
		default:
			valueDone()
		}
		if len(fe) >= 50 { // enough to fix the sender; a list of thousands helps nobody
			return fe
		}
	}
}

// mayNeedRepair reports whether some string in the JSON value body may be one that rawTextErrors
// reports: body is not valid UTF-8, or it holds an escape \u that starts a UTF-16 surrogate
// (\uD800 to \uDFFF, any case). When it returns false, no string in body has either problem: every
// substring of valid UTF-8 that starts and ends at ASCII bytes (JSON's quotes) is valid UTF-8, and
// a surrogate can only be written as such an escape. It may return true for a value without a
// problem (a paired surrogate, or an escaped backslash followed by "ud8"); the walk then decides.
func mayNeedRepair(body []byte) bool {
	if !utf8.Valid(body) {
		return true
	}
	for rest := body; ; {
		i := bytes.Index(rest, []byte(`\u`))
		if i < 0 || i+3 >= len(rest) {
			return i >= 0 // a truncated escape: malformed, let the walk (and then the decoder) see it
		}
		if d := rest[i+2]; (d == 'd' || d == 'D') && strings.ContainsRune("89abcdefABCDEF", rune(rest[i+3])) {
			return true
		}
		rest = rest[i+2:]
	}
}

// rawStringProblem says why the raw bytes of one JSON string token (with whatever separators
// precede it) are not text, or "".
func rawStringProblem(raw []byte) string {
	if !utf8.Valid(raw) {
		return "is not valid UTF-8"
	}
	// An escaped surrogate must be a high one (D800-DBFF) followed at once by an escaped low one.
	for i := 0; i < len(raw); i++ {
		if raw[i] != '\\' {
			continue
		}
		i++
		if i >= len(raw) || raw[i] != 'u' {
			continue // \" \\ \n …: one character, skipped with the backslash
		}
		r, ok := hex4(raw, i+1)
		if !ok {
			continue
		}
		i += 4
		switch {
		case r >= 0xDC00 && r <= 0xDFFF:
			return "holds an unpaired UTF-16 surrogate escape"
		case r >= 0xD800 && r <= 0xDBFF:
			if i+2 >= len(raw) || raw[i+1] != '\\' || raw[i+2] != 'u' {
				return "holds an unpaired UTF-16 surrogate escape"
			}
			lo, ok := hex4(raw, i+3)
			if !ok || lo < 0xDC00 || lo > 0xDFFF {
				return "holds an unpaired UTF-16 surrogate escape"
			}
			i += 6
		}
	}
	return ""
}

func hex4(b []byte, at int) (rune, bool) {
	if at+4 > len(b) {
		return 0, false
	}
	n, err := strconv.ParseUint(string(b[at:at+4]), 16, 32)
	return rune(n), err == nil
}

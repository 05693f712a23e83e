package api

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

func TestRawTextErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body string
		want []string // "field: message"
	}{
		{"clean", `{"a":"b","c":["d",1,true,null,{"e":"f"}],"g":{"h":"i"}}`, nil},
		{"top-level value", "{\"a\":\"b\xff\"}", []string{"a: is not valid UTF-8"}},
		{"nested object", "{\"actor\":{\"team\":\"x\",\"role\":\"\xc3\x28\"}}", []string{"actor.role: is not valid UTF-8"}},
		{"array element", "{\"c\":[\"ok\",\"\xff\",\"ok\"]}", []string{"c[1]: is not valid UTF-8"}},
		{"after nested containers", "{\"a\":{\"b\":[1,[2,3],{\"x\":\"y\"}]},\"z\":\"\xfe\"}", []string{"z: is not valid UTF-8"}},
		{"array of objects", "[{\"a\":\"ok\"},{\"a\":\"\xff\"}]", []string{"[1].a: is not valid UTF-8"}},
		{"key", "{\"ro\xffle\":\"x\"}", []string{": a field name is not valid UTF-8"}},
		{"nested key", "{\"actor\":{\"ro\xffle\":\"x\"}}", []string{"actor: a field name is not valid UTF-8"}},
		{"surrogate pair is fine", `{"a":"\ud83d\ude00"}`, nil},
		{"escaped backslash before u is fine", `{"a":"\\udc00"}`, nil},
		{"lone low surrogate", `{"a":"x\udc00"}`, []string{"a: holds an unpaired UTF-16 surrogate escape"}},
		{"lone high surrogate at the end", `{"a":"\ud83d"}`, []string{"a: holds an unpaired UTF-16 surrogate escape"}},
		{"high then non-surrogate", `{"a":"\ud83d\u0041"}`, []string{"a: holds an unpaired UTF-16 surrogate escape"}},
		{"overlong encoding", "{\"a\":\"\xc0\xaf\"}", []string{"a: is not valid UTF-8"}},
		{"encoded surrogate", "{\"a\":\"\xed\xa0\x80\"}", []string{"a: is not valid UTF-8"}},
		{"two bad fields", "{\"a\":\"\xff\",\"b\":[\"\xff\"]}", []string{"a: is not valid UTF-8", "b[0]: is not valid UTF-8"}},
		{"malformed JSON ends quietly", "{\"a\":", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, f := range rawTextErrors([]byte(tt.body), 3) {
				if f.Index != 3 {
					t.Errorf("index %d, want 3", f.Index)
				}
				got = append(got, f.Field+": "+f.Message)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// FuzzRawTextErrors: whenever the scan finds nothing, decoding repairs nothing: every string the
// decoder yields is exactly what the sender wrote (no U+FFFD that was not in the input). And the
// scan never panics.
func FuzzRawTextErrors(f *testing.F) {
	for _, s := range []string{`{"a":"b"}`, "{\"a\":\"\xff\"}", `{"a":"\udc00"}`, `{"a":["\ud83d\ude00",{"b":"c"}]}`, `[1,"x",{"y":null}]`, `"\ufffd"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		fe := rawTextErrors(body, -1)
		if !json.Valid(body) {
			return
		}
		var v any
		if err := json.Unmarshal(body, &v); err != nil {
			return
		}
		repaired := false
		var walk func(any)
		walk = func(x any) {
			switch x := x.(type) {
			case string:
				if strings.ContainsRune(x, utf8.RuneError) {
					repaired = true // maybe: only if the input did not say U+FFFD itself
				}
			case []any:
				for _, y := range x {
					walk(y)
				}
			case map[string]any:
				for k, y := range x {
					walk(k)
					walk(y)
				}
			}
		}
		walk(v)
		honest := !bytes.Contains(body, []byte("\uFFFD")) && !bytes.Contains(bytes.ToLower(body), []byte(`\ufffd`))
		if repaired && honest && len(fe) == 0 {
			t.Errorf("decoding repaired %q but the scan found nothing", body)
		}
		if !utf8.Valid(body) && len(fe) == 0 {
			t.Errorf("invalid UTF-8 in %q not found", body)
		}
	})
}

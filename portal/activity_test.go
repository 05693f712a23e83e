package portal_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/inzicht/inzicht/portal"
)

func TestParseRetention(t *testing.T) {
	tests := []struct {
		in      string
		want    portal.Retention
		wantErr bool
	}{
		{in: "P5Y", want: portal.Retention{Years: 5}},
		{in: "P18M", want: portal.Retention{Months: 18}},
		{in: "P1Y6M", want: portal.Retention{Years: 1, Months: 6}},
		{in: "P2W", want: portal.Retention{Days: 14}},
		{in: "P30D", want: portal.Retention{Days: 30}},
		{in: "P1W3D", want: portal.Retention{Days: 10}},
		{in: "P1Y2M3W4D", want: portal.Retention{Years: 1, Months: 2, Days: 25}},
		{in: "P999Y", want: portal.Retention{Years: 999}},
		{in: "P0Y1D", want: portal.Retention{Days: 1}},
		{in: "", wantErr: true},
		{in: "P", wantErr: true},
		{in: "P0Y", wantErr: true},
		{in: "P0Y0M0W0D", wantErr: true},
		{in: "5Y", wantErr: true},
		{in: "p5y", wantErr: true},
		{in: "P5y", wantErr: true},
		{in: "PT5H", wantErr: true},
		{in: "P1YT5H", wantErr: true},
		{in: "P-1Y", wantErr: true},
		{in: "P1.5Y", wantErr: true},
		{in: "P1000Y", wantErr: true},
		{in: " P5Y", wantErr: true},
		{in: "P5Y ", wantErr: true},
		{in: "P6M1Y", wantErr: true}, // order matters
		{in: "P5Y5Y", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := portal.ParseRetention(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseRetention(%q) error = %v, wantErr %v", tt.in, err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseRetention(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func validActivity() portal.Activity {
	return portal.Activity{
		ID:             "wmo-onderzoek",
		Name:           portal.Text{NL: "Wmo-onderzoek", EN: "Wmo assessment"},
		Purpose:        portal.Text{NL: "We bekijken welke hulp u nodig heeft.", EN: "We look at what support you need."},
		LegalBasis:     portal.Text{NL: "Wmo 2015, artikel 2.3.2", EN: "Social Support Act 2015, article 2.3.2"},
		DataCategories: []string{"care_needs", "health"},
		Retention:      "P5Y",
		Controller:     "Gemeente Voorbeeldstad",
	}
}

// fieldNames returns "index:field" for every field error of err (nil when err carries none).
func fieldNames(err error) []string {
	var out []string
	for _, f := range portal.ErrorFields(err) {
		out = append(out, fmt.Sprintf("%d:%s", f.Index, f.Field))
	}
	return out
}

func TestActivityValidate(t *testing.T) {
	tests := []struct {
		name string
		mod  func(*portal.Activity)
		want []string // "index:field"; nil means valid
	}{
		{"valid", func(*portal.Activity) {}, nil},
		{"id with dots and underscores", func(a *portal.Activity) { a.ID = "a.b_c-1" }, nil},
		{"id 64 chars", func(a *portal.Activity) { a.ID = strings.Repeat("a", 64) }, nil},
		{"id empty", func(a *portal.Activity) { a.ID = "" }, []string{"-1:id"}},
		{"id 65 chars", func(a *portal.Activity) { a.ID = strings.Repeat("a", 65) }, []string{"-1:id"}},
		{"id upper case", func(a *portal.Activity) { a.ID = "Wmo" }, []string{"-1:id"}},
		{"id leading dash", func(a *portal.Activity) { a.ID = "-wmo" }, []string{"-1:id"}},
		{"id space", func(a *portal.Activity) { a.ID = "wmo onderzoek" }, []string{"-1:id"}},
		{"name.nl", func(a *portal.Activity) { a.Name.NL = " " }, []string{"-1:name.nl"}},
		{"name.en", func(a *portal.Activity) { a.Name.EN = "" }, []string{"-1:name.en"}},
		{"purpose.nl", func(a *portal.Activity) { a.Purpose.NL = "" }, []string{"-1:purpose.nl"}},
		{"purpose.en", func(a *portal.Activity) { a.Purpose.EN = "\t" }, []string{"-1:purpose.en"}},
		{"legal_basis.nl", func(a *portal.Activity) { a.LegalBasis.NL = "" }, []string{"-1:legal_basis.nl"}},
		{"legal_basis.en", func(a *portal.Activity) { a.LegalBasis.EN = "" }, []string{"-1:legal_basis.en"}},
		{"no categories", func(a *portal.Activity) { a.DataCategories = nil }, []string{"-1:data_categories"}},
		{"empty categories", func(a *portal.Activity) { a.DataCategories = []string{} }, []string{"-1:data_categories"}},
		{"bad category", func(a *portal.Activity) { a.DataCategories = []string{"ok", "Not OK", ""} },
			[]string{"-1:data_categories[1]", "-1:data_categories[2]"}},
		{"retention", func(a *portal.Activity) { a.Retention = "5 years" }, []string{"-1:retention"}},
		{"retention zero", func(a *portal.Activity) { a.Retention = "P0D" }, []string{"-1:retention"}},
		{"controller", func(a *portal.Activity) { a.Controller = "  " }, []string{"-1:controller"}},
		{"everything", func(a *portal.Activity) { *a = portal.Activity{} }, []string{"-1:id", "-1:name.nl", "-1:name.en",
			"-1:purpose.nl", "-1:purpose.en", "-1:legal_basis.nl", "-1:legal_basis.en", "-1:data_categories",
			"-1:retention", "-1:controller"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := validActivity()
			tt.mod(&a)
			err := a.Validate()
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if code := portal.ErrorCode(err); code != portal.EINVALID {
				t.Fatalf("ErrorCode = %q, want %q (err %v)", code, portal.EINVALID, err)
			}
			if diff := cmp.Diff(tt.want, fieldNames(err)); diff != "" {
				t.Errorf("field errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseRegister(t *testing.T) {
	ok := `[{"id":"a","name":{"nl":"A","en":"A"},"purpose":{"nl":"p","en":"p"},"legal_basis":{"nl":"l","en":"l"},
	"data_categories":["x"],"retention":"P1Y","controller":"c"}]`
	as, err := portal.ParseRegister([]byte(ok))
	if err != nil {
		t.Fatal(err)
	}
	want := []portal.Activity{{ID: "a", Name: portal.Text{NL: "A", EN: "A"}, Purpose: portal.Text{NL: "p", EN: "p"},
		LegalBasis: portal.Text{NL: "l", EN: "l"}, DataCategories: []string{"x"}, Retention: "P1Y", Controller: "c"}}
	if diff := cmp.Diff(want, as); diff != "" {
		t.Errorf("ParseRegister (-want +got):\n%s", diff)
	}
	for name, in := range map[string]string{
		"unknown field": `[{"id":"a","bogus":1}]`,
		"invalid":       `[{"id":"a"}]`,
		"not an array":  `{}`,
	} {
		if _, err := portal.ParseRegister([]byte(in)); err == nil {
			t.Errorf("%s: ParseRegister accepted %s", name, in)
		}
	}
}

func TestErrorHelpers(t *testing.T) {
	e := &portal.Error{Code: portal.ECONFLICT, Message: "safe", Fields: []portal.FieldError{{Index: 2, Field: "id", Message: "m"}}}
	wrapped := fmt.Errorf("ctx: %w", e)
	tests := []struct {
		name       string
		err        error
		code, msg  string
		wantFields []portal.FieldError
	}{
		{"nil", nil, "", "internal error", nil},
		{"plain", errors.New("secret detail"), portal.EINTERNAL, "internal error", nil},
		{"domain", e, portal.ECONFLICT, "safe", e.Fields},
		{"wrapped", wrapped, portal.ECONFLICT, "safe", e.Fields},
		{"errorf", portal.Errorf(portal.ENOTFOUND, "no %s", "thing"), portal.ENOTFOUND, "no thing", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := portal.ErrorCode(tt.err); got != tt.code {
				t.Errorf("ErrorCode = %q, want %q", got, tt.code)
			}
			if got := portal.ErrorMessage(tt.err); got != tt.msg {
				t.Errorf("ErrorMessage = %q, want %q", got, tt.msg)
			}
			if diff := cmp.Diff(tt.wantFields, portal.ErrorFields(tt.err)); diff != "" {
				t.Errorf("ErrorFields (-want +got):\n%s", diff)
			}
		})
	}
	if got, want := e.Error(), "conflict: safe (1 field errors)"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

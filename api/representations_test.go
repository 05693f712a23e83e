package api_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/google/uuid"

	"github.com/inzicht/inzicht/api"
	"github.com/inzicht/inzicht/portal"
)

// representationBody is a valid representation (bsnA acts for bsnB, a child born 2014) as JSON,
// changed by mod.
func representationBody(t testing.TB, mod func(map[string]any)) []byte {
	t.Helper()
	m := map[string]any{
		"representative_bsn": bsnA, "subject_bsn": bsnB, "subject_name": "Daan de Vries", "subject_birth_date": "2014-01-15",
		"kind": "parental_authority", "parts": []string{"log", "signals"},
		"legal_basis": map[string]any{"kind": "brp_authority", "reference": "gezag 1D"}, "valid_from": "2014-01-15",
	}
	if mod != nil {
		mod(m)
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRepresentationsAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	write := e.key("brp-koppeling", "representations:write")
	read := e.key("portaal-buren", "representations:read")
	id := uuid.NewString()
	path := "/representations/" + id

	r := e.do("PUT", path, write, representationBody(t, nil))
	if r.status != 201 {
		t.Fatalf("first PUT: %d %s", r.status, r.body)
	}
	var got api.RepresentationState
	r.json(t, &got)
	if got.ID != id || got.SubjectBSN != bsnB || got.SubjectName != "Daan de Vries" || got.EndedAt != nil {
		t.Errorf("created %+v", got)
	}
	if r := e.do("PUT", path, write, representationBody(t, nil)); r.status != 200 {
		t.Errorf("identical PUT: %d %s, want 200", r.status, r.body)
	}
	r = e.do("PUT", path, write, representationBody(t, func(m map[string]any) { m["valid_until"] = "2030-01-15"; m["id"] = id }))
	if r.status != 200 {
		t.Fatalf("changing PUT: %d %s", r.status, r.body)
	}
	r.json(t, &got)
	if got.ValidUntil != "2030-01-15" {
		t.Errorf("after the change: %+v", got)
	}
	hist, err := e.db.RepresentationHistory(t.Context(), id)
	if err != nil || len(hist) != 2 || hist[1].Change != portal.RepUpdated {
		t.Errorf("history = %+v, %v; want created and one update", hist, err)
	}

	// Look-ups: exactly one of the two BSNs.
	var list api.RepresentationList
	e.do("GET", "/representations?representative_bsn="+bsnA, read, nil).json(t, &list)
	if len(list.Items) != 1 || list.Items[0].ID != id {
		t.Errorf("by representative: %+v", list)
	}
	e.do("GET", "/representations?subject_bsn="+bsnA, read, nil).json(t, &list)
	if len(list.Items) != 0 {
		t.Errorf("bsnA is represented by nobody, got %+v", list)
	}
	for _, q := range []string{"", "?representative_bsn=" + bsnA + "&subject_bsn=" + bsnB, "?subject_bsn=123456789", "?representative_bsn=12"} {
		p := e.do("GET", "/representations"+q, read, nil).problem(t, 400)
		if len(p.Errors) == 0 || !slices.Contains([]string{"representative_bsn", "subject_bsn"}, p.Errors[0].Field) {
			t.Errorf("GET %q: problem %+v does not name the parameter", q, p)
		}
	}

	// DELETE ends it; the row stays, listed with ended_at and not active.
	if r := e.do("DELETE", path, write, nil); r.status != 204 {
		t.Fatalf("DELETE: %d %s", r.status, r.body)
	}
	if r := e.do("DELETE", path, write, nil); r.status != 204 {
		t.Errorf("second DELETE: %d %s, want 204", r.status, r.body)
	}
	e.do("DELETE", "/representations/"+uuid.NewString(), write, nil).problem(t, 404)
	e.do("GET", "/representations?subject_bsn="+bsnB, read, nil).json(t, &list)
	if len(list.Items) != 1 || list.Items[0].EndedAt == nil || list.Items[0].Active {
		t.Errorf("after DELETE: %+v", list)
	}
	e.do("PUT", path, write, representationBody(t, func(m map[string]any) { m["parts"] = []string{"log"} })).problem(t, 409)

	// Scopes: a read key cannot write, a write key cannot read, no key is 401.
	e.do("PUT", "/representations/"+uuid.NewString(), read, representationBody(t, nil)).problem(t, 403)
	e.do("DELETE", path, read, nil).problem(t, 403)
	e.do("GET", "/representations?subject_bsn="+bsnB, write, nil).problem(t, 403)
	e.do("GET", "/representations?subject_bsn="+bsnB, "", nil).problem(t, 401)
}

func TestRepresentationsAPIValidation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	write := e.key("brp-koppeling", "representations:write")
	for _, c := range []struct {
		name   string
		mod    func(map[string]any)
		fields []string
	}{
		{"represents themselves", func(m map[string]any) { m["subject_bsn"] = bsnA }, []string{"representative_bsn"}},
		{"bad BSNs and kind", func(m map[string]any) {
			m["representative_bsn"], m["subject_bsn"], m["kind"] = "123456789", "1", "friend"
		}, []string{"representative_bsn", "subject_bsn", "kind"}},
		{"until before from", func(m map[string]any) { m["valid_until"] = "2014-01-01" }, []string{"valid_until"}},
		{"basis does not fit", func(m map[string]any) { m["kind"] = "curatorship" }, []string{"legal_basis.kind"}},
		{"no name, no parts", func(m map[string]any) { m["subject_name"] = ""; m["parts"] = []string{} }, []string{"subject_name", "parts"}},
		{"body id differs", func(m map[string]any) { m["id"] = uuid.NewString() }, []string{"id"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := e.do("PUT", "/representations/"+uuid.NewString(), write, representationBody(t, c.mod)).problem(t, 422)
			var fields []string
			for _, f := range p.Errors {
				if !slices.Contains(fields, f.Field) {
					fields = append(fields, f.Field)
				}
			}
			if !slices.Equal(fields, c.fields) {
				t.Errorf("fields %v, want %v (%+v)", fields, c.fields, p)
			}
		})
	}
	p := e.do("PUT", "/representations/"+uuid.NewString(), write, []byte(`{"representative_bsn":"`+bsnA+`","colour":"red"}`)).problem(t, 422)
	if len(p.Errors) != 1 || p.Errors[0].Field != "colour" {
		t.Errorf("unknown field: %+v", p)
	}
	if n := 0; e.raw.QueryRow(t.Context(), `SELECT count(*) FROM representations`).Scan(&n) != nil || n != 0 {
		t.Errorf("%d representations stored from invalid requests", n)
	}
}

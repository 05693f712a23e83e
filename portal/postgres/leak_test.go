package postgres_test

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/inzicht/inzicht/portal"
)

var digitRun = regexp.MustCompile(`[0-9]{9,}`)

// bsnLike returns every 9-digit window of s that passes the 11-proef.
func bsnLike(s string) []string {
	var out []string
	for _, run := range digitRun.FindAllString(s, -1) {
		for i := 0; i+9 <= len(run); i++ {
			if portal.ValidBSN(run[i : i+9]) {
				out = append(out, run[i:i+9])
			}
		}
	}
	return out
}

func TestBSNLikeDetector(t *testing.T) {
	t.Parallel()
	// The scanner below must be able to fail.
	for in, want := range map[string]int{
		"subject 999993653 seen": 1, `{"subject_bsn":"123456782"}`: 1, "x1234567820": 1, "123456789": 0,
		"000000000": 0, "99999365": 0,
	} {
		if got := len(bsnLike(in)); got != want {
			t.Errorf("bsnLike(%q) found %d, want %d", in, got, want)
		}
	}
}

// letterUUID returns a random UUID without a run of nine decimal digits, so ids cannot pass for BSNs.
func letterUUID() string {
	for {
		id := uuid.NewString()
		if !regexp.MustCompile(`[0-9]{9}`).MatchString(id) {
			return id
		}
	}
}

func TestNoBSNInClear(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	bsns := []string{bsnA, bsnB, bsnC, bsnD, bsnE}
	var evs []portal.Event
	for i, bsn := range bsns {
		for j := range 4 {
			evs = append(evs, event(bsn, t0.Add(-time.Duration(i*10+j)*time.Minute), func(e *portal.Event) {
				e.ID = letterUUID()
				e.CaseRef = "ZAAK-" + string(rune('A'+i))
				if j == 1 {
					e.AccessBasis = portal.BasisAgainstWill
					e.AgainstWill = &portal.AgainstWill{DecisionRef: "BESLUIT-X", Reason: "reden", ApprovedBy: "tweede"}
				}
				if j == 2 {
					u := t0.Add(time.Hour)
					e.ConfidentialUntil, e.ConfidentialReason = &u, "onderzoek"
				}
			}))
		}
	}
	db.ingest(t, evs)
	subj := db.subject(t, bsnA)
	if err := db.CreateSession(ctx, "cookie-value", portal.Session{Kind: "citizen", SubjectID: subj, LoA: "midden",
		CSRFToken: "csrf-token", CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateLogin(ctx, "login-cookie", portal.PendingLogin{Kind: "citizen", State: "st", Nonce: "no", Verifier: "ve"}); err != nil {
		t.Fatal(err)
	}
	// Rights requests: an e-mail address, a scope naming events, a clerk's recorded view (which holds
	// the subject only by id), every kind of step, inbox messages and the jobs they queue.
	if err := db.EnsureActivity(ctx, portal.RequestHandlingActivity("Gemeente Test")); err != nil {
		t.Fatal(err)
	}
	clerk := portal.Staff{Sub: "clerk-1", Name: "Carla", Roles: []string{portal.RoleClerk}}
	for i, bsn := range bsns[:2] {
		r, err := db.CreateRequest(ctx, db.subject(t, bsn), portal.NewRequest{Kind: portal.KindCorrection,
			Scope:       portal.Scope{EventIDs: []string{evs[i*4].ID}, Categories: []string{"health"}},
			Description: "Mijn gegevens kloppen niet.", Email: "inwoner@example.nl"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.OpenCaseFile(ctx, r.ID, clerk, "Gemeente Test"); err != nil {
			t.Fatal(err)
		}
		for _, a := range []portal.Action{{Kind: portal.StepAssigned}, {Kind: portal.StepStarted},
			{Kind: portal.StepExtended, Months: 1, Note: "meer tijd nodig"},
			{Kind: portal.StepDecided, Outcome: portal.OutcomeGranted, Corrections: "verbeterd"}} {
			if _, err := db.ActOnRequest(ctx, r.ID, clerk, a); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Notification addresses: one confirmed, one with a confirmation mail prepared (its token must
	// not be stored in clear either).
	_, token := db.prepare(t, db.subject(t, bsnB))
	db.confirmEmail(t, db.subject(t, bsnC), "inwoner@example.nl")
	// Representations: one changed (its old content in the history) and one ended.
	for i, pair := range [][2]string{{bsnD, bsnE}, {bsnE, bsnD}} {
		r := representation(letterUUID())
		r.RepresentativeBSN, r.SubjectBSN = pair[0], pair[1]
		if _, _, err := db.PutRepresentation(ctx, r, 0); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			r.ValidUntil = "2030-01-15"
			if _, _, err := db.PutRepresentation(ctx, r, 0); err != nil {
				t.Fatal(err)
			}
		} else if err := db.EndRepresentation(ctx, r.ID, 0); err != nil {
			t.Fatal(err)
		}
	}

	type column struct{ table, name, typ string }
	rows, err := db.raw.Query(ctx, `SELECT table_name, column_name, data_type FROM information_schema.columns
WHERE table_schema = 'public' ORDER BY table_name, ordinal_position`)
	if err != nil {
		t.Fatal(err)
	}
	cols, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (column, error) {
		var c column
		err := r.Scan(&c.table, &c.name, &c.typ)
		return c, err
	})
	if err != nil {
		t.Fatal(err)
	}
	tables := map[string]bool{}
	for _, c := range cols {
		tables[c.table] = true
	}
	for _, want := range []string{"subjects", "processing_events", "sessions", "oidc_logins", "api_keys", "processing_activities",
		"rights_requests", "rights_request_steps", "messages", "river_job", "subject_emails", "filings",
		"representations", "representation_history"} {
		if !tables[want] {
			t.Fatalf("table %s not found in information_schema (found %v)", want, tables)
		}
	}

	scanned := 0
	for _, c := range cols {
		ident := pgx.Identifier{c.name}.Sanitize()
		from := pgx.Identifier{c.table}.Sanitize()
		var texts []string
		var q string
		if c.typ == "bytea" {
			// Raw bytes and the escape text form. (The default hex text form of random bytes is full of
			// digit runs, so it is checked for the BSNs' hex, not for the 11-proef.)
			q = `SELECT coalesce(encode(` + ident + `, 'escape'), ''), coalesce(encode(` + ident + `, 'hex'), ''),
coalesce(` + ident + `, ''::bytea) FROM ` + from
			rows, err := db.raw.Query(ctx, q)
			if err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			var esc, hx string
			var raw []byte
			_, err = pgx.ForEachRow(rows, []any{&esc, &hx, &raw}, func() error {
				texts = append(texts, esc)
				for _, b := range bsns {
					if bytes.Contains(raw, []byte(b)) {
						t.Errorf("%s.%s holds BSN %s as bytes", c.table, c.name, b)
					}
					if strings.Contains(hx, bytesHex(b)) {
						t.Errorf("%s.%s holds BSN %s hex-encoded", c.table, c.name, b)
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		} else {
			q = `SELECT coalesce(` + ident + `::text, '') FROM ` + from
			rows, err := db.raw.Query(ctx, q)
			if err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			texts, err = pgx.CollectRows(rows, pgx.RowTo[string])
			if err != nil {
				t.Fatal(err)
			}
		}
		for _, s := range texts {
			scanned++
			for _, b := range bsns {
				if strings.Contains(s, b) {
					t.Errorf("%s.%s holds BSN %s in clear: %q", c.table, c.name, b, s)
				}
			}
			if strings.Contains(s, token) {
				t.Errorf("%s.%s holds a confirmation token in clear", c.table, c.name)
			}
			if strings.Contains(s, "Daan de Vries") {
				t.Errorf("%s.%s holds a represented person's name in clear", c.table, c.name)
			}
			if strings.Contains(s, "inwoner@example.nl") {
				t.Errorf("%s.%s holds the citizen's e-mail address in clear", c.table, c.name)
			}
			// Random UUIDs (request ids, also inside job arguments) and the random trace and span ids
			// of Inzicht's own spans may hold nine digits in a row; they are ids, not BSNs. (The known
			// BSNs are still looked for in them above.)
			if found := bsnLike(hexIDRe.ReplaceAllString(uuidRe.ReplaceAllString(s, ""), "")); len(found) > 0 {
				t.Errorf("%s.%s holds BSN-like numbers %v: %q", c.table, c.name, found, s)
			}
		}
	}
	if scanned < len(evs)*20 {
		t.Errorf("scanned only %d values; the dump looks incomplete", scanned)
	}
}

var (
	uuidRe  = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
	hexIDRe = regexp.MustCompile(`^([0-9a-f]{32}|[0-9a-f]{16})$`)
)

func bytesHex(s string) string {
	const digits = "0123456789abcdef"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		b.WriteByte(digits[s[i]>>4])
		b.WriteByte(digits[s[i]&15])
	}
	return b.String()
}

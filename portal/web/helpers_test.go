package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/inzicht/inzicht/api"
	"github.com/inzicht/inzicht/internal/pgtest"
	"github.com/inzicht/inzicht/portal"
	"github.com/inzicht/inzicht/portal/postgres"
	"github.com/inzicht/inzicht/portal/web"
)

const (
	bsnA = "999993653"
	bsnB = "999990019"
)

// env is a portal on a fresh database with one activity and API keys.
type env struct {
	t        *testing.T
	db       *postgres.DB
	app      *fiber.App
	api      *fiber.App // mounted at /api/v1
	keyWrite string     // events:write
	keyNone  string     // no scopes
}

func newEnv(t *testing.T, cfg web.Config, deps web.Deps) *env {
	t.Helper()
	db := pgtest.New(t)
	ctx := context.Background()
	_, err := db.PutActivity(ctx, portal.Activity{ID: "wmo-onderzoek",
		Name:           portal.Text{NL: "Wmo-onderzoek", EN: "Wmo assessment"},
		Purpose:        portal.Text{NL: "We bekijken welke hulp u nodig heeft.", EN: "We look at what support you need."},
		LegalBasis:     portal.Text{NL: "Wmo 2015, artikel 2.3.2", EN: "Social Support Act 2015, article 2.3.2"},
		DataCategories: []string{"care_needs", "health"}, Retention: "P5Y", Controller: "Gemeente Voorbeeldstad"})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []portal.Activity{portal.RequestHandlingActivity("Gemeente Voorbeeldstad"), portal.SignalHandlingActivity("Gemeente Voorbeeldstad"),
		portal.OversightActivityEntry("Gemeente Voorbeeldstad"), portal.RepresentativeActivityEntry("Gemeente Voorbeeldstad"),
		portal.ConsentActivityEntry("Gemeente Voorbeeldstad")} {
		if err := db.EnsureActivity(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	e := &env{t: t, db: db}
	_, e.keyWrite, err = db.CreateAPIKey(ctx, "test", []string{"events:write", "register:write"})
	if err != nil {
		t.Fatal(err)
	}
	_, e.keyNone, err = db.CreateAPIKey(ctx, "test-noscope", nil)
	if err != nil {
		t.Fatal(err)
	}
	deps.Store = db
	if deps.API == nil {
		deps.API = api.New(db, api.Config{}, nil, nil, slog.New(slog.DiscardHandler))
	}
	if deps.Log == nil {
		deps.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = "http://localhost"
	}
	if cfg.Municipality == "" {
		cfg.Municipality = "Gemeente Voorbeeldstad"
	}
	e.api = deps.API
	e.app, err = web.New(cfg, deps)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// event returns a valid event for bsn at time at.
func event(bsn string, at time.Time, mod ...func(*portal.Event)) portal.Event {
	e := portal.Event{ID: uuid.NewString(), OccurredAt: at, SubjectBSN: bsn, Activity: "wmo-onderzoek", Action: "view",
		DataCategories: []string{"care_needs"}, Level: "what", AccessBasis: "assigned",
		Actor: portal.Actor{Organization: "Gemeente Voorbeeldstad", Team: "Wijkteam Noord", Role: "Wmo-consulent",
			EmployeeID: "mw-1", EmployeeName: "Jan Medewerker"}, CaseRef: "Z-1"}
	for _, m := range mod {
		m(&e)
	}
	return e
}

func (e *env) ingest(events ...portal.Event) {
	e.t.Helper()
	if err := portal.ValidateBatch(events, time.Now(), func(string) bool { return true }); err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.db.Ingest(context.Background(), 0, events); err != nil {
		e.t.Fatal(err)
	}
}

// citizen makes a logged-in citizen session directly in storage and returns its cookie value.
func (e *env) citizen(bsn string) (cookie, csrf string) {
	e.t.Helper()
	ctx := context.Background()
	id, err := e.db.EnsureSubject(ctx, bsn)
	if err != nil {
		e.t.Fatal(err)
	}
	raw, csrf := uuid.NewString()+uuid.NewString(), uuid.NewString()
	now := time.Now()
	if err := e.db.CreateSession(ctx, raw, portal.Session{Kind: "citizen", SubjectID: id, LoA: "substantieel",
		CSRFToken: csrf, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		e.t.Fatal(err)
	}
	return raw, csrf
}

// staff makes a logged-in staff session.
func (e *env) staff(role string) (cookie, csrf string) {
	e.t.Helper()
	raw, csrf := uuid.NewString()+uuid.NewString(), uuid.NewString()
	now := time.Now()
	if err := e.db.CreateSession(context.Background(), raw, portal.Session{Kind: "staff", StaffSub: "medewerker",
		StaffName: "Mia Medewerker", StaffRoles: []string{role}, CSRFToken: csrf, CreatedAt: now,
		ExpiresAt: now.Add(time.Hour)}); err != nil {
		e.t.Fatal(err)
	}
	return raw, csrf
}

// do sends a request with an optional session cookie and bearer key and returns status and body.
func (e *env) do(method, path, cookie, key string, body io.Reader, hdr ...string) (*http.Response, string) {
	e.t.Helper()
	req := httptest.NewRequest(method, path, body)
	if cookie != "" {
		req.AddCookie(&http.Cookie{Name: "__Host-inzicht_session", Value: cookie})
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := e.app.Test(req, -1)
	if err != nil {
		e.t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func form(kv ...string) io.Reader {
	var sb strings.Builder
	for i := 0; i+1 < len(kv); i += 2 {
		if i > 0 {
			sb.WriteByte('&')
		}
		sb.WriteString(kv[i] + "=" + kv[i+1])
	}
	return strings.NewReader(sb.String())
}

// represent registers (through storage, as the API would) that repBSN acts for subjBSN: kind, the
// represented person's date of birth (yyyy-mm-dd) and the parts covered (all four when none given).
// Valid from the date of birth, without end.
func (e *env) represent(repBSN, subjBSN, kind, birth string, parts ...string) portal.StoredRepresentation {
	e.t.Helper()
	if len(parts) == 0 {
		parts = portal.RepresentationParts
	}
	basis := portal.LegalBasis{Kind: portal.BasisCourtDecision, Reference: "Rb. Midden-Nederland C/16/1234"}
	switch kind {
	case portal.RepParentalAuthority:
		basis = portal.LegalBasis{Kind: portal.BasisBRPAuthority, Reference: "BRP gezagsaanduiding 12"}
	case portal.RepAuthorisation:
		basis = portal.LegalBasis{Kind: portal.BasisOwnAuthorisation, Reference: "Machtiging M-1"}
	}
	r := portal.Representation{ID: uuid.NewString(), RepresentativeBSN: repBSN, SubjectBSN: subjBSN,
		SubjectName: "Daan de Vries", RepresentativeName: "Eva de Vries", SubjectBirthDate: birth, Kind: kind,
		Parts: parts, LegalBasis: basis, ValidFrom: birth}
	if err := r.Validate(); err != nil {
		e.t.Fatal(err)
	}
	s, _, err := e.db.PutRepresentation(context.Background(), r, 0)
	if err != nil {
		e.t.Fatal(err)
	}
	return s
}

// actFor makes the citizen session cookie act under representation repID ("" for themselves),
// as choosing at /namens does.
func (e *env) actFor(cookie, repID string) {
	e.t.Helper()
	if err := e.db.SetSessionActing(context.Background(), cookie, repID); err != nil {
		e.t.Fatal(err)
	}
}

// putFinancialActivity registers "pw-bijstand", an activity marked financial (what an administrator
// acting for the person may see).
func (e *env) putFinancialActivity() {
	e.t.Helper()
	if _, err := e.db.PutActivity(context.Background(), portal.Activity{ID: "pw-bijstand", Name: portal.Text{NL: "Bijstandsuitkering", EN: "Social assistance"},
		Purpose: portal.Text{NL: "Uw uitkering.", EN: "Your benefit."}, LegalBasis: portal.Text{NL: "Participatiewet", EN: "Participation Act"},
		DataCategories: []string{"income"}, Retention: "P7Y", Controller: "Gemeente Voorbeeldstad", Financial: true}); err != nil {
		e.t.Fatal(err)
	}
}

package postgres_test

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/inzicht/inzicht/portal"
)

// Consent for staff (issue 17): TS references, the staff list and detail, events citing either the
// UUID or the TS reference, and the overview's consent count.

var scClerk = portal.Staff{Sub: "sc-clerk", Name: "Carla Klerk", Roles: []string{portal.RoleClerk}}

func TestConsentReferencesAreNumberedInOrder(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	a := db.csCreate(t, csNew(bsnA, "2025-12-01"))
	db.clock.Advance(time.Minute)
	b := db.csCreate(t, csNew(bsnB, "2025-12-01"))
	if !portal.IsConsentReference(a.Reference) || !strings.HasPrefix(a.Reference, "TS-2025-") {
		t.Fatalf("reference %q, want TS-2025-NNNNNN", a.Reference)
	}
	if a.Reference >= b.Reference {
		t.Errorf("references %q then %q: not in creation order", a.Reference, b.Reference)
	}
	if got := db.csGet(t, a.ID); got.Reference != a.Reference {
		t.Errorf("read back %q, want %q", got.Reference, a.Reference)
	}
	// The same request again (idempotent by id) keeps its reference and takes no new number.
	again, created, err := db.CreateConsent(context.Background(), csNew(bsnA, "2025-12-01"), "api", 0)
	if err != nil || !created || again.Reference <= b.Reference {
		t.Errorf("a third request: %q created %v, %v", again.Reference, created, err)
	}
}

// TestConsentReferenceMigrationFillsExistingRows: migration 19 gives requests made before it a
// reference in creation order, and the sequence goes on after them.
func TestConsentReferenceMigrationFillsExistingRows(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	var made []portal.Consent
	for i, bsn := range []string{bsnB, bsnA, bsnC} {
		db.clock.Set(t0.AddDate(0, 0, i))
		made = append(made, db.csCreate(t, csNew(bsn, "2025-12-01")))
	}
	for _, f := range []string{"000019_consent_reference.down.sql", "000019_consent_reference.up.sql"} {
		sql, err := os.ReadFile("../../migrations/" + f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.raw.Exec(ctx, string(sql)); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
	}
	for i, c := range made {
		want := portal.ConsentReference(c.CreatedAt, int64(i+1))
		if got := db.csGet(t, c.ID).Reference; got != want {
			t.Errorf("request %d: reference %q after the migration, want %q", i, got, want)
		}
	}
	next := db.csCreate(t, csNew(bsnA, "2025-12-01"))
	if want := portal.ConsentReference(next.CreatedAt, 4); next.Reference != want {
		t.Errorf("the next request: %q, want %q", next.Reference, want)
	}
}

// TestConsentCitedByReference: an event may cite a consent by its TS reference (any case) or by its
// UUID; either is checked for coverage the same way, and the log line carries both the id and the
// TS reference of the request it cites.
func TestConsentCitedByReference(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	c := db.csCreate(t, csNew(bsnA, "2025-12-01"))
	subA := db.subject(t, bsnA)
	db.clock.Advance(time.Hour)
	db.csDecide(t, subA, c.ID, portal.ConsentGranted)
	db.clock.Advance(time.Hour)
	at := db.clock.Now().Add(-time.Minute)
	evs := []portal.Event{csCite(bsnA, at, c.Reference), csCite(bsnA, at, strings.ToLower(c.Reference)),
		csCite(bsnA, at, c.ID), csCite(bsnA, at, "TS-2025-999999"),
		// Before the grant: not covered, whichever way it is cited.
		csCite(bsnA, t0.Add(time.Minute), c.Reference)}
	want := []string{"true", "true", "true", "false", "false"}
	db.ingest(t, evs)
	for i, e := range evs {
		got, err := db.Event(ctx, subA, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		if s := csCovered(got.ConsentCovered); s != want[i] {
			t.Errorf("event %d citing %q: covered %s, want %s", i, e.ConsentRef, s, want[i])
		}
		known := i != 3
		if known && (got.ConsentID != c.ID || got.ConsentReference != c.Reference) {
			t.Errorf("event %d citing %q: consent %q %q, want %q %q", i, e.ConsentRef, got.ConsentID, got.ConsentReference, c.ID, c.Reference)
		}
		if !known && (got.ConsentID != "" || got.ConsentReference != "") {
			t.Errorf("event citing an unknown reference names consent %q %q", got.ConsentID, got.ConsentReference)
		}
	}
	// Another person's request cited by reference does not cover.
	other := csCite(bsnB, at, c.Reference)
	db.ingest(t, []portal.Event{other})
	if got, _ := db.Event(ctx, db.subject(t, bsnB), other.ID); csCovered(got.ConsentCovered) != "false" {
		t.Errorf("another's consent by reference: covered %s", csCovered(got.ConsentCovered))
	}
}

// TestSummaryConsentCountsOnlyCoveredLines: the overview's "with your consent" count leaves out
// lines whose consent did not hold, also among lines whose confidentiality has passed; the summary
// kept by triggers still matches the log.
func TestSummaryConsentCountsOnlyCoveredLines(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	c := db.csCreate(t, csNew(bsnA, "2025-12-01"))
	subA := db.subject(t, bsnA)
	db.clock.Advance(time.Hour)
	db.csDecide(t, subA, c.ID, portal.ConsentGranted)
	db.clock.Advance(time.Hour)
	at := db.clock.Now().Add(-time.Minute)
	past := at
	conf := func(e portal.Event) portal.Event {
		e.ConfidentialUntil, e.ConfidentialReason = &past, "onderzoek"
		return e
	}
	db.ingest(t, []portal.Event{
		csCite(bsnA, at, c.ID), csCite(bsnA, at, c.Reference), // covered
		csCite(bsnA, t0.Add(-time.Hour), c.ID),                         // before the request: not covered
		csCite(bsnA, at, "TS-2025-999999"),                             // no such request: not covered
		conf(csCite(bsnA, at, c.ID)),                                   // was confidential, covered
		conf(csCite(bsnA, at, "e9b1f1f0-0000-4000-8000-000000000001")), // was confidential, not covered
	})
	s, err := db.Summary(ctx, subA)
	if err != nil {
		t.Fatal(err)
	}
	if s.Consent != 3 || s.Total != 6 {
		t.Errorf("summary consent %d of total %d, want 3 of 6", s.Consent, s.Total)
	}
	checkSummary(t, db, subA, "with uncovered consent lines")
	// The lines are stored all the same, marked.
	var n int
	if err := db.raw.QueryRow(ctx, `SELECT count(*) FROM processing_events WHERE subject_id = $1 AND consent_covered = false`, subA).Scan(&n); err != nil || n != 3 {
		t.Errorf("%d uncovered lines stored, want 3 (%v)", n, err)
	}
}

func TestStaffConsentsListAndFilters(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	pending := db.csCreate(t, csNew(bsnA, "2025-12-01"))
	db.clock.Advance(24 * time.Hour)
	grantedNC := csNew(bsnB, "2025-12-01")
	grantedNC.CaseRef = "JEUGD-2025-7"
	granted := db.csCreate(t, grantedNC)
	db.clock.Advance(24 * time.Hour)
	overdue := db.csCreate(t, csNew(bsnA, "2025-06-10")) // pending, past its end date later on
	subB := db.subject(t, bsnB)
	if _, err := db.DecideConsent(ctx, subB, granted.ID, portal.ConsentGranted, "alleen over mijn knie"); err != nil {
		t.Fatal(err)
	}
	db.clock.Set(time.Date(2025, 6, 20, 12, 0, 0, 0, time.UTC))

	list := func(f portal.ConsentFilter) []string {
		t.Helper()
		cs, err := db.StaffConsents(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, c := range cs {
			out = append(out, c.Reference)
		}
		return out
	}
	if got, want := list(portal.ConsentFilter{}), []string{overdue.Reference, granted.Reference, pending.Reference}; !slices.Equal(got, want) {
		t.Errorf("all: %v, want %v (newest first)", got, want)
	}
	for state, want := range map[string][]string{
		portal.ConsentPending: {pending.Reference}, portal.ConsentGranted: {granted.Reference},
		portal.ConsentExpired: {overdue.Reference}, portal.ConsentRefused: nil, portal.ConsentWithdrawn: nil} {
		if got := list(portal.ConsentFilter{State: state}); !slices.Equal(got, want) {
			t.Errorf("state %s: %v, want %v", state, got, want)
		}
	}
	if _, err := db.StaffConsents(ctx, portal.ConsentFilter{State: "maybe"}); portal.ErrorCode(err) != portal.EINVALID {
		t.Errorf("unknown state: %v", err)
	}
	// Period: made on the second day only.
	day2 := t0.Add(24 * time.Hour)
	if got := list(portal.ConsentFilter{From: day2.Add(-time.Hour), To: day2.Add(time.Hour)}); !slices.Equal(got, []string{granted.Reference}) {
		t.Errorf("period: %v", got)
	}
	// Search by (part of) the TS reference, any case, or by the case reference; wildcards are literal.
	if got := list(portal.ConsentFilter{Search: strings.ToLower(granted.Reference)}); !slices.Equal(got, []string{granted.Reference}) {
		t.Errorf("search by reference: %v", got)
	}
	if got := list(portal.ConsentFilter{Search: "jeugd-2025"}); !slices.Equal(got, []string{granted.Reference}) {
		t.Errorf("search by case: %v", got)
	}
	if got := list(portal.ConsentFilter{Search: "%"}); got != nil {
		t.Errorf("search for %%: %v", got)
	}
	cs, err := db.StaffConsents(ctx, portal.ConsentFilter{State: portal.ConsentGranted})
	if err != nil || len(cs) != 1 {
		t.Fatalf("granted: %v, %v", cs, err)
	}
	if g := cs[0]; g.MaskedBSN != portal.MaskBSN(bsnB) || g.Comment != "alleen over mijn knie" || g.DecidedAt == nil ||
		strings.Contains(g.MaskedBSN, bsnB) {
		t.Errorf("granted as staff see it: %+v", g)
	}
	// Listing records no view.
	if n := db.scViews(t, subB); n != 0 {
		t.Errorf("listing recorded %d views", n)
	}
}

// scViews counts the views recorded under the consent register entry in a subject's log.
func (d *testDB) scViews(t *testing.T, subject int64) int {
	t.Helper()
	var n int
	if err := d.raw.QueryRow(context.Background(), `SELECT count(*) FROM processing_events WHERE subject_id = $1 AND activity_id = $2`,
		subject, portal.ConsentActivity).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestStaffOpenConsentRecordsTheView(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	if err := db.EnsureInternalActivities(ctx, "Gemeente Voorbeeldstad"); err != nil {
		t.Fatal(err)
	}
	c := db.csCreate(t, csNew(bsnA, "2025-12-01"))
	subA := db.subject(t, bsnA)
	db.clock.Advance(time.Hour)
	got, err := db.OpenConsent(ctx, c.ID, scClerk, "Gemeente Voorbeeldstad")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != c.ID || got.Reference != c.Reference || got.MaskedBSN != portal.MaskBSN(bsnA) {
		t.Errorf("opened %+v", got)
	}
	evs, _, err := db.Events(ctx, subA, portal.EventFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var views []portal.LoggedEvent
	for _, e := range evs {
		if e.Activity.ID == portal.ConsentActivity {
			views = append(views, e)
		}
	}
	if len(views) != 1 {
		t.Fatalf("%d views in the log, want 1", len(views))
	}
	v := views[0]
	if v.Action != "view" || v.CaseRef != c.Reference || v.Actor.EmployeeID != scClerk.Sub || v.Actor.Organization != "Gemeente Voorbeeldstad" ||
		!v.OccurredAt.Equal(db.clock.Now()) || !slices.Equal(v.DataCategories, []string{"identity", "consent"}) {
		t.Errorf("view %+v", v)
	}
	if n := db.scViews(t, db.subject(t, bsnB)); n != 0 {
		t.Errorf("another's log got %d views", n)
	}
	for _, id := range []string{"nope", "7d9f1f0e-0000-4000-8000-000000000000"} {
		if _, err := db.OpenConsent(ctx, id, scClerk, "G"); portal.ErrorCode(err) != portal.ENOTFOUND {
			t.Errorf("OpenConsent(%q): %v, want ENOTFOUND", id, err)
		}
	}
	if n := db.scViews(t, subA); n != 1 {
		t.Errorf("%d views after failed opens, want 1", n)
	}
}

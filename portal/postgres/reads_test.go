package postgres_test

import (
	"context"
	"regexp"
	"testing"
	"time"

	"github.com/inzicht/inzicht/portal"
)

// spanRow is the trace columns of one stored event.
type spanRow struct {
	TraceID, SpanID, Name string
	Parent                *string
}

func (d *testDB) spansOf(t *testing.T, subject int64, activity string) []spanRow {
	t.Helper()
	rows, err := d.raw.Query(context.Background(), `SELECT trace_id, span_id, parent_span_id, span_name FROM processing_events
WHERE subject_id = $1 AND activity_id = $2 ORDER BY occurred_at, id`, subject, activity)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []spanRow
	for rows.Next() {
		var s spanRow
		if err := rows.Scan(&s.TraceID, &s.SpanID, &s.Parent, &s.Name); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

var (
	traceHex = regexp.MustCompile(`^[0-9a-f]{32}$`)
	spanHex  = regexp.MustCompile(`^[0-9a-f]{16}$`)
)

// TestStaffViewsCarrySpans: every view Inzicht records of its own staff has a trace and span id, a
// new trace per page (two openings of a case file, two traces), and one page that shows several
// people (the oversight list) records the same span in each of their logs.
func TestStaffViewsCarrySpans(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	for _, a := range portal.InternalActivities(reqMunicipality) {
		if err := db.EnsureActivity(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	glass := func(e *portal.Event) { e.AccessBasis, e.BreakGlassReason = portal.BasisBreakGlass, "crisis" }
	db.ingest(t, []portal.Event{event(bsnA, t0.Add(-time.Hour), glass), event(bsnB, t0.Add(-time.Hour), glass)})
	a, b := db.subject(t, bsnA), db.subject(t, bsnB)

	r := db.reqFile(t, a, reqNew(portal.KindInspection, ""))
	for range 2 {
		db.clock.Advance(time.Minute)
		if _, err := db.OpenCaseFile(ctx, r.ID, reqClerk, reqMunicipality); err != nil {
			t.Fatal(err)
		}
	}
	views := db.spansOf(t, a, portal.RequestActivity)
	if len(views) != 2 {
		t.Fatalf("%d case file views, want 2", len(views))
	}
	for _, v := range views {
		if !traceHex.MatchString(v.TraceID) || !spanHex.MatchString(v.SpanID) || v.Parent != nil || v.Name != "view "+portal.RequestActivity {
			t.Errorf("view span %+v", v)
		}
	}
	if views[0].TraceID == views[1].TraceID || views[0].SpanID == views[1].SpanID {
		t.Errorf("two page requests share a trace or span: %+v", views)
	}

	officer := portal.Staff{Sub: "fg", Name: "F. Gegevens", Roles: []string{portal.RolePrivacyOfficer}}
	if _, _, err := db.Oversight(ctx, portal.OversightFilter{From: t0.AddDate(0, -1, 0), Limit: 10}, officer, reqMunicipality); err != nil {
		t.Fatal(err)
	}
	va, vb := db.spansOf(t, a, portal.OversightActivity), db.spansOf(t, b, portal.OversightActivity)
	if len(va) != 1 || len(vb) != 1 || va[0].TraceID != vb[0].TraceID || va[0].SpanID != vb[0].SpanID || !traceHex.MatchString(va[0].TraceID) {
		t.Errorf("oversight views: A %+v, B %+v; want one each in one span", va, vb)
	}
}

package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/inzicht/inzicht/portal"
)

// putActie stores a verwerkingsactie of one person at the given time, citing activity act, the way
// the API does (ids set, events mapped), and returns it as stored.
func putActie(t *testing.T, db *testDB, key portal.APIKey, act portal.Activity, bsn string, at time.Time) portal.Verwerkingsactie {
	t.Helper()
	va := portal.Verwerkingsactie{ActieID: "7a22eb38-bca6-463f-9955-54ab040287cb", Vertrouwelijkheid: portal.VNGNormaal, Tijdstip: at,
		SoortAfnemerID: "BSN", AfnemerID: bsnB,
		VerwerkteObjecten: []portal.VerwerktObject{
			{VerwerktObjectID: "0b7e6c1e-3f5a-4a51-9a52-2f0c1d7e9b10", Objecttype: "persoon", SoortObjectID: "BSN", ObjectID: bsn},
			{VerwerktObjectID: "1b7e6c1e-3f5a-4a51-9a52-2f0c1d7e9b10", Objecttype: "persoon", SoortObjectID: "A-nummer", ObjectID: "1234567890"},
		}}
	rules := portal.EventRules{Now: db.clock.Now()}
	if err := va.Validate(rules); err != nil {
		t.Fatalf("%v %v", err, portal.ErrorFields(err))
	}
	stored, ok, err := db.PutVerwerkingsactie(context.Background(), key, va, act.ID, va.Events(&act, nil, rules), rules, false)
	if err != nil || !ok {
		t.Fatalf("PutVerwerkingsactie: %v, stored %v", err, ok)
	}
	return stored
}

// TestVerwerkingsactieStorage: the BSNs of objects and afnemer are stored only as person rows and come
// back in clear; retention removes an actie with its events.
func TestVerwerkingsactieStorage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := newTestDB(t)
	short := activity("kort")
	short.Retention = "P1Y"
	if _, err := db.PutActivity(ctx, short); err != nil {
		t.Fatal(err)
	}
	k, _, err := db.CreateAPIKey(ctx, "suite", []string{"events:write"})
	if err != nil {
		t.Fatal(err)
	}
	stored := putActie(t, db, k, short, bsnA, t0.Add(-2*365*24*time.Hour))
	if stored.AfnemerID != bsnB || stored.VerwerkteObjecten[0].ObjectID != bsnA || stored.VerwerkteObjecten[1].ObjectID != "1234567890" {
		t.Errorf("stored actie %+v", stored)
	}
	for _, table := range []string{"verwerkingsacties", "verwerkte_objecten"} {
		var text string
		if err := db.raw.QueryRow(ctx, `SELECT coalesce(string_agg(t::text, ' '), '') FROM `+table+` t`).Scan(&text); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(text, bsnA) || strings.Contains(text, bsnB) {
			t.Errorf("%s holds a BSN in clear: %s", table, text)
		}
	}
	if n := db.count(t, "processing_events"); n != 1 {
		t.Fatalf("%d events, want 1", n)
	}
	integrateAll(t, db.DB, testSigner(t)) // retention waits until an event has its leaf
	if _, err := db.RemoveExpiredEvents(ctx, 100); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"processing_events", "verwerkingsacties", "verwerkte_objecten"} {
		if n := db.count(t, table); n != 0 {
			t.Errorf("%s: %d rows after the retention period, want 0", table, n)
		}
	}
}

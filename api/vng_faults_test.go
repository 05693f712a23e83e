package api_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/inzicht/inzicht/portal"
)

// TestVNGPatchWhileAnActieIsReplaced: a PATCH opgeheven of a verwerking that meets a PUT of one of its
// acties in flight (the PUT deletes and inserts the actie's row) lifts that actie too, once the PUT
// has committed; it does not pass it by and answer success (review: READ COMMITTED let it).
func TestVNGPatchWhileAnActieIsReplaced(t *testing.T) {
	t.Parallel()
	e, _ := vngEnv(t)
	ctx := context.Background()
	x, y := uuid.NewString(), uuid.NewString()
	for _, id := range []string{x, y} {
		e.postActie(marshal(t, actie(t, func(m ev) { m["actieId"] = id; m["vertrouwelijkheid"] = "vertrouwelijk" })))
	}
	var keyID int64
	var system string
	if err := e.raw.QueryRow(ctx, `SELECT k.id, k.system FROM verwerkingsacties a JOIN api_keys k ON k.id = a.api_key_id
WHERE actie_id = $1`, x).Scan(&keyID, &system); err != nil {
		t.Fatal(err)
	}
	// What a PUT does to the actie's row, held open: lock it, delete it, insert it again.
	tx, err := e.raw.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck
	for _, q := range []string{
		`SELECT 1 FROM verwerkingsacties WHERE actie_id = '` + x + `' FOR UPDATE`,
		`CREATE TEMP TABLE replaced AS SELECT * FROM verwerkingsacties WHERE actie_id = '` + x + `'`,
		`DELETE FROM verwerkingsacties WHERE actie_id = '` + x + `'`,
		`INSERT INTO verwerkingsacties SELECT * FROM replaced`,
	} {
		if _, err := tx.Exec(ctx, q); err != nil {
			t.Fatal(q, err)
		}
	}
	done := make(chan error, 1)
	go func() {
		_, err := e.db.PatchVerwerking(ctx, portal.APIKey{ID: keyID, System: system}, "48086bf2-11b7-4603-9526-67d7c3bb6587",
			portal.VerwerkingPatch{Vertrouwelijkheid: "opgeheven"}, 366*24*time.Hour)
		done <- err
	}()
	// Commit only once the PATCH waits for the actie's lock (no sleeping: ask the server).
	for waiting := false; !waiting; {
		if err := e.raw.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = current_database()
AND wait_event_type = 'Lock' AND query LIKE '%FOR UPDATE OF a%')`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{x, y} {
		var label string
		var hidden int
		if err := e.raw.QueryRow(ctx, `SELECT a.vertrouwelijkheid, (SELECT count(*) FROM processing_events e WHERE e.vng_actie_id = a.actie_id
AND e.confidential_until > now()) FROM verwerkingsacties a WHERE a.actie_id = $1`, id).Scan(&label, &hidden); err != nil {
			t.Fatal(err)
		}
		if label != "opgeheven" || hidden != 0 {
			t.Errorf("actie %s after PATCH opgeheven: %q with %d hidden events", id, label, hidden)
		}
	}
}

// TestVNGRemovedActieDoesNotComeBackHidden: an actie the citizen could see, deleted and posted again
// with the same actieId (the same event ids) as vertrouwelijk, is refused: what the citizen could
// see is never hidden again. An actie removed while still hidden may come back vertrouwelijk.
func TestVNGRemovedActieDoesNotComeBackHidden(t *testing.T) {
	t.Parallel()
	e, _ := vngEnv(t)
	seen, hidden := uuid.NewString(), uuid.NewString()
	e.postActie(marshal(t, actie(t, func(m ev) { m["actieId"] = seen })))
	e.postActie(marshal(t, actie(t, func(m ev) { m["actieId"] = hidden; m["vertrouwelijkheid"] = "vertrouwelijk" })))
	for _, id := range []string{seen, hidden} {
		if r := e.do("DELETE", "/verwerkingsacties/"+id, e.eventKey, nil); r.status != 204 {
			t.Fatalf("DELETE: %d %s", r.status, r.body)
		}
	}
	p := e.do("POST", "/verwerkingsacties", e.eventKey, marshal(t, actie(t, func(m ev) { m["actieId"] = seen; m["vertrouwelijkheid"] = "vertrouwelijk" }))).problem(t, 409)
	if len(p.Errors) != 1 || p.Errors[0].Field != "vertrouwelijkheid" {
		t.Errorf("409 errors %+v", p.Errors)
	}
	e.postActie(marshal(t, actie(t, func(m ev) { m["actieId"] = hidden; m["vertrouwelijkheid"] = "vertrouwelijk" })))
	e.postActie(marshal(t, actie(t, func(m ev) { m["actieId"] = seen })))
}

// TestVNGActieIdOfAnotherSystem: another system posting an actieId already used (even with the same
// content) gets 409, not the first system's actie.
func TestVNGActieIdOfAnotherSystem(t *testing.T) {
	t.Parallel()
	e, _ := vngEnv(t)
	body := marshal(t, actie(t, func(m ev) { m["actieId"] = uuid.NewString(); m["vertrouwelijkheid"] = "vertrouwelijk" }))
	e.postActie(body)
	p := e.do("POST", "/verwerkingsacties", e.key("other-system", "events:write"), body).problem(t, 409)
	if len(p.Errors) != 1 || p.Errors[0].Field != "actieId" {
		t.Errorf("409 errors %+v", p.Errors)
	}
	if n := e.rows(); n != 1 {
		t.Errorf("%d events, want 1", n)
	}
}

// TestVNGRetentionOfActiesWithoutEntry: an actie that cites no register entry (its objects are no
// persons by BSN) but names an afnemer by BSN is removed once older than the register's longest
// retention, like the acties with an entry (review: it was kept for ever).
func TestVNGRetentionOfActiesWithoutEntry(t *testing.T) {
	t.Parallel()
	e, _ := vngEnv(t)
	ctx := context.Background()
	withEntry, without := uuid.NewString(), uuid.NewString()
	e.postActie(marshal(t, actie(t, func(m ev) { m["actieId"] = withEntry })))
	e.postActie(marshal(t, actie(t, func(m ev) {
		m["actieId"] = without
		delete(m, "verwerkingsactiviteitId")
		delete(m, "verwerkingsactiviteitUrl")
		m["soortAfnemerId"], m["afnemerId"] = "BSN", bsnB
		m["verwerkteObjecten"] = []any{map[string]any{"objecttype": "persoon", "soortObjectId": "A-nummer", "objectId": "1234567890"}}
	})))
	e.db.SetClock(func() time.Time { return time.Now().AddDate(40, 0, 0) })
	if _, err := e.db.RemoveExpiredEvents(ctx, 5000); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := e.raw.QueryRow(ctx, `SELECT count(*) FROM verwerkingsacties`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d verwerkingsacties left 40 years on, want 0", n)
	}
}

// TestVNGListBoundsPersons: a page of GET /verwerkingsacties whose acties name more persons than the
// read APIs return at most (portal.MaxReadRecords) is refused with 400 (narrow the period), and
// nothing is recorded in anyone's log (review: one page decrypted and recorded ~100,000 persons).
func TestVNGListBoundsPersons(t *testing.T) {
	t.Parallel()
	e, reader := vngEnv(t)
	var bsns []string
	for v := 100_000_000; len(bsns) < portal.MaxReadRecords+2; v++ {
		if s := strconv.Itoa(v); portal.ValidBSN(s) {
			bsns = append(bsns, s)
		}
	}
	half := len(bsns) / 2
	for _, part := range [][]string{bsns[:half], bsns[half:]} {
		objs := []any{map[string]any{"objecttype": "persoon", "soortObjectId": "BSN", "objectId": vngBSN}}
		for _, b := range part {
			objs = append(objs, map[string]any{"objecttype": "persoon", "soortObjectId": "BSN", "objectId": b})
		}
		e.postActie(marshal(t, actie(t, func(m ev) { m["actieId"] = uuid.NewString(); m["verwerkteObjecten"] = objs })))
	}
	before := e.rows()
	p := e.do("GET", "/verwerkingsacties?objecttype=persoon&soortObjectId=BSN&objectId="+vngBSN, reader, nil).problem(t, 400)
	if len(p.Errors) != 1 || p.Errors[0].Field != "beginDatum" {
		t.Errorf("400 errors %+v", p.Errors)
	}
	if n := e.rows(); n != before {
		t.Errorf("a refused read recorded %d events", n-before)
	}
}

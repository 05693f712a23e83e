package postgres

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/inzicht/inzicht/portal"
)

// PutOrganisation stores the name of the organisation with an OIN, and reports whether it was new.
// o must be valid (portal.Organisation.Validate).
func (db *DB) PutOrganisation(ctx context.Context, o portal.Organisation) (created bool, err error) {
	err = db.pool.QueryRow(ctx, `INSERT INTO organisations (oin, name, updated_at) VALUES ($1, $2, $3)
ON CONFLICT (oin) DO UPDATE SET name = EXCLUDED.name, updated_at = EXCLUDED.updated_at
RETURNING (xmax = 0)`, o.OIN, o.Name, db.now().UTC()).Scan(&created)
	if err != nil {
		return false, fmt.Errorf("postgres: put organisation %s: %w", o.OIN, err)
	}
	return created, nil
}

// OrganisationNames returns the known names of the organisations with the given OINs.
func (db *DB) OrganisationNames(ctx context.Context, oins []string) (map[string]string, error) {
	out := map[string]string{}
	rows, _ := db.pool.Query(ctx, `SELECT oin, name FROM organisations WHERE oin = ANY($1)`, oins)
	var oin, name string
	_, err := pgx.ForEachRow(rows, []any{&oin, &name}, func() error { out[oin] = name; return nil })
	if err != nil {
		return nil, fmt.Errorf("postgres: organisation names: %w", err)
	}
	return out, nil
}

// PutVerwerkingsactie stores a VNG verwerkingsactie on behalf of key, with its events (made by
// portal.Verwerkingsactie.Events), in one transaction; the events go through the same ingest path as
// every other event (ingestTx, checked against rules and the register). It returns the actie as stored
// and whether anything was stored.
//
// With replace false (POST) an actieId stored already with the same content is a retry: nothing is
// stored and the stored actie is returned; with other content ECONFLICT. With replace true (PUT) the
// actie must exist and be this system's (ENOTFOUND otherwise); its events are removed (recorded in
// verwerkingsactie_removals) and the new ones stored. A replacement never hides again what the citizen
// could see (ECONFLICT), and never moves an earlier confidentiality end later.
func (db *DB) PutVerwerkingsactie(ctx context.Context, key portal.APIKey, va portal.Verwerkingsactie, activityID string,
	events []portal.Event, rules portal.EventRules, replace bool) (out portal.Verwerkingsactie, stored bool, err error) {
	err = db.transactRepeat(ctx, "verwerkingsacties_pkey", func(tx pgx.Tx) error {
		if err := repeatableRead(ctx, tx); err != nil {
			return err
		}
		stored = false
		now := db.now().UTC()
		var bsns []string
		for _, o := range va.VerwerkteObjecten {
			if o.IsBSN() {
				bsns = append(bsns, o.ObjectID)
			}
		}
		if va.AfnemerIsBSN() && va.AfnemerID != "" {
			bsns = append(bsns, va.AfnemerID)
		}
		subjects, lookups := map[string]int64{}, map[string][]byte{}
		if len(bsns) > 0 {
			var err error
			if subjects, lookups, err = db.subjectIDs(ctx, tx, bsns); err != nil {
				return err
			}
		}
		hash := va.ContentHash(func(b string) []byte { return lookups[b] })
		var storedHash []byte
		var system, label, term string
		err := tx.QueryRow(ctx, `SELECT a.content_hash, k.system, a.vertrouwelijkheid, a.bewaartermijn
FROM verwerkingsacties a JOIN api_keys k ON k.id = a.api_key_id
WHERE a.actie_id = $1::uuid FOR UPDATE OF a`, va.ActieID).Scan(&storedHash, &system, &label, &term)
		exists := err == nil
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		switch {
		case replace && (!exists || system != key.System):
			return portal.Errorf(portal.ENOTFOUND, "no such verwerkingsactie reported by this system")
		case exists && system != key.System:
			return &portal.Error{Code: portal.ECONFLICT, Message: "another system reported a verwerkingsactie with this actieId; nothing was stored",
				Fields: []portal.FieldError{{Index: -1, Field: "actieId", Message: "already used by another system"}}}
		// The hash keeps the report as first posted (a PATCH leaves it), so a POST retry after a PATCH
		// stays a retry; a PUT is a no-op only when it also matches what a PATCH may have changed.
		case exists && bytes.Equal(storedHash, hash) && (!replace || label == va.Vertrouwelijkheid && term == va.Bewaartermijn):
			out, _, err = db.loadActie(ctx, tx, va.ActieID)
			return err
		case exists && !replace:
			return &portal.Error{Code: portal.ECONFLICT, Message: "a verwerkingsactie with this actieId but other content is already stored; nothing was stored",
				Fields: []portal.FieldError{{Index: -1, Field: "actieId", Message: "already stored with other content"}}}
		case !exists && va.Vertrouwelijkheid == portal.VNGVertrouwelijk:
			// The same actieId makes the same event ids: an actie removed while the citizen could see it
			// does not come back hidden.
			var seen bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM verwerkingsactie_removals WHERE actie_id = $1::uuid AND events_visible > 0)`,
				va.ActieID).Scan(&seen); err != nil {
				return err
			}
			if seen {
				return &portal.Error{Code: portal.ECONFLICT, Message: "the citizen could see this actie before it was removed: what they could see is never hidden again",
					Fields: []portal.FieldError{{Index: -1, Field: "vertrouwelijkheid", Message: "cannot become vertrouwelijk again"}}}
			}
		case replace:
			var visible int
			var until *time.Time
			if err := tx.QueryRow(ctx, `SELECT count(*) FILTER (WHERE confidential_until IS NULL OR confidential_until <= $2),
       min(confidential_until) FILTER (WHERE confidential_until > $2)
FROM processing_events WHERE vng_actie_id = $1::uuid`, va.ActieID, now).Scan(&visible, &until); err != nil {
				return err
			}
			if visible > 0 && va.Vertrouwelijkheid == portal.VNGVertrouwelijk {
				return &portal.Error{Code: portal.ECONFLICT, Message: "the citizen can see this actie already: what they could see is never hidden again",
					Fields: []portal.FieldError{{Index: -1, Field: "vertrouwelijkheid", Message: "cannot become vertrouwelijk again"}}}
			}
			for i := range events {
				if events[i].ConfidentialUntil != nil && until != nil && until.Before(*events[i].ConfidentialUntil) {
					u := until.UTC()
					events[i].ConfidentialUntil = &u
				}
			}
			if err := removeActie(ctx, tx, key.ID, va.ActieID, "replace", now); err != nil {
				return err
			}
		}
		body := va
		body.URL, body.VerwerkteObjecten, body.Vertrouwelijkheid, body.Bewaartermijn = "", nil, "", ""
		body.Tijdstip, body.TijdstipRegistratie = time.Time{}, time.Time{}
		var afnemer any
		if va.AfnemerIsBSN() && va.AfnemerID != "" {
			afnemer, body.AfnemerID = subjects[va.AfnemerID], ""
		}
		bj, err := json.Marshal(body)
		if err != nil {
			return err
		}
		var verwerking, activity any
		if va.VerwerkingID != "" {
			verwerking = va.VerwerkingID
		}
		if activityID != "" {
			activity = activityID
		}
		if _, err := tx.Exec(ctx, `INSERT INTO verwerkingsacties (actie_id, api_key_id, verwerking_id, activity_id, vertrouwelijkheid,
 bewaartermijn, tijdstip, tijdstip_registratie, body, afnemer_subject_id, content_hash)
VALUES ($1::uuid, $2, $3::uuid, $4, $5, $6, $7, $8, $9, $10, $11)`, va.ActieID, key.ID, verwerking, activity, va.Vertrouwelijkheid,
			va.Bewaartermijn, va.Tijdstip, now, bj, afnemer, hash); err != nil {
			return err
		}
		b := &pgx.Batch{}
		for i, o := range va.VerwerkteObjecten {
			var objectID, subject any
			if o.IsBSN() {
				subject = subjects[o.ObjectID]
			} else {
				objectID = o.ObjectID
			}
			kinds := make([]string, len(o.VerwerkteSoortenGegevens))
			for j, g := range o.VerwerkteSoortenGegevens {
				kinds[j] = g.SoortGegeven
			}
			b.Queue(`INSERT INTO verwerkte_objecten (actie_id, idx, objecttype, soort_object_id, object_id, subject_id, betrokkenheid, soorten_gegevens)
VALUES ($1::uuid, $2, $3, $4, $5, $6, $7, $8)`, va.ActieID, i, o.Objecttype, o.SoortObjectID, objectID, subject, o.Betrokkenheid, kinds)
		}
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return err
		}
		if len(events) > 0 {
			if _, err := db.ingestTx(ctx, tx, key.ID, events, &rules, now, true); err != nil {
				return err
			}
		}
		stored = true
		out, _, err = db.loadActie(ctx, tx, va.ActieID)
		return err
	})
	if err != nil {
		return out, false, wrapErr("put verwerkingsactie "+va.ActieID, err)
	}
	return out, stored, nil
}

// removeActie deletes an actie, its objects and its events, and records the removal (kind delete or
// replace) with the key, the time and the number of events removed.
// repeatableRead makes tx see one snapshot: a row another transaction replaced (PUT deletes and
// inserts an actie) then fails this one with a serialization error, which Transact retries on a new
// snapshot that holds the new row, instead of silently passing it by (READ COMMITTED).
func repeatableRead(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
	return err
}

func removeActie(ctx context.Context, tx pgx.Tx, keyID int64, actieID, kind string, now time.Time) error {
	// After an integration under way, whose new leaves this statement removes too.
	if err := lockLog(ctx, tx); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `WITH ev AS (DELETE FROM processing_events WHERE vng_actie_id = $1::uuid
  RETURNING id, (confidential_until IS NULL OR confidential_until <= $4) AS visible),
lv AS (`+forgetLeaves("ev", "$4", "'"+RemovedVNG+"'")+`),
a AS (DELETE FROM verwerkingsacties WHERE actie_id = $1::uuid RETURNING verwerking_id, activity_id, tijdstip)
INSERT INTO verwerkingsactie_removals (actie_id, kind, api_key_id, removed_at, verwerking_id, activity_id, tijdstip, events_removed,
  events_visible)
SELECT $1::uuid, $2, $3, $4, a.verwerking_id, a.activity_id, a.tijdstip, (SELECT count(*) FROM ev),
  (SELECT count(*) FILTER (WHERE visible) FROM ev) FROM a`, actieID, kind, keyID, now)
	if err != nil {
		return fmt.Errorf("remove verwerkingsactie: %w", err)
	}
	return nil
}

// loadActie reads a stored actie with its objects (BSNs decrypted) and the system that reported it;
// ENOTFOUND when there is none.
func (db *DB) loadActie(ctx context.Context, q querier, id string) (portal.Verwerkingsactie, string, error) {
	var va portal.Verwerkingsactie
	var body []byte
	var system string
	var afnemer *int64
	err := q.QueryRow(ctx, `SELECT a.body, a.vertrouwelijkheid, a.bewaartermijn, a.tijdstip, a.tijdstip_registratie,
       a.afnemer_subject_id, k.system
FROM verwerkingsacties a JOIN api_keys k ON k.id = a.api_key_id WHERE a.actie_id = $1::uuid`, id).Scan(
		&body, &va.Vertrouwelijkheid, &va.Bewaartermijn, &va.Tijdstip, &va.TijdstipRegistratie, &afnemer, &system)
	if errors.Is(err, pgx.ErrNoRows) {
		return va, "", portal.Errorf(portal.ENOTFOUND, "no such verwerkingsactie")
	}
	if err != nil {
		return va, "", err
	}
	v, b, t, tr := va.Vertrouwelijkheid, va.Bewaartermijn, va.Tijdstip.UTC(), va.TijdstipRegistratie.UTC()
	if err := json.Unmarshal(body, &va); err != nil {
		return va, "", fmt.Errorf("decode stored actie %s: %w", id, err)
	}
	va.Vertrouwelijkheid, va.Bewaartermijn, va.Tijdstip, va.TijdstipRegistratie = v, b, t, tr
	if afnemer != nil {
		s, err := lookupSubject(ctx, q, *afnemer)
		if err != nil {
			return va, "", err
		}
		if va.AfnemerID, err = db.openBSN(s); err != nil {
			return va, "", err
		}
	}
	rows, _ := q.Query(ctx, `SELECT objecttype, soort_object_id, coalesce(object_id, ''), subject_id, betrokkenheid, soorten_gegevens
FROM verwerkte_objecten WHERE actie_id = $1::uuid ORDER BY idx`, id)
	type objRow struct {
		o       portal.VerwerktObject
		subject *int64
	}
	objs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (objRow, error) {
		var x objRow
		var kinds []string
		err := r.Scan(&x.o.Objecttype, &x.o.SoortObjectID, &x.o.ObjectID, &x.subject, &x.o.Betrokkenheid, &kinds)
		for _, k := range kinds {
			x.o.VerwerkteSoortenGegevens = append(x.o.VerwerkteSoortenGegevens, portal.VerwerktSoortGegeven{SoortGegeven: k})
		}
		return x, err
	})
	if err != nil {
		return va, "", err
	}
	va.VerwerkteObjecten = make([]portal.VerwerktObject, len(objs))
	for i, x := range objs {
		if x.subject != nil {
			s, err := lookupSubject(ctx, q, *x.subject)
			if err != nil {
				return va, "", err
			}
			if x.o.ObjectID, err = db.openBSN(s); err != nil {
				return va, "", err
			}
		}
		va.VerwerkteObjecten[i] = x.o
	}
	return va, system, nil
}

// Verwerkingsactie returns one stored actie as r's system may read it: a vertrouwelijk actie only to
// the system that reported it; ENOTFOUND otherwise or when there is none. An actie another system
// reported is a disclosure of the persons in it: in the same transaction the read is recorded in the
// log of each of them (recordRead, as ReadProcessing does). A system reading back its own actie learns
// nothing it did not report, and is not recorded.
func (db *DB) Verwerkingsactie(ctx context.Context, r portal.APIRead, id string) (portal.Verwerkingsactie, error) {
	var va portal.Verwerkingsactie
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		var system string
		var err error
		if va, system, err = db.loadActie(ctx, tx, id); err != nil {
			return err
		}
		if system == r.Reader {
			return nil
		}
		if va.Vertrouwelijkheid == portal.VNGVertrouwelijk {
			return portal.Errorf(portal.ENOTFOUND, "no such verwerkingsactie")
		}
		return db.recordActieRead(ctx, tx, r, []string{id})
	})
	return va, wrapErr("verwerkingsactie "+id, err)
}

// recordActieRead records the read of the acties ids (none of them the reader's own) in the log of
// every person in them: the persons of their verwerkte objecten, with the data categories of the
// actie's register entry, and a person who is the afnemer (their BSN is in the actie too).
func (db *DB) recordActieRead(ctx context.Context, tx pgx.Tx, r portal.APIRead, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	rows, _ := tx.Query(ctx, `SELECT o.subject_id, coalesce(p.data_categories, '{}')
FROM verwerkte_objecten o JOIN verwerkingsacties a ON a.actie_id = o.actie_id
LEFT JOIN processing_activities p ON p.id = a.activity_id
WHERE o.actie_id = ANY($1::uuid[]) AND o.subject_id IS NOT NULL
UNION ALL
SELECT afnemer_subject_id, '{}' FROM verwerkingsacties WHERE actie_id = ANY($1::uuid[]) AND afnemer_subject_id IS NOT NULL`, ids)
	cats := map[int64][]string{}
	var subject int64
	var kinds []string
	if _, err := pgx.ForEachRow(rows, []any{&subject, &kinds}, func() error {
		cats[subject] = append(cats[subject], kinds...)
		return nil
	}); err != nil {
		return fmt.Errorf("persons of the acties read: %w", err)
	}
	_, err := db.recordRead(ctx, tx, db.now().UTC(), r, cats, nil)
	return err
}

// Verwerkingsacties returns a page of the acties that touched the person f.BSN, newest first, and how
// many match in all. Vertrouwelijk acties are listed only to the system that reported them. The read
// is recorded, in the same transaction, in the log of every person in the acties of the page that
// another system reported (as by Verwerkingsactie); a system's own acties are not.
func (db *DB) Verwerkingsacties(ctx context.Context, r portal.APIRead, f portal.VerwerkingsactieFilter) ([]portal.Verwerkingsactie, int, error) {
	var out []portal.Verwerkingsactie
	var total int
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		out, total = []portal.Verwerkingsactie{}, 0
		var subject int64
		err := tx.QueryRow(ctx, `SELECT id FROM subjects WHERE bsn_hmac = $1`, db.vault.Lookup(f.BSN)).Scan(&subject)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		where := `FROM verwerkingsacties a JOIN api_keys k ON k.id = a.api_key_id
WHERE a.actie_id IN (SELECT actie_id FROM verwerkte_objecten WHERE subject_id = $1)
  AND (a.vertrouwelijkheid <> 'vertrouwelijk' OR k.system = $2)`
		args := []any{subject, r.Reader}
		arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
		if !f.From.IsZero() {
			where += " AND a.tijdstip >= " + arg(f.From)
		}
		if !f.To.IsZero() {
			where += " AND a.tijdstip < " + arg(f.To)
		}
		if len(f.Vertrouwelijkheid) > 0 {
			where += " AND a.vertrouwelijkheid = ANY(" + arg(f.Vertrouwelijkheid) + ")"
		}
		if f.VerwerkingsactiviteitID != "" {
			where += " AND a.activity_id = " + arg(f.VerwerkingsactiviteitID)
		}
		if err := tx.QueryRow(ctx, `SELECT count(*) `+where, args...).Scan(&total); err != nil {
			return err
		}
		rows, _ := tx.Query(ctx, `SELECT a.actie_id::text, k.system `+where+` ORDER BY a.tijdstip DESC, a.actie_id DESC LIMIT `+
			arg(f.Limit)+` OFFSET `+arg(f.Offset), args...)
		type row struct{ id, system string }
		page, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (row, error) {
			var x row
			return x, r.Scan(&x.id, &x.system)
		})
		if err != nil {
			return err
		}
		// Every person in a page's acties is decrypted and gets the read in their log: bound it as the
		// other read APIs are.
		ids := make([]string, len(page))
		for i, p := range page {
			ids[i] = p.id
		}
		var persons int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM verwerkte_objecten WHERE actie_id = ANY($1::uuid[]) AND subject_id IS NOT NULL`,
			ids).Scan(&persons); err != nil {
			return err
		}
		if persons > portal.MaxReadRecords {
			return portal.Errorf(portal.ETOOLARGE, "the acties of this page name %d persons, more than %d; narrow the period (beginDatum, eindDatum)",
				persons, portal.MaxReadRecords)
		}
		var others []string
		for _, p := range page {
			va, _, err := db.loadActie(ctx, tx, p.id)
			if err != nil {
				return fmt.Errorf("verwerkingsactie %s: %w", p.id, err)
			}
			out = append(out, va)
			if p.system != r.Reader {
				others = append(others, p.id)
			}
		}
		return db.recordActieRead(ctx, tx, r, others)
	})
	if err != nil {
		return nil, 0, wrapErr("verwerkingsacties", err)
	}
	return out, total, nil
}

// DeleteVerwerkingsactie removes an actie of key's system and its events from the citizen's log, and
// records the removal (verwerkingsactie_removals). ENOTFOUND for another system's actie or none.
func (db *DB) DeleteVerwerkingsactie(ctx context.Context, key portal.APIKey, id string) error {
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		if err := repeatableRead(ctx, tx); err != nil {
			return err
		}
		var system string
		err := tx.QueryRow(ctx, `SELECT k.system FROM verwerkingsacties a JOIN api_keys k ON k.id = a.api_key_id
WHERE a.actie_id = $1::uuid FOR UPDATE OF a`, id).Scan(&system)
		if errors.Is(err, pgx.ErrNoRows) || err == nil && system != key.System {
			return portal.Errorf(portal.ENOTFOUND, "no such verwerkingsactie reported by this system")
		}
		if err != nil {
			return err
		}
		return removeActie(ctx, tx, key.ID, id, "delete", db.now().UTC())
	})
	return wrapErr("delete verwerkingsactie "+id, err)
}

// VerwerkingsactieRemoval is the record of an actie taken back by its supplier.
type VerwerkingsactieRemoval struct {
	ActieID       string
	Kind          string
	RemovedAt     time.Time
	EventsRemoved int
}

// VerwerkingsactieRemovals returns the recorded removals of an actie, oldest first.
func (db *DB) VerwerkingsactieRemovals(ctx context.Context, id string) ([]VerwerkingsactieRemoval, error) {
	rows, _ := db.pool.Query(ctx, `SELECT actie_id::text, kind, removed_at, events_removed FROM verwerkingsactie_removals
WHERE actie_id = $1::uuid ORDER BY removed_at, id`, id)
	rs, err := pgx.CollectRows(rows, pgx.RowToStructByPos[VerwerkingsactieRemoval])
	if err != nil {
		return nil, fmt.Errorf("postgres: verwerkingsactie removals: %w", err)
	}
	return rs, nil
}

// PatchVerwerking changes the vertrouwelijkheid and/or bewaartermijn of every actie of key's system
// in one verwerking, and returns how many acties changed (ENOTFOUND when none). p must be valid.
//
// normaal or opgeheven releases the acties' still confidential events to the citizen at this moment.
// vertrouwelijk keeps still confidential events hidden for up to maxConf from now (each event's new
// end recorded in confidentiality_extensions, as any extension); when the citizen can already see any
// of the events it is ECONFLICT: what they could see is never hidden again.
func (db *DB) PatchVerwerking(ctx context.Context, key portal.APIKey, verwerkingID string, p portal.VerwerkingPatch, maxConf time.Duration) (int, error) {
	var n int
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		if err := repeatableRead(ctx, tx); err != nil {
			return err
		}
		now := db.now().UTC()
		rows, _ := tx.Query(ctx, `SELECT a.actie_id::text FROM verwerkingsacties a JOIN api_keys k ON k.id = a.api_key_id
WHERE a.verwerking_id = $1::uuid AND k.system = $2 ORDER BY a.actie_id FOR UPDATE OF a`, verwerkingID, key.System)
		ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		if len(ids) == 0 {
			return portal.Errorf(portal.ENOTFOUND, "no verwerkingsacties of this verwerking reported by this system")
		}
		n = len(ids)
		switch p.Vertrouwelijkheid {
		case "":
		case portal.VNGVertrouwelijk:
			var visible int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM processing_events WHERE vng_actie_id = ANY($1::uuid[])
AND (confidential_until IS NULL OR confidential_until <= $2)`, ids, now).Scan(&visible); err != nil {
				return err
			}
			if visible > 0 {
				return &portal.Error{Code: portal.ECONFLICT, Message: "the citizen can see events of this verwerking already: what they could see is never hidden again",
					Fields: []portal.FieldError{{Index: -1, Field: "vertrouwelijkheid", Message: "cannot become vertrouwelijk again"}}}
			}
			if _, err := tx.Exec(ctx, `WITH old AS (
  SELECT id, confidential_until FROM processing_events WHERE vng_actie_id = ANY($1::uuid[]) AND confidential_until < $2),
x AS (UPDATE processing_events e SET confidential_until = $2 FROM old WHERE e.id = old.id RETURNING e.id, old.confidential_until AS prev)
INSERT INTO confidentiality_extensions (event_id, api_key_id, extended_at, previous_until, new_until, reason)
SELECT id, $3, $4, prev, $2, $5 FROM x`, ids, now.Add(maxConf), key.ID, now,
				"VNG PATCH vertrouwelijk for verwerking "+verwerkingID); err != nil {
				return fmt.Errorf("extend: %w", err)
			}
		default:
			if _, err := tx.Exec(ctx, `UPDATE processing_events SET confidential_until = $2
WHERE vng_actie_id = ANY($1::uuid[]) AND confidential_until > $2`, ids, now); err != nil {
				return fmt.Errorf("lift: %w", err)
			}
			if _, err := tx.Exec(ctx, `UPDATE verwerkingsacties SET lifted_at = $2
WHERE actie_id = ANY($1::uuid[]) AND vertrouwelijkheid = 'vertrouwelijk'`, ids, now); err != nil {
				return err
			}
		}
		if err := amendConfidentiality(ctx, tx, now, "e.vng_actie_id = ANY($1::uuid[])", ids); err != nil {
			return err
		}
		if p.Vertrouwelijkheid != "" {
			if _, err := tx.Exec(ctx, `UPDATE verwerkingsacties SET vertrouwelijkheid = $2 WHERE actie_id = ANY($1::uuid[])`,
				ids, p.Vertrouwelijkheid); err != nil {
				return err
			}
		}
		if p.Bewaartermijn != "" {
			if _, err := tx.Exec(ctx, `UPDATE verwerkingsacties SET bewaartermijn = $2 WHERE actie_id = ANY($1::uuid[])`,
				ids, p.Bewaartermijn); err != nil {
				return err
			}
		}
		return nil
	})
	return n, wrapErr("patch verwerking "+verwerkingID, err)
}

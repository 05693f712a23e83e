package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/inzicht/inzicht/portal"
)

// Acting on behalf of someone else in the portal (issue 16): the representations a citizen may act
// under, the record of every view and action of a representative, and disputes.

// representationsWhere lists the representations matching a condition on one subject id column,
// ended ones included, oldest first, opened.
func (db *DB) representationsWhere(ctx context.Context, col string, id int64) ([]portal.StoredRepresentation, error) {
	rows, _ := db.pool.Query(ctx, `SELECT `+repCols+` FROM representations WHERE `+col+` = $1 ORDER BY created_at, id`, id)
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (repRow, error) { return scanRep(r) })
	if err != nil {
		return nil, err
	}
	out := make([]portal.StoredRepresentation, 0, len(list))
	for _, r := range list {
		o, err := db.openRepForPortal(r)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, nil
}

// RepresentationsBy lists every representation (ended ones included) under which the subject
// actorID is the representative, oldest first. The portal decides which are in force now.
func (db *DB) RepresentationsBy(ctx context.Context, actorID int64) ([]portal.StoredRepresentation, error) {
	out, err := db.representationsWhere(ctx, "representative_id", actorID)
	return out, wrapErr("representations by", err)
}

// RepresentationsFor lists every representation (ended ones included) of the represented person
// subjectID, oldest first, with whether the person disputed it.
func (db *DB) RepresentationsFor(ctx context.Context, subjectID int64) ([]portal.StoredRepresentation, error) {
	out, err := db.representationsWhere(ctx, "subject_id", subjectID)
	return out, wrapErr("representations for", err)
}

// RecordRepresentativeAct records a representative's page view or action in the represented
// person's log (an event under portal.RepresentativeActivity, through the same COPY path as every
// event) and in representative_acts, in one transaction. act.EventID is set when empty; capacity is
// how the representative's capacity reads in the log. The span is the page request's, as for staff
// views.
func (db *DB) RecordRepresentativeAct(ctx context.Context, act portal.RepresentativeAct, municipality, capacity string) (string, error) {
	if !portal.ValidActWhat(act.What) {
		return "", fmt.Errorf("postgres: record act: bad code %q", act.What)
	}
	if act.EventID == "" {
		act.EventID = uuid.NewString()
	}
	if len(act.Ref) > 64 {
		act.Ref = act.Ref[:64]
	}
	act.At = db.now()
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		s, err := lookupSubject(ctx, tx, act.SubjectID)
		if err != nil {
			return err
		}
		ev := act.Event(municipality, capacity)
		name := "act " + act.What
		if sp, ok := portal.SpanFromContext(ctx); ok {
			sp.Name = name
			ev.Span = &sp
		} else {
			sp := portal.NewSpan(name)
			ev.Span = &sp
		}
		row := eventRow{ev: &ev, subjectID: s.id, received: act.At, hash: ev.ContentHash(s.hmac), lookup: s.hmac}
		if act.What == portal.ActViewSignal && act.Ref != "" {
			// The record of a view of a signal carries the signal, so that a representative who may not
			// see that signal does not see this line either (actingSQL).
			if row.signal, err = actSignal(ctx, tx, act.Ref, s.id); err != nil {
				return err
			}
		}
		if _, err := insertEvents(ctx, tx, []eventRow{row}); err != nil {
			return fmt.Errorf("record the act: %w", err)
		}
		_, err = tx.Exec(ctx, `INSERT INTO representative_acts (event_id, representation_id, actor_id, subject_id, at, what, ref)
VALUES ($1::uuid, $2::uuid, $3, $4, $5, $6, $7)`, act.EventID, act.RepresentationID, act.ActorID, act.SubjectID, act.At,
			act.What, act.Ref)
		return err
	})
	return act.EventID, wrapErr("record representative act", err)
}

// RepresentativeActs lists acts, newest first, with who acted for whom in which capacity.
func (db *DB) RepresentativeActs(ctx context.Context, f portal.ActFilter) ([]portal.RepresentativeAct, error) {
	var conds []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		conds = append(conds, fmt.Sprintf(cond, len(args)))
	}
	if f.ActorID > 0 {
		add("a.actor_id = $%d", f.ActorID)
	}
	if f.SubjectID > 0 {
		add("a.subject_id = $%d", f.SubjectID)
	}
	if f.RepresentationID != "" {
		if _, err := uuid.Parse(f.RepresentationID); err != nil {
			return nil, nil
		}
		add("a.representation_id = $%d::uuid", f.RepresentationID)
	}
	if f.EventID != "" {
		if _, err := uuid.Parse(f.EventID); err != nil {
			return nil, nil
		}
		add("a.event_id = $%d::uuid", f.EventID)
	}
	if f.EndedOrDisputed {
		// Ended through the API, at its valid_until date, by the 16th birthday (parental authority;
		// someone born on 29 February turns 16 on 1 March in a year without it, as portal.Birthday),
		// or disputed by the represented person.
		args = append(args, db.now())
		today := fmt.Sprintf("($%d AT TIME ZONE 'Europe/Amsterdam')::date", len(args))
		conds = append(conds, `(r.ended_at IS NOT NULL OR r.valid_until <= `+today+`
 OR (r.kind = 'parental_authority' AND `+birthdaySQL(16)+` <= `+today+`)
 OR (r.kind = 'guardianship' AND `+birthdaySQL(portal.AgeOfMajority)+` <= `+today+`)
 OR EXISTS (SELECT 1 FROM representation_disputes d WHERE d.representation_id = r.id))`)
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 200
	}
	where := ""
	if len(conds) > 0 {
		where = "WHERE " + strings.Join(conds, " AND ")
	}
	rows, _ := db.pool.Query(ctx, `SELECT a.event_id::text, a.representation_id::text, a.actor_id, a.subject_id, a.at, a.what, a.ref,
 EXISTS (SELECT 1 FROM representation_disputes d WHERE d.representation_id = r.id)
 FROM representative_acts a JOIN representations r ON r.id = a.representation_id `+where+`
 ORDER BY a.at DESC, a.event_id LIMIT `+fmt.Sprint(f.Limit), args...)
	acts, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (portal.RepresentativeAct, error) {
		var a portal.RepresentativeAct
		err := r.Scan(&a.EventID, &a.RepresentationID, &a.ActorID, &a.SubjectID, &a.At, &a.What, &a.Ref, &a.Disputed)
		return a, err
	})
	if err != nil {
		return nil, wrapErr("representative acts", err)
	}
	reps := map[string]portal.StoredRepresentation{}
	for i := range acts {
		r, ok := reps[acts[i].RepresentationID]
		if !ok {
			if r, err = db.RepresentationForPortal(ctx, acts[i].RepresentationID); err != nil {
				return nil, err
			}
			reps[acts[i].RepresentationID] = r
		}
		acts[i].Kind, acts[i].SubjectName, acts[i].RepresentativeName = r.Kind, r.SubjectName, r.RepresentativeName
		acts[i].RepresentationEnd = r.Ended()
	}
	return acts, nil
}

// birthdaySQL is the day the represented person of r turns years old, as portal.Birthday: someone
// born on 29 February turns that age on 1 March in a year without it.
func birthdaySQL(years int) string {
	y := fmt.Sprintf("interval '%d years'", years)
	return `((r.subject_birth_date + ` + y + `)::date + CASE WHEN to_char(r.subject_birth_date, 'MM-DD') = '02-29'
 AND extract(day FROM r.subject_birth_date + ` + y + `) = 28 THEN 1 ELSE 0 END)`
}

// DisputeRepresentation records that the represented person subjectID disputes representation id,
// with their reason. ENOTFOUND when the representation is not theirs.
func (db *DB) DisputeRepresentation(ctx context.Context, subjectID int64, id, reason string) error {
	if _, err := uuid.Parse(id); err != nil {
		return errNoRepresentation
	}
	tag, err := db.pool.Exec(ctx, `INSERT INTO representation_disputes (representation_id, subject_id, reason, disputed_at)
SELECT id, subject_id, $3, $4 FROM representations WHERE id = $1::uuid AND subject_id = $2`, id, subjectID, reason, db.now())
	if err != nil {
		return wrapErr("dispute representation", err)
	}
	if tag.RowsAffected() == 0 {
		return errNoRepresentation
	}
	return nil
}

// DisputedRepresentations returns the ids of subjectID's representations that they disputed.
func (db *DB) DisputedRepresentations(ctx context.Context, subjectID int64) (map[string]bool, error) {
	rows, _ := db.pool.Query(ctx, `SELECT DISTINCT representation_id::text FROM representation_disputes WHERE subject_id = $1`, subjectID)
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, wrapErr("disputes", err)
	}
	out := make(map[string]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}

// RepresentationDisputes lists the latest disputes (newest first) with the representation they are
// about, for the privacy officer.
func (db *DB) RepresentationDisputes(ctx context.Context, limit int) ([]portal.RepresentationDispute, error) {
	rows, _ := db.pool.Query(ctx, `SELECT representation_id::text, reason, disputed_at FROM representation_disputes
ORDER BY disputed_at DESC, id DESC LIMIT $1`, limit)
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (portal.RepresentationDispute, error) {
		var d portal.RepresentationDispute
		err := r.Scan(&d.Rep.ID, &d.Reason, &d.At)
		return d, err
	})
	if err != nil {
		return nil, wrapErr("disputes", err)
	}
	for i := range list {
		if list[i].Rep, err = db.RepresentationForPortal(ctx, list[i].Rep.ID); err != nil {
			return nil, err
		}
	}
	return list, nil
}

// actSignal is the signal id of subjectID, as far as recording a view of it needs (id, told); nil when
// there is no such signal.
func actSignal(ctx context.Context, tx pgx.Tx, id string, subjectID int64) (*portal.Signal, error) {
	if _, err := uuid.Parse(id); err != nil {
		return nil, nil
	}
	var sg portal.Signal
	err := tx.QueryRow(ctx, `SELECT id::text, told_at FROM signals WHERE id = $1::uuid AND subject_id = $2`, id, subjectID).
		Scan(&sg.ID, &sg.ToldAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &sg, nil
}

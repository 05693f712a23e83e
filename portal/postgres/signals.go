package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/inzicht/inzicht/portal"
)

var errNoSignal = portal.Errorf(portal.ENOTFOUND, "no such signal")

const signalCols = `s.id::text, s.subject_id, s.received_at, s.registered_at, s.source, s.category,
 coalesce(s.reporter_kind,''), coalesce(s.reporter_name,''), coalesce(s.reporter_organization,''),
 coalesce(s.reporter_contact,''), coalesce(s.summary,''), coalesce(s.urgency,''), coalesce(s.handling_team,''),
 s.told_at, s.decision_due, s.retention, s.retention_at, s.retention_by, s.case_ref, s.review_at, s.destroyed_at,
 s.hold_until, coalesce(s.subject_summary,''), coalesce(s.subject_summary_by,''), s.subject_summary_at,
 s.subject_summary_en, coalesce(s.handling_team_en, '')`

func scanSignal(row pgx.Row) (portal.Signal, error) {
	var s portal.Signal
	var rep portal.Reporter
	var summaryEN *string
	var teamEN string
	err := row.Scan(&s.ID, &s.SubjectID, &s.ReceivedAt, &s.RegisteredAt, &s.Source, &s.Nature.Category,
		&s.ReporterKind, &rep.Name, &rep.Organization, &rep.Contact, &s.Nature.Summary, &s.Urgency, &s.HandlingTeam,
		&s.ToldAt, &s.DecisionDue, &s.Retention, &s.RetentionAt, &s.RetentionBy, &s.CaseRef, &s.ReviewAt, &s.DestroyedAt,
		&s.HoldUntil, &s.SummaryForSubject, &s.SubjectSummaryBy, &s.SubjectSummaryAt, &summaryEN, &teamEN)
	if rep != (portal.Reporter{}) {
		s.Reporter = &rep
	}
	if summaryEN != nil || teamEN != "" {
		s.EN = &portal.SignalTexts{HandlingTeam: teamEN}
		if summaryEN != nil {
			s.EN.SummaryForSubject = *summaryEN
		}
	}
	return s, err
}

// signalHash is the content hash that makes registration idempotent: the same id with the same
// content is a repeat, with other content a conflict. The BSN enters as its keyed HMAC.
func (db *DB) signalHash(ns portal.NewSignal) []byte {
	c := ns
	c.SubjectBSN = ""
	c.ReceivedAt = c.ReceivedAt.UTC()
	b, _ := json.Marshal(c) // strings, a time and a pointer to strings always marshal
	h := sha256.New()
	h.Write(db.vault.Lookup(ns.SubjectBSN))
	h.Write(b)
	return h.Sum(nil)
}

// RegisterSignal stores a validated signal. Without a deferral or a hold the citizen is told in the
// same transaction (an inbox message and, when they gave an address, an e-mail job); with a deferral
// (staff form only) the signal stays hidden while a team lead may approve; with a hold (ns.HoldUntil,
// checked by NewSignal.CheckHold: EINVALID when too long) it stays hidden until the hold ends, when
// SweepSignals tells it (a sweep is scheduled for that moment). The text for the person is
// ns.SummaryForSubject; on the staff form the clerk's summary is written for the person and is that
// text. Registering the same id again with the same content returns the stored signal and
// created=false; with other content ECONFLICT.
func (db *DB) RegisterSignal(ctx context.Context, ns portal.NewSignal, source string, apiKeyID int64, by *portal.Staff,
	deferral *portal.DeferralRequest, p portal.SignalPolicy) (portal.Signal, bool, error) {
	p = p.WithDefaults()
	now := db.now()
	hash := db.signalHash(ns)
	if deferral != nil && by != nil {
		if err := deferral.Validate(now, p.MaxDeferral); err != nil {
			return portal.Signal{}, false, err
		}
	}
	var out portal.Signal
	created, err := db.createOnce(ctx, "signals", "signal", ns.ID, hash, func(tx pgx.Tx) error {
		ids, _, err := db.subjectIDs(ctx, tx, []string{ns.SubjectBSN})
		if err != nil {
			return err
		}
		var key any
		if apiKeyID > 0 {
			key = apiKeyID
		}
		registeredBy := ""
		if by != nil {
			registeredBy = by.Sub
		}
		var rep portal.Reporter
		if ns.Reporter != nil {
			rep = *ns.Reporter
		}
		if err := ns.CheckHold(now, p); err != nil {
			return err
		}
		var subj, subjBy, subjAt, subjEN, teamEN any
		if e := ns.EN; e != nil {
			subjEN = e.SummaryForSubject // Validate: only with the Dutch text
			if e.HandlingTeam != "" {
				teamEN = e.HandlingTeam
			}
		}
		switch {
		case ns.SummaryForSubject != "":
			subj, subjBy, subjAt = ns.SummaryForSubject, registeredBy, now
			if source == "api" {
				subjBy = "api"
			}
		case source == "staff":
			subj, subjBy, subjAt = ns.Nature.Summary, registeredBy, now
		}
		if _, err := tx.Exec(ctx, `INSERT INTO signals (id, subject_id, received_at, registered_at, source, api_key_id,
 registered_by, category, reporter_kind, reporter_name, reporter_organization, reporter_contact, summary, urgency,
 handling_team, content_hash, decision_due, hold_until, subject_summary, subject_summary_by, subject_summary_at,
 subject_summary_en, handling_team_en)
 VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23)`,
			ns.ID, ids[ns.SubjectBSN], ns.ReceivedAt, now, source, key, registeredBy, ns.Nature.Category, ns.ReporterKind,
			rep.Name, rep.Organization, rep.Contact, ns.Nature.Summary, ns.Urgency, ns.HandlingTeam, hash,
			now.Add(p.DecisionWithin), ns.HoldUntil, subj, subjBy, subjAt, subjEN, teamEN); err != nil {
			return err
		}
		if deferral != nil && by != nil {
			return db.insertDeferral(ctx, tx, ns.ID, *by, *deferral, true, now, p)
		}
		if ns.HoldUntil != nil {
			// The periodic sweep could come up to its period late: one more runs when the hold ends.
			if _, err := db.jobs.InsertTx(ctx, tx, portal.SweepJob{}, &river.InsertOpts{ScheduledAt: *ns.HoldUntil}); err != nil {
				return fmt.Errorf("schedule the end of the hold: %w", err)
			}
			return nil
		}
		return db.tell(ctx, tx, ns.ID, now)
	}, func(tx pgx.Tx) (err error) {
		out, err = db.signal(ctx, tx, ns.ID)
		return err
	})
	return out, created, wrapErr("register signal", err)
}

func (db *DB) insertDeferral(ctx context.Context, tx pgx.Tx, id string, by portal.Staff, d portal.DeferralRequest,
	initial bool, now time.Time, p portal.SignalPolicy) error {
	_, err := tx.Exec(ctx, `INSERT INTO signal_deferrals (signal_id, reason, motivation, review_at, requested_by,
 requester_name, requested_at, approve_before, initial, status, hide_from_representatives)
 VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,'pending',$10)`,
		id, d.Reason, d.Motivation, d.ReviewAt, by.Sub, by.Name, now, portal.AddWorkingDays(now, p.ApprovalDays), initial,
		d.HideFromRepresentatives)
	return err
}

// tell marks a signal told, puts the message in the citizen's inbox (with an e-mail job when they
// ever gave an address), and makes the staff views of the signal visible in their log. It does
// nothing when the signal was told already.
func (db *DB) tell(ctx context.Context, tx pgx.Tx, id string, now time.Time) error {
	var subject int64
	err := tx.QueryRow(ctx, `UPDATE signals SET told_at = $2 WHERE id = $1 AND told_at IS NULL RETURNING subject_id`, id, now).Scan(&subject)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	// A deferral still waiting for approval has nothing left to defer once the citizen is told.
	if _, err := tx.Exec(ctx, `UPDATE signal_deferrals SET status = 'lapsed', decided_at = $2
WHERE signal_id = $1 AND status = 'pending'`, id, now); err != nil {
		return fmt.Errorf("close pending deferrals: %w", err)
	}
	var msgID int64
	if err := tx.QueryRow(ctx, `INSERT INTO messages (subject_id, signal_id, kind, status, created_at)
VALUES ($1,$2,'signal','told',$3) RETURNING id`, subject, id, now).Scan(&msgID); err != nil {
		return fmt.Errorf("message: %w", err)
	}
	if _, err := tx.Exec(ctx, `UPDATE processing_events SET confidential_until = $2, confidential_reason = ''
WHERE signal_id = $1 AND confidential_until = 'infinity'`, id, now); err != nil {
		return fmt.Errorf("reveal views: %w", err)
	}
	if err := amendConfidentiality(ctx, tx, now, "e.signal_id = $1", id); err != nil { // the verifiable log
		return err
	}
	hasAddress, err := wantsMail(ctx, tx, subject, portal.TopicSignals)
	if err != nil {
		return err
	}
	if hasAddress {
		if _, err := db.jobs.InsertTx(ctx, tx, portal.NotifyJob{MessageID: msgID},
			&river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}); err != nil {
			return fmt.Errorf("queue e-mail: %w", err)
		}
	}
	return nil
}

func (db *DB) signal(ctx context.Context, q querier, id string) (portal.Signal, error) {
	if _, err := uuid.Parse(id); err != nil {
		return portal.Signal{}, errNoSignal
	}
	s, err := scanSignal(q.QueryRow(ctx, `SELECT `+signalCols+` FROM signals s WHERE s.id = $1::uuid`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return s, errNoSignal
	}
	if err != nil {
		return s, err
	}
	rows, _ := q.Query(ctx, `SELECT id, reason, coalesce(motivation,''), review_at, requested_by, requester_name, requested_at,
 approve_before, initial, status, decided_by, decider_name, decided_at, hide_from_representatives
 FROM signal_deferrals WHERE signal_id = $1 ORDER BY id`, id)
	s.Deferrals, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (portal.Deferral, error) {
		var d portal.Deferral
		err := r.Scan(&d.ID, &d.Reason, &d.Motivation, &d.ReviewAt, &d.RequestedBy, &d.RequesterName, &d.RequestedAt,
			&d.ApproveBefore, &d.Initial, &d.Status, &d.DecidedBy, &d.DeciderName, &d.DecidedAt, &d.HideFromRepresentatives)
		return d, err
	})
	return s, err
}

// forCitizen strips what only staff may see, the reporter's own summary included: the person reads
// the text written for them (SummaryForSubject), when there is one.
func forCitizen(s portal.Signal) portal.Signal {
	s.Reporter, s.ReporterKind, s.Deferrals, s.RetentionBy = nil, "", nil, ""
	s.Nature.Summary, s.SubjectSummaryBy, s.HoldUntil = "", "", nil
	return s
}

// SetSubjectSummary stores a clerk's text for the person about a signal, replacing an earlier one.
// An invalid text is EINVALID (field summary_for_subject), a destroyed signal EINVALID. An English
// text sent through the API is removed with the Dutch text it translated: English pages then show
// the clerk's Dutch text with a note, never an outdated translation.
func (db *DB) SetSubjectSummary(ctx context.Context, id string, by portal.Staff, text string) error {
	text, err := portal.CheckSubjectSummary(text)
	if err != nil {
		return err
	}
	now := db.now()
	err = db.Transact(ctx, func(tx pgx.Tx) error {
		s, err := db.lockSignal(ctx, tx, strings.ToLower(id))
		if err != nil {
			return err
		}
		if s.Destroyed() {
			return portal.Errorf(portal.EINVALID, "the signal was destroyed")
		}
		_, err = tx.Exec(ctx, `UPDATE signals SET subject_summary = $2, subject_summary_by = $3, subject_summary_at = $4,
 subject_summary_en = CASE WHEN subject_summary IS NOT DISTINCT FROM $2 THEN subject_summary_en END
WHERE id = $1`, s.ID, text, by.Sub, now)
		return err
	})
	return wrapErr("set subject summary", err)
}

// hiddenFromRep is the SQL condition that the signal with id sig (a column) and category cat (a
// column) is hidden from the representation whose id is the parameter rep: its category is one of
// the parameter cats (portal.HiddenSignalCategories), or a deferral hides it (any but one a team lead
// rejected: telling the person closes deferrals, not the mark),
// and no approved release shows it to that representation. It is the SQL form of
// portal.Signal.HiddenFromRepresentatives with the releases, used by every read of a representative.
func hiddenFromRep(sig, cat, rep, cats string) string {
	return `((` + cat + ` = ANY(` + cats + `::text[]) OR EXISTS (SELECT 1 FROM signal_deferrals hd WHERE hd.signal_id = ` + sig + `
   AND hd.hide_from_representatives AND NOT (hd.status = 'rejected' AND hd.decided_by <> 'system')))
 AND NOT EXISTS (SELECT 1 FROM signal_releases hr WHERE hr.signal_id = ` + sig + ` AND hr.representation_id = ` + rep + `::uuid
   AND hr.status = 'approved'))`
}

// checkRepID checks that a representation id read from a session is a UUID before it enters a query.
func checkRepID(id string) error {
	if _, err := uuid.Parse(id); err != nil {
		return errNoRepresentation
	}
	return nil
}

// CitizenSignals lists the signals a citizen has been told about, newest first, without the reporter.
// repID is the representation the reader acts under ("" for the person themselves): a representative
// does not see signals hidden from representatives unless a release for repID was approved.
func (db *DB) CitizenSignals(ctx context.Context, subjectID int64, repID string) ([]portal.Signal, error) {
	var rows pgx.Rows
	if repID == "" {
		rows, _ = db.reader(ctx).Query(ctx, `SELECT `+signalCols+` FROM signals s WHERE s.subject_id = $1 AND s.told_at IS NOT NULL
ORDER BY s.received_at DESC, s.id`, subjectID)
	} else {
		if err := checkRepID(repID); err != nil {
			return nil, err
		}
		rows, _ = db.pool.Query(ctx, `SELECT `+signalCols+` FROM signals s WHERE s.subject_id = $1 AND s.told_at IS NOT NULL
 AND NOT `+hiddenFromRep("s.id", "s.category", "$2", "$3")+`
ORDER BY s.received_at DESC, s.id`, subjectID, repID, portal.HiddenSignalCategories)
	}
	ss, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (portal.Signal, error) { return scanSignal(r) })
	if err != nil {
		return nil, fmt.Errorf("postgres: citizen signals: %w", err)
	}
	for i := range ss {
		ss[i] = forCitizen(ss[i])
	}
	return ss, nil
}

// CitizenSignal returns one told signal of a citizen without the reporter; an untold or another
// citizen's signal gives ENOTFOUND, and so does, for a representative (repID not ""), a signal hidden
// from representatives without an approved release for repID.
func (db *DB) CitizenSignal(ctx context.Context, subjectID int64, repID, id string) (portal.Signal, error) {
	s, err := db.signal(ctx, db.pool, id)
	if err != nil {
		return s, wrapErr("signal", err)
	}
	if s.SubjectID != subjectID || !s.Told() {
		return portal.Signal{}, errNoSignal
	}
	if repID != "" {
		if err := checkRepID(repID); err != nil {
			return portal.Signal{}, errNoSignal
		}
		var hidden bool
		if err := db.pool.QueryRow(ctx, `SELECT `+hiddenFromRep("s.id", "s.category", "$2", "$3")+` FROM signals s WHERE s.id = $1`,
			s.ID, repID, portal.HiddenSignalCategories).Scan(&hidden); err != nil {
			return portal.Signal{}, wrapErr("signal", err)
		}
		if hidden {
			return portal.Signal{}, errNoSignal
		}
	}
	return forCitizen(s), nil
}

// OpenSignal returns a signal for staff and records the view in the person's processing log in the
// same transaction. While the person has not been told, the view event is confidential; it becomes
// visible when they are told.
func (db *DB) OpenSignal(ctx context.Context, id string, by portal.Staff, municipality string) (portal.SignalCase, error) {
	return db.openSignal(ctx, id, by, municipality, false)
}

// ReopenSignal is OpenSignal for the signal's page shown again right after the staff member's own
// action on it: no view is recorded when this staff member's view of this signal was recorded within
// portal.CaseVisit; otherwise one is, as OpenSignal does (see ReopenCaseFile).
func (db *DB) ReopenSignal(ctx context.Context, id string, by portal.Staff, municipality string) (portal.SignalCase, error) {
	return db.openSignal(ctx, id, by, municipality, true)
}

func (db *DB) openSignal(ctx context.Context, id string, by portal.Staff, municipality string, reopen bool) (portal.SignalCase, error) {
	var sc portal.SignalCase
	now := db.now()
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		s, err := db.signal(ctx, tx, id)
		if err != nil {
			return err
		}
		rows, _ := tx.Query(ctx, `SELECT `+signalCols+` FROM signals s WHERE s.subject_id = $1 AND s.id <> $2
 AND s.destroyed_at IS NULL AND s.retention IN ('bewaren','actie') ORDER BY s.received_at DESC`, s.SubjectID, id)
		earlier, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (portal.Signal, error) { return scanSignal(r) })
		if err != nil {
			return err
		}
		subject, err := lookupSubject(ctx, tx, s.SubjectID)
		if err != nil {
			return err
		}
		bsn, err := db.openBSN(subject)
		if err != nil {
			return err
		}
		sc = portal.SignalCase{Signal: s, BSN: bsn, Earlier: earlier}
		if reopen {
			var seen bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM processing_events WHERE signal_id = $1
 AND action = 'view' AND actor_employee_id = $2 AND occurred_at > $3)`, s.ID, by.Sub, now.Add(-portal.CaseVisit)).Scan(&seen); err != nil {
				return err
			}
			if seen {
				return nil
			}
		}
		cats := []string{"signals"}
		if len(earlier) > 0 {
			cats = append(cats, "signals_earlier")
		}
		if err := db.recordStaffView(ctx, tx, subject, portal.StaffView{By: by, RoleLabel: portal.SignalRoleLabel(by.Role()),
			Municipality: municipality, Activity: portal.SignalActivity, Level: "what", Categories: cats,
			AccessBasis: portal.BasisFunction}, now, &s); err != nil {
			return err
		}
		return nil
	})
	return sc, wrapErr("open signal", err)
}

// StaffSignals lists signals for the team, newest first, without content (no summary, no reporter):
// listing is not a view of a person's data.
func (db *DB) StaffSignals(ctx context.Context, limit int) ([]portal.Signal, error) {
	if limit <= 0 || limit > 1000 {
		limit = 500
	}
	rows, _ := db.pool.Query(ctx, `SELECT `+signalCols+` FROM signals s ORDER BY s.registered_at DESC LIMIT $1`, limit)
	ss, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (portal.Signal, error) { return scanSignal(r) })
	if err != nil {
		return nil, fmt.Errorf("postgres: staff signals: %w", err)
	}
	for i := range ss {
		ss[i].Reporter, ss[i].Nature.Summary, ss[i].SummaryForSubject = nil, "", ""
		full, err := db.signal(ctx, db.pool, ss[i].ID)
		if err != nil {
			return nil, err
		}
		ss[i].Deferrals = full.Deferrals
		for j := range ss[i].Deferrals {
			ss[i].Deferrals[j].Motivation = ""
		}
	}
	return ss, nil
}

func (db *DB) lockSignal(ctx context.Context, tx pgx.Tx, id string) (portal.Signal, error) {
	if _, err := uuid.Parse(id); err != nil {
		return portal.Signal{}, errNoSignal
	}
	if _, err := tx.Exec(ctx, `SELECT 1 FROM signals WHERE id = $1 FOR UPDATE`, id); err != nil {
		return portal.Signal{}, err
	}
	return db.signal(ctx, tx, id)
}

// RequestDeferral asks not to tell the citizen yet. It is allowed only before they were told and
// while no other request waits for approval; it takes effect only when a team lead approves it.
func (db *DB) RequestDeferral(ctx context.Context, id string, by portal.Staff, d portal.DeferralRequest, p portal.SignalPolicy) error {
	p = p.WithDefaults()
	now := db.now()
	if err := d.Validate(now, p.MaxDeferral); err != nil {
		return err
	}
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		s, err := db.lockSignal(ctx, tx, id)
		if err != nil {
			return err
		}
		if s.Told() {
			return portal.Errorf(portal.EINVALID, "the citizen has been told already")
		}
		if _, ok := s.PendingDeferral(); ok {
			return portal.Errorf(portal.EINVALID, "another deferral awaits approval")
		}
		initial := true
		for _, x := range s.Deferrals {
			if x.Status == portal.DeferralApproved {
				initial = false
			}
		}
		return db.insertDeferral(ctx, tx, id, by, d, initial, now, p)
	})
	return wrapErr("request deferral", err)
}

// DecideDeferral lets a team lead approve or reject a deferral within its approval window. Nobody
// decides on their own request. A rejection tells the citizen unless an earlier approved deferral
// still runs.
func (db *DB) DecideDeferral(ctx context.Context, id string, deferralID int64, by portal.Staff, approve bool) error {
	now := db.now()
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		s, err := db.lockSignal(ctx, tx, id)
		if err != nil {
			return err
		}
		var d portal.Deferral
		found := false
		for _, x := range s.Deferrals {
			if x.ID == deferralID {
				d, found = x, true
			}
		}
		if !found {
			return portal.Errorf(portal.ENOTFOUND, "no such deferral")
		}
		if d.RequestedBy == by.Sub {
			return portal.Errorf(portal.EFORBIDDEN, "nobody approves their own request")
		}
		if d.Status != portal.DeferralPending {
			return portal.Errorf(portal.EINVALID, "the deferral was decided already")
		}
		if !now.Before(d.ApproveBefore) {
			return portal.Errorf(portal.EINVALID, "the approval window has passed")
		}
		if s.Told() {
			return portal.Errorf(portal.EINVALID, "the citizen has been told already")
		}
		status := portal.DeferralRejected
		if approve {
			status = portal.DeferralApproved
		}
		if _, err := tx.Exec(ctx, `UPDATE signal_deferrals SET status = $2, decided_by = $3, decider_name = $4, decided_at = $5
WHERE id = $1`, deferralID, status, by.Sub, by.Name, now); err != nil {
			return err
		}
		if approve {
			// A newer approval replaces the one it extends.
			_, err := tx.Exec(ctx, `UPDATE signal_deferrals SET review_at = least(review_at, $3)
WHERE signal_id = $1 AND id <> $2 AND status = 'approved'`, id, deferralID, now)
			return err
		}
		s, err = db.signal(ctx, tx, id)
		if err != nil {
			return err
		}
		if _, hidden := s.ActiveDeferral(now); !hidden {
			return db.tell(ctx, tx, id, now)
		}
		return nil
	})
	return wrapErr("decide deferral", err)
}

// TellSignal tells the citizen now (a clerk ends a deferral early, or decides at review).
func (db *DB) TellSignal(ctx context.Context, id string) error {
	now := db.now()
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		s, err := db.lockSignal(ctx, tx, id)
		if err != nil {
			return err
		}
		if s.Told() {
			return portal.Errorf(portal.EINVALID, "the citizen has been told already")
		}
		if _, err := tx.Exec(ctx, `UPDATE signal_deferrals SET status = 'rejected', decided_at = $2, decided_by = 'system'
WHERE signal_id = $1 AND status = 'pending'`, id, now); err != nil {
			return err
		}
		return db.tell(ctx, tx, id, now)
	})
	return wrapErr("tell signal", err)
}

// DecideRetention records what is kept of a signal. Destruction removes the content in the same
// transaction: the reporter, summary, urgency, team and deferral motivations; only that a signal
// existed, its category and the dates remain.
func (db *DB) DecideRetention(ctx context.Context, id string, by portal.Staff, c portal.RetentionChoice, p portal.SignalPolicy) error {
	p = p.WithDefaults()
	now := db.now()
	if err := c.Validate(now, p.MaxKeep); err != nil {
		return err
	}
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		s, err := db.lockSignal(ctx, tx, id)
		if err != nil {
			return err
		}
		if s.Destroyed() {
			return portal.Errorf(portal.EINVALID, "the signal was destroyed")
		}
		var review any
		if c.Decision == portal.RetainKeep {
			review = c.ReviewAt
		}
		if _, err := tx.Exec(ctx, `UPDATE signals SET retention = $2, retention_at = $3, retention_by = $4, case_ref = $5,
 review_at = $6 WHERE id = $1`, id, c.Decision, now, by.Sub, c.CaseRef, review); err != nil {
			return err
		}
		if c.Decision != portal.RetainDestroy {
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE signals SET destroyed_at = $2, summary = NULL, reporter_kind = NULL,
 reporter_name = NULL, reporter_organization = NULL, reporter_contact = NULL, urgency = NULL, handling_team = NULL,
 content_hash = NULL, subject_summary = NULL, subject_summary_by = NULL, subject_summary_at = NULL,
 subject_summary_en = NULL, handling_team_en = NULL WHERE id = $1`, id, now); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE signal_deferrals SET motivation = NULL WHERE signal_id = $1`, id)
		return err
	})
	return wrapErr("decide retention", err)
}

// SweepSignals ends what may not last: deferral requests not approved within their window lapse,
// and every signal no deferral and no hold keeps hidden any more is told. A deferral never lapses
// silently, and a hold ends by telling unless a clerk asked for a deferral meanwhile.
func (db *DB) SweepSignals(ctx context.Context) (portal.SignalSweepResult, error) {
	now := db.now()
	var res portal.SignalSweepResult
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		res = portal.SignalSweepResult{}
		tag, err := tx.Exec(ctx, `UPDATE signal_deferrals SET status = 'lapsed', decided_at = $1
WHERE status = 'pending' AND approve_before <= $1`, now)
		if err != nil {
			return err
		}
		res.Lapsed = int(tag.RowsAffected())
		rows, _ := tx.Query(ctx, `SELECT s.id::text FROM signals s WHERE s.told_at IS NULL
 AND (s.hold_until IS NULL OR s.hold_until <= $1)
 AND NOT EXISTS (SELECT 1 FROM signal_deferrals d WHERE d.signal_id = s.id AND d.status = 'approved' AND d.review_at > $1)
 AND NOT EXISTS (SELECT 1 FROM signal_deferrals d WHERE d.signal_id = s.id AND d.status = 'pending' AND d.initial
                 AND d.approve_before > $1)
 ORDER BY s.registered_at FOR UPDATE OF s SKIP LOCKED`, now)
		ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		for _, id := range ids {
			if err := db.tell(ctx, tx, id, now); err != nil {
				return err
			}
		}
		res.Told = len(ids)
		return nil
	})
	return res, wrapErr("sweep signals", err)
}

const releaseCols = `id, signal_id::text, representation_id::text, reason, requested_by, requester_name, requested_at,
 status, decided_by, decider_name, decided_at`

func scanRelease(row pgx.Row) (portal.SignalRelease, error) {
	var r portal.SignalRelease
	err := row.Scan(&r.ID, &r.SignalID, &r.RepresentationID, &r.Reason, &r.RequestedBy, &r.RequesterName, &r.RequestedAt,
		&r.Status, &r.DecidedBy, &r.DeciderName, &r.DecidedAt)
	return r, err
}

// RequestSignalRelease asks to show a signal hidden from representatives to one representation of
// the signal's subject (another person's representation, or none, is ENOTFOUND). The reason is
// required (EINVALID); a signal that is not hidden, or an ended representation, is EINVALID; while a
// release for the same signal and representation is pending or approved, ECONFLICT. It takes effect
// only when a second staff member approves it (DecideSignalRelease).
func (db *DB) RequestSignalRelease(ctx context.Context, signalID, representationID, reason string, by portal.Staff) (portal.SignalRelease, error) {
	reason, err := portal.CheckReleaseReason(reason)
	if err != nil {
		return portal.SignalRelease{}, err
	}
	signalID, representationID = strings.ToLower(signalID), strings.ToLower(representationID)
	var out portal.SignalRelease
	now := db.now()
	err = db.Transact(ctx, func(tx pgx.Tx) error {
		s, err := db.lockSignal(ctx, tx, signalID)
		if err != nil {
			return err
		}
		if checkRepID(representationID) != nil {
			return errNoRepresentation
		}
		var subject int64
		var ended *time.Time
		err = tx.QueryRow(ctx, `SELECT subject_id, ended_at FROM representations WHERE id = $1`, representationID).Scan(&subject, &ended)
		if errors.Is(err, pgx.ErrNoRows) || (err == nil && subject != s.SubjectID) {
			return errNoRepresentation
		}
		if err != nil {
			return err
		}
		if ended != nil {
			return portal.Errorf(portal.EINVALID, "the representation has ended")
		}
		if !s.HiddenFromRepresentatives() {
			return portal.Errorf(portal.EINVALID, "the signal is not hidden from representatives")
		}
		var open bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM signal_releases WHERE signal_id = $1 AND representation_id = $2
 AND status IN ('pending','approved'))`, signalID, representationID).Scan(&open); err != nil {
			return err
		}
		if open {
			return portal.Errorf(portal.ECONFLICT, "a release for this representation is pending or approved already")
		}
		out, err = scanRelease(tx.QueryRow(ctx, `INSERT INTO signal_releases (signal_id, representation_id, reason, requested_by,
 requester_name, requested_at, status) VALUES ($1,$2,$3,$4,$5,$6,'pending') RETURNING `+releaseCols,
			signalID, representationID, reason, by.Sub, by.Name, now))
		return err
	})
	return out, wrapErr("request signal release", err)
}

// DecideSignalRelease approves or rejects a pending release of the signal. Nobody decides on their
// own request (EFORBIDDEN); a release decided already is EINVALID; another signal's release or an
// unknown one is ENOTFOUND.
func (db *DB) DecideSignalRelease(ctx context.Context, signalID string, releaseID int64, approve bool, by portal.Staff) error {
	signalID = strings.ToLower(signalID)
	now := db.now()
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		if _, err := db.lockSignal(ctx, tx, signalID); err != nil {
			return err
		}
		r, err := scanRelease(tx.QueryRow(ctx, `SELECT `+releaseCols+` FROM signal_releases WHERE id = $1 AND signal_id = $2
 FOR UPDATE`, releaseID, signalID))
		if errors.Is(err, pgx.ErrNoRows) {
			return portal.Errorf(portal.ENOTFOUND, "no such release")
		}
		if err != nil {
			return err
		}
		if r.RequestedBy == by.Sub {
			return portal.Errorf(portal.EFORBIDDEN, "nobody approves their own request")
		}
		if r.Status != portal.ReleasePending {
			return portal.Errorf(portal.EINVALID, "the release was decided already")
		}
		status := portal.ReleaseRejected
		if approve {
			status = portal.ReleaseApproved
		}
		_, err = tx.Exec(ctx, `UPDATE signal_releases SET status = $2, decided_by = $3, decider_name = $4, decided_at = $5
WHERE id = $1`, releaseID, status, by.Sub, by.Name, now)
		return err
	})
	return wrapErr("decide signal release", err)
}

// SignalReleases lists the releases of a signal, oldest first.
func (db *DB) SignalReleases(ctx context.Context, signalID string) ([]portal.SignalRelease, error) {
	if _, err := uuid.Parse(signalID); err != nil {
		return nil, errNoSignal
	}
	rows, _ := db.pool.Query(ctx, `SELECT `+releaseCols+` FROM signal_releases WHERE signal_id = $1 ORDER BY id`, strings.ToLower(signalID))
	rs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (portal.SignalRelease, error) { return scanRelease(r) })
	if err != nil {
		return nil, fmt.Errorf("postgres: signal releases: %w", err)
	}
	return rs, nil
}

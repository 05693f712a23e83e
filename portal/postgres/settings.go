package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/inzicht/inzicht/portal"
)

// Issue 18: a person's notification choices (table notification_settings; no row = the defaults,
// portal.DefaultNotificationSettings) and the access alerts written in the ingest transaction.

const settingsCols = `email_requests, email_signals, email_consent, alert_break_glass, alert_against_will, alert_new_org,
 alert_any, alert_email`

type settingsScan struct {
	s                      portal.NotificationSettings
	bg, aw, newOrg, anyAcc bool
}

func (x *settingsScan) dest() []any {
	return []any{&x.s.EmailRequests, &x.s.EmailSignals, &x.s.EmailConsent, &x.bg, &x.aw, &x.newOrg, &x.anyAcc, &x.s.AlertEmail}
}

func (x *settingsScan) result() portal.NotificationSettings {
	x.s.Alerts = map[portal.AlertReason]bool{portal.AlertBreakGlass: x.bg, portal.AlertAgainstWill: x.aw,
		portal.AlertNewOrg: x.newOrg, portal.AlertAny: x.anyAcc}
	return x.s
}

// NotificationSettings returns the person's choices (the defaults when they never chose).
func (db *DB) NotificationSettings(ctx context.Context, subjectID int64) (portal.NotificationSettings, error) {
	var x settingsScan
	err := db.pool.QueryRow(ctx, `SELECT `+settingsCols+` FROM notification_settings WHERE subject_id = $1`, subjectID).Scan(x.dest()...)
	if errors.Is(err, pgx.ErrNoRows) {
		return portal.DefaultNotificationSettings(), nil
	}
	if err != nil {
		return portal.NotificationSettings{}, fmt.Errorf("postgres: notification settings: %w", err)
	}
	return x.result(), nil
}

// SetNotificationSettings stores the person's choices (the same choices again change nothing but the
// time). A change of the access alert choices sets alerts_since, from which confidential lines that
// become visible alert (AlertReleasedLines); switching every alert off clears it.
func (db *DB) SetNotificationSettings(ctx context.Context, subjectID int64, s portal.NotificationSettings) error {
	now := db.now()
	var since any
	if s.AnyAlert() {
		since = now
	}
	_, err := db.pool.Exec(ctx, `INSERT INTO notification_settings (subject_id, `+settingsCols+`, updated_at, alerts_since)
VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)
ON CONFLICT (subject_id) DO UPDATE SET email_requests = EXCLUDED.email_requests, email_signals = EXCLUDED.email_signals,
 email_consent = EXCLUDED.email_consent, alert_break_glass = EXCLUDED.alert_break_glass,
 alert_against_will = EXCLUDED.alert_against_will, alert_new_org = EXCLUDED.alert_new_org, alert_any = EXCLUDED.alert_any,
 alert_email = EXCLUDED.alert_email, updated_at = EXCLUDED.updated_at,
 alerts_since = CASE WHEN (notification_settings.alert_break_glass, notification_settings.alert_against_will,
   notification_settings.alert_new_org, notification_settings.alert_any) = (EXCLUDED.alert_break_glass,
   EXCLUDED.alert_against_will, EXCLUDED.alert_new_org, EXCLUDED.alert_any)
  THEN notification_settings.alerts_since ELSE EXCLUDED.alerts_since END`,
		subjectID, s.EmailRequests, s.EmailSignals, s.EmailConsent, s.Alerts[portal.AlertBreakGlass],
		s.Alerts[portal.AlertAgainstWill], s.Alerts[portal.AlertNewOrg], s.Alerts[portal.AlertAny], s.AlertEmail, now, since)
	return wrapErr("set notification settings", err)
}

// wantsMail reports, in tx, whether the person has a confirmed notification address and has not
// switched off the e-mails of topic (portal.TopicRequests, TopicSignals or TopicConsent).
func wantsMail(ctx context.Context, tx pgx.Tx, subjectID int64, topic string) (bool, error) {
	var col string
	switch topic {
	case portal.TopicRequests:
		col = "email_requests"
	case portal.TopicSignals:
		col = "email_signals"
	case portal.TopicConsent:
		col = "email_consent"
	default:
		return false, fmt.Errorf("unknown e-mail topic %q", topic)
	}
	var ok bool
	err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM subject_emails WHERE subject_id = $1 AND confirmed_at IS NOT NULL)
 AND NOT EXISTS (SELECT 1 FROM notification_settings WHERE subject_id = $1 AND NOT `+col+`)`, subjectID).Scan(&ok)
	return ok, err
}

// alertCitizens writes, in the transaction that stores a batch, an inbox message (kind
// portal.MessageAccessAlert) for each new event whose person asked to be told about such an access,
// and queues the e-mail (portal.NotifyJob) when they chose e-mail and have a confirmed address.
//
// Cost: one query per batch, a primary-key probe of notification_settings for the batch's persons
// (ANY($1), through the partial index of persons with an alert on); with nobody opted in that is all.
// Only for persons with an alert on come more: one query for the organisations new to them (only when
// one chose that alert), one INSERT of the messages and one insert of the e-mail jobs.
//
// Still-confidential events (confidential_until in the future) alert nobody now: an alert would tell
// the person what the confidentiality is there to keep from them for now. They alert when the
// confidentiality ends (AlertReleasedLines). A batch sent again stores no new events (fresh holds
// only new ones), and the message is unique per event and person, so nobody is alerted twice.
func (db *DB) alertCitizens(ctx context.Context, tx pgx.Tx, events []portal.Event, fresh []int, subjects map[string]int64, now time.Time) error {
	cands := make([]alertCand, 0, len(fresh))
	for _, i := range fresh {
		e := &events[i]
		if e.ConfidentialUntil != nil && e.ConfidentialUntil.After(now) {
			continue
		}
		cands = append(cands, alertCand{subject: subjects[e.SubjectBSN], ev: e})
	}
	_, err := db.raiseAlerts(ctx, tx, cands, false, now)
	return err
}

// alertCand is an event, visible to its person now, that may earn them an access alert.
type alertCand struct {
	subject int64
	ev      *portal.Event // ID, OccurredAt, AccessBasis and Actor.Organization are read
}

// raiseAlerts writes, in tx, an access alert message for each candidate whose person's choices ask
// for it (portal.NotificationSettings.AlertFor), and queues the e-mail when they chose e-mail and
// have a confirmed address. released marks alerts for lines whose confidentiality just ended: their
// message's status is portal.AlertReleased and its note the reason; otherwise the status is the
// reason. An event alerts its person at most once, however often it is offered (messages_alert_once).
// It returns how many messages it wrote.
//
// An organisation is new to the person when no other event of it is in their log; the earliest
// candidate of a new organisation is the one that alerts for it.
func (db *DB) raiseAlerts(ctx context.Context, tx pgx.Tx, cands []alertCand, released bool, now time.Time) (int, error) {
	if len(cands) == 0 {
		return 0, nil
	}
	ids := make([]int64, 0, len(cands))
	seen := map[int64]bool{}
	for _, c := range cands {
		if !seen[c.subject] {
			seen[c.subject] = true
			ids = append(ids, c.subject)
		}
	}
	rows, _ := tx.Query(ctx, `SELECT subject_id, `+settingsCols+` FROM notification_settings
WHERE subject_id = ANY($1) AND (alert_break_glass OR alert_against_will OR alert_new_org OR alert_any)`, ids)
	opted := map[int64]portal.NotificationSettings{}
	for rows.Next() {
		var id int64
		var x settingsScan
		if err := rows.Scan(append([]any{&id}, x.dest()...)...); err != nil {
			rows.Close()
			return 0, fmt.Errorf("alert settings: %w", err)
		}
		opted[id] = x.result()
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("alert settings: %w", err)
	}
	if len(opted) == 0 {
		return 0, nil
	}
	// The candidates of an opted-in person.
	var mine []alertCand
	var newOrgSubjects []int64
	var newOrgNames []string
	var candIDs []string
	for _, c := range cands {
		s, ok := opted[c.subject]
		if !ok {
			continue
		}
		mine = append(mine, c)
		candIDs = append(candIDs, c.ev.ID)
		if s.Alerts[portal.AlertNewOrg] {
			newOrgSubjects = append(newOrgSubjects, c.subject)
			newOrgNames = append(newOrgNames, c.ev.Actor.Organization)
		}
	}
	// known holds "subject|organisation" for organisations with other events in the person's log.
	known := map[string]bool{}
	if len(newOrgSubjects) > 0 {
		rows, _ := tx.Query(ctx, `SELECT DISTINCT q.s, q.o FROM unnest($1::bigint[], $2::text[]) AS q(s, o)
WHERE EXISTS (SELECT 1 FROM processing_events p WHERE p.subject_id = q.s AND p.actor_organization = q.o
 AND NOT (p.id = ANY($3::uuid[])))`, newOrgSubjects, newOrgNames, candIDs)
		for rows.Next() {
			var s int64
			var o string
			if err := rows.Scan(&s, &o); err != nil {
				rows.Close()
				return 0, fmt.Errorf("known organisations: %w", err)
			}
			known[fmt.Sprint(s, "|", o)] = true
		}
		if err := rows.Err(); err != nil {
			return 0, fmt.Errorf("known organisations: %w", err)
		}
	}
	// The earliest event of an organisation new to the person is the one that alerts.
	slices.SortStableFunc(mine, func(x, y alertCand) int { return x.ev.OccurredAt.Compare(y.ev.OccurredAt) })
	var msgSubjects []int64
	var msgEvents, msgStatus, msgNotes []string
	mail := map[int64]bool{}
	for _, c := range mine {
		s := opted[c.subject]
		key := fmt.Sprint(c.subject, "|", c.ev.Actor.Organization)
		newOrg := !known[key]
		if newOrg {
			known[key] = true // a second event of the same organisation is not new
		}
		r := s.AlertFor(c.ev, newOrg)
		if r == "" {
			continue
		}
		status, note := string(r), ""
		if released {
			status, note = string(portal.AlertReleased), string(r)
		}
		msgSubjects, msgEvents = append(msgSubjects, c.subject), append(msgEvents, c.ev.ID)
		msgStatus, msgNotes = append(msgStatus, status), append(msgNotes, note)
		mail[c.subject] = s.AlertEmail
	}
	if len(msgEvents) == 0 {
		return 0, nil
	}
	// The e-mail says only that there is a new message. While an earlier alert of the last day is
	// unread, another e-mail would say nothing new: a clerk opening a file five times, or a batch
	// of twenty events, sends one e-mail, not twenty. (The subquery does not see the rows this
	// statement inserts; mailed keeps it to one per person within the statement.)
	rows, _ = tx.Query(ctx, `INSERT INTO messages (subject_id, alert_event_id, kind, status, note, created_at)
SELECT q.s, q.e, $5, q.r, q.n, $6 FROM unnest($1::bigint[], $2::uuid[], $3::text[], $4::text[]) AS q(s, e, r, n)
ON CONFLICT (alert_event_id, subject_id) WHERE alert_event_id IS NOT NULL DO NOTHING
RETURNING id, subject_id, EXISTS (SELECT 1 FROM subject_emails se WHERE se.subject_id = messages.subject_id AND se.confirmed_at IS NOT NULL),
 EXISTS (SELECT 1 FROM messages o WHERE o.subject_id = messages.subject_id AND o.kind = $5 AND o.read_at IS NULL
   AND o.created_at > $7)`,
		msgSubjects, msgEvents, msgStatus, msgNotes, portal.MessageAccessAlert, now, now.Add(-portal.AlertMailQuiet))
	var params []river.InsertManyParams
	written := 0
	mailed := map[int64]bool{}
	for rows.Next() {
		written++
		var id, sid int64
		var confirmed, unread bool
		if err := rows.Scan(&id, &sid, &confirmed, &unread); err != nil {
			rows.Close()
			return 0, fmt.Errorf("access alerts: %w", err)
		}
		if confirmed && mail[sid] && !unread && !mailed[sid] {
			mailed[sid] = true
			params = append(params, river.InsertManyParams{Args: portal.NotifyJob{MessageID: id},
				InsertOpts: &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}})
		}
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("access alerts: %w", err)
	}
	if len(params) > 0 {
		if _, err := db.jobs.InsertManyTx(ctx, tx, params); err != nil {
			return 0, fmt.Errorf("queue access alert e-mails: %w", err)
		}
	}
	return written, nil
}

// EmailAddress returns the person's notification address (confirmed or not), or "" without one. Only
// the person's own settings page shows it.
func (db *DB) EmailAddress(ctx context.Context, subjectID int64) (string, error) {
	var kid string
	var enc []byte
	err := db.pool.QueryRow(ctx, `SELECT email_key_id, email_enc FROM subject_emails WHERE subject_id = $1`, subjectID).Scan(&kid, &enc)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("postgres: e-mail address: %w", err)
	}
	b, err := db.vault.OpenWith(kid, enc, subjectEmailAD(subjectID))
	if err != nil {
		return "", fmt.Errorf("postgres: e-mail address: %w", err)
	}
	return string(b), nil
}

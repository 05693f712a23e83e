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

var errNoConsent = portal.Errorf(portal.ENOTFOUND, "no such consent request")

var consentCols = `c.id::text, c.reference, c.subject_id, c.case_ref, c.req_org, c.req_team, c.req_role, c.req_employee, c.data_item,
 c.data_holder, c.purpose, c.necessity, c.legal_ground, c.if_refused, to_char(c.valid_until, 'YYYY-MM-DD'), c.created_at,
 c.status, c.decided_at, c.granted_at, c.withdrawn_at, c.expired_at, c.comment, coalesce(c.own_answer, ''), c.own_answer_at,
 c.own_answer_comment, ` + onBehalfCols("c.decided_by_representation") + `, ` + onBehalfCols("c.withdrawn_by_representation") + `,
 c.data_item_en, c.data_holder_en, c.purpose_en, c.necessity_en, c.legal_ground_en, c.if_refused_en,
 coalesce(c.requester_role_en, '')`

func scanConsent(row pgx.Row) (portal.Consent, error) {
	var c portal.Consent
	err := scanConsentInto(row, &c)
	return c, err
}

// scanConsentInto reads consentCols into c, and the columns after them into extra.
func scanConsentInto(row pgx.Row, c *portal.Consent, extra ...any) error {
	var decided, withdrawn onBehalfRow
	var en [6]*string
	var roleEN string
	r := &c.RequestedBy
	err := row.Scan(append([]any{&c.ID, &c.Reference, &c.SubjectID, &c.CaseRef, &r.Organization, &r.Team, &r.Role, &r.Employee,
		&c.DataItem, &c.DataHolder, &c.Purpose, &c.Necessity, &c.LegalGround, &c.IfRefused, &c.ValidUntil, &c.CreatedAt, &c.Status,
		&c.DecidedAt, &c.GrantedAt, &c.WithdrawnAt, &c.ExpiredAt, &c.Comment, &c.OwnAnswer, &c.OwnAnswerAt, &c.OwnAnswerComment,
		&decided.id, &decided.kind, &withdrawn.id, &withdrawn.kind, &en[0], &en[1], &en[2], &en[3], &en[4], &en[5], &roleEN}, extra...)...)
	c.DecidedBy, c.WithdrawnBy = decided.onBehalf(), withdrawn.onBehalf()
	c.EN = nil
	if en[0] != nil { // all six or none (consents_en_complete)
		c.EN = &portal.ConsentTexts{DataItem: *en[0], DataHolder: *en[1], Purpose: *en[2], Necessity: *en[3],
			LegalGround: *en[4], IfRefused: *en[5], RequesterRole: roleEN}
	}
	return err
}

// fillConsentNames opens the names of the representatives who decided or withdrew.
func (db *DB) fillConsentNames(ctx context.Context, q querier, c *portal.Consent) error {
	for _, o := range []*portal.OnBehalf{c.DecidedBy, c.WithdrawnBy} {
		if err := db.fillOnBehalf(ctx, q, o); err != nil {
			return err
		}
	}
	return nil
}

func (db *DB) consentHash(nc portal.NewConsent) []byte {
	c := nc
	c.SubjectBSN = ""
	b, _ := json.Marshal(c) // strings only
	h := sha256.New()
	h.Write(db.vault.Lookup(nc.SubjectBSN))
	h.Write(b)
	return h.Sum(nil)
}

// message adds an inbox message about a consent request and, when the citizen has a confirmed address
// and did not switch off e-mails about consent, an e-mail job; all in tx.
func (db *DB) consentMessage(ctx context.Context, tx pgx.Tx, subject int64, id, kind string, now time.Time) error {
	var msgID int64
	if err := tx.QueryRow(ctx, `INSERT INTO messages (subject_id, consent_id, kind, status, created_at)
VALUES ($1,$2,$3,$3,$4) RETURNING id`, subject, id, kind, now).Scan(&msgID); err != nil {
		return fmt.Errorf("message: %w", err)
	}
	hasAddress, err := wantsMail(ctx, tx, subject, portal.TopicConsent)
	if err != nil {
		return err
	}
	if !hasAddress {
		return nil
	}
	_, err = db.jobs.InsertTx(ctx, tx, portal.NotifyJob{MessageID: msgID}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}})
	return err
}

// CreateConsent stores a validated consent request (status pending) and tells the citizen. The same
// id with the same content again returns the stored request and created=false; with other content
// ECONFLICT.
func (db *DB) CreateConsent(ctx context.Context, nc portal.NewConsent, source string, apiKeyID int64) (portal.Consent, bool, error) {
	now := db.now()
	hash := db.consentHash(nc)
	var out portal.Consent
	created, err := db.createOnce(ctx, "consents", "consent request", nc.ID, hash, func(tx pgx.Tx) error {
		ids, _, err := db.subjectIDs(ctx, tx, []string{nc.SubjectBSN})
		if err != nil {
			return err
		}
		var key any
		if apiKeyID > 0 {
			key = apiKeyID
		}
		r := nc.RequestedBy
		var number int64
		if err := tx.QueryRow(ctx, `SELECT nextval('consent_number')`).Scan(&number); err != nil {
			return err
		}
		ref := portal.ConsentReference(now, number)
		var en [7]any // NULL without English texts
		if e := nc.EN; e != nil {
			en = [7]any{e.DataItem, e.DataHolder, e.Purpose, e.Necessity, e.LegalGround, e.IfRefused, nil}
			if e.RequesterRole != "" {
				en[6] = e.RequesterRole
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO consents (id, subject_id, case_ref, req_org, req_team, req_role, req_employee,
 data_item, data_holder, purpose, necessity, legal_ground, if_refused, valid_until, source, api_key_id, content_hash,
 created_at, status, number, reference, data_item_en, data_holder_en, purpose_en, necessity_en, legal_ground_en, if_refused_en,
 requester_role_en)
 VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14::date,$15,$16,$17,$18,'pending',$19,$20,$21,$22,$23,$24,$25,$26,$27)`,
			nc.ID, ids[nc.SubjectBSN], nc.CaseRef, r.Organization, r.Team, r.Role, r.Employee, nc.DataItem, nc.DataHolder,
			nc.Purpose, nc.Necessity, nc.LegalGround, nc.IfRefused, nc.ValidUntil, source, key, hash, now, number, ref,
			en[0], en[1], en[2], en[3], en[4], en[5], en[6]); err != nil {
			return err
		}
		return db.consentMessage(ctx, tx, ids[nc.SubjectBSN], nc.ID, "consent_asked", now)
	}, func(tx pgx.Tx) (err error) {
		out, err = db.consent(ctx, tx, nc.ID)
		return err
	})
	return out, created, wrapErr("create consent", err)
}

func (db *DB) consent(ctx context.Context, q querier, id string) (portal.Consent, error) {
	if _, err := uuid.Parse(id); err != nil {
		return portal.Consent{}, errNoConsent
	}
	c, err := scanConsent(q.QueryRow(ctx, `SELECT `+consentCols+` FROM consents c WHERE c.id = $1::uuid`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return c, errNoConsent
	}
	if err != nil {
		return c, err
	}
	return c, db.fillConsentNames(ctx, q, &c)
}

// ConsentByID returns a consent request with its current state (API).
func (db *DB) ConsentByID(ctx context.Context, id string) (portal.Consent, error) {
	c, err := db.consent(ctx, db.pool, id)
	return c, wrapErr("consent", err)
}

// CitizenConsents lists a citizen's consent requests: open ones first, then the newest.
func (db *DB) CitizenConsents(ctx context.Context, subjectID int64) ([]portal.Consent, error) {
	q := db.reader(ctx)
	rows, _ := q.Query(ctx, `SELECT `+consentCols+` FROM consents c WHERE c.subject_id = $1
ORDER BY (c.status = 'pending' AND c.valid_until >= ($2::timestamptz AT TIME ZONE 'Europe/Amsterdam')::date) DESC,
 c.created_at DESC`, subjectID, db.now())
	cs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (portal.Consent, error) { return scanConsent(r) })
	for i := range cs {
		if err == nil {
			err = db.fillConsentNames(ctx, q, &cs[i])
		}
	}
	return cs, wrapErr("citizen consents", err)
}

// CitizenConsent returns one of a citizen's consent requests; another's gives ENOTFOUND.
func (db *DB) CitizenConsent(ctx context.Context, subjectID int64, id string) (portal.Consent, error) {
	c, err := db.consent(ctx, db.reader(ctx), id)
	if err == nil && c.SubjectID != subjectID {
		err = errNoConsent
	}
	return c, wrapErr("consent", err)
}

// DecideConsent records the citizen's decision on their pending request (grant or refuse, with an
// optional comment), or withdraws a grant (effective at once). Expired requests cannot be decided.
// A request is decided once: a refusal stands, a grant can only be withdrawn.
func (db *DB) DecideConsent(ctx context.Context, subjectID int64, id, decision, comment string) (portal.Consent, error) {
	return db.DecideConsentBy(ctx, subjectID, id, decision, comment, "")
}

// DecideConsentBy is DecideConsent by a representative under representation repID (one of the
// person's), which is stored with the decision or the withdrawal; repID "" is the person themselves.
func (db *DB) DecideConsentBy(ctx context.Context, subjectID int64, id, decision, comment, repID string) (portal.Consent, error) {
	now := db.now()
	if m := portal.CheckText(comment, portal.MaxNoteLength); m != "" {
		return portal.Consent{}, &portal.Error{Code: portal.EINVALID, Message: "comment: " + m}
	}
	var out portal.Consent
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		c, err := lockConsent(ctx, tx, id, subjectID)
		if err != nil {
			return err
		}
		status := c.StatusAt(now)
		by, err := db.representationOf(ctx, tx, repID, subjectID)
		if err != nil {
			return err
		}
		switch {
		case decision == portal.ConsentGranted && status == portal.ConsentPending:
			_, err = tx.Exec(ctx, `UPDATE consents SET status = 'granted', decided_at = $2, granted_at = $2, comment = $3,
 decided_by_representation = $4 WHERE id = $1`, id, now, comment, repIDArg(by))
		case decision == portal.ConsentRefused && status == portal.ConsentPending:
			_, err = tx.Exec(ctx, `UPDATE consents SET status = 'refused', decided_at = $2, comment = $3,
 decided_by_representation = $4 WHERE id = $1`, id, now, comment, repIDArg(by))
		case decision == portal.ConsentWithdrawn && status == portal.ConsentGranted:
			// A withdrawal counts toward the person's limit (ETOOMANY when reached).
			if err := db.file(ctx, tx, subjectID, portal.FilingWithdrawal, now); err != nil {
				return err
			}
			_, err = tx.Exec(ctx, `UPDATE consents SET status = 'withdrawn', withdrawn_at = $2, withdrawn_by_representation = $3
 WHERE id = $1`, id, now, repIDArg(by))
		default:
			return portal.Errorf(portal.EINVALID, "a %s consent request cannot become %s", status, decision)
		}
		if err != nil {
			return err
		}
		kind := "consent_" + decision
		if by != nil {
			kind += portal.MessageByRepresentative
		}
		if err := db.consentMessage(ctx, tx, subjectID, id, kind, now); err != nil {
			return err
		}
		out, err = db.consent(ctx, tx, id)
		return err
	})
	return out, wrapErr("decide consent", err)
}

// RecordOwnConsentAnswer stores the own answer (granted or refused, with an optional comment) of a
// child under 16 to their pending consent request: it is not the decision, which a parent with
// authority or a guardian takes, and the request stays pending. The child may change it while the
// request is open; after the decision or the end date it stands (EINVALID). Who counts as such a
// child is the portal's rule (portal.ConsentRole).
func (db *DB) RecordOwnConsentAnswer(ctx context.Context, subjectID int64, id, answer, comment string) (portal.Consent, error) {
	now := db.now()
	if answer != portal.ConsentGranted && answer != portal.ConsentRefused {
		return portal.Consent{}, portal.Errorf(portal.EINVALID, "an own answer is granted or refused")
	}
	if m := portal.CheckText(comment, portal.MaxNoteLength); m != "" {
		return portal.Consent{}, &portal.Error{Code: portal.EINVALID, Message: "comment: " + m}
	}
	var out portal.Consent
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		c, err := lockConsent(ctx, tx, id, subjectID)
		if err != nil {
			return err
		}
		if st := c.StatusAt(now); st != portal.ConsentPending {
			return portal.Errorf(portal.EINVALID, "a %s consent request takes no more answers", st)
		}
		if _, err := tx.Exec(ctx, `UPDATE consents SET own_answer = $2, own_answer_at = $3, own_answer_comment = $4 WHERE id = $1`,
			id, answer, now, comment); err != nil {
			return err
		}
		out, err = db.consent(ctx, tx, id)
		return err
	})
	return out, wrapErr("own consent answer", err)
}

// SweepConsents closes requests whose end date passed (pending or granted become expired) and tells
// the citizen.
func (db *DB) SweepConsents(ctx context.Context) (int, error) {
	now := db.now()
	n := 0
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, `UPDATE consents SET status = 'expired', expired_at = $1
WHERE status IN ('pending','granted') AND valid_until < ($1 AT TIME ZONE 'Europe/Amsterdam')::date
RETURNING id::text, subject_id`, now)
		type exp struct {
			id      string
			subject int64
		}
		var es []exp
		var e exp
		if _, err := pgx.ForEachRow(rows, []any{&e.id, &e.subject}, func() error { es = append(es, e); return nil }); err != nil {
			return err
		}
		for _, e := range es {
			if err := db.consentMessage(ctx, tx, e.subject, e.id, "consent_expired", now); err != nil {
				return err
			}
		}
		n = len(es)
		return nil
	})
	return n, wrapErr("sweep consents", err)
}

// consentCoverage works out, for the new events citing consent, whether the consent covered them:
// the same person's, granted before the event, not withdrawn at its time, not past its end date.
// Events with other access bases get NULL.
func (db *DB) consentCoverage(ctx context.Context, tx pgx.Tx, events []portal.Event, fresh []int, subjects map[string]int64) (map[int]*bool, error) {
	out := map[int]*bool{}
	var refs, tsRefs []string
	for _, i := range fresh {
		if e := events[i]; e.AccessBasis == portal.BasisConsent {
			// The parsed form: uuid.Parse also accepts spellings ("urn:uuid:…", braces) that
			// PostgreSQL's uuid cast refuses, which would fail the whole batch.
			if u, err := uuid.Parse(e.ConsentRef); err == nil {
				refs = append(refs, u.String())
			} else if portal.IsConsentReference(e.ConsentRef) {
				tsRefs = append(tsRefs, consentRefKey(e.ConsentRef))
			}
		}
	}
	// Keyed by the UUID and by the TS reference: an event may cite either.
	consents := map[string]portal.Consent{}
	if len(refs)+len(tsRefs) > 0 {
		rows, _ := tx.Query(ctx, `SELECT `+consentCols+` FROM consents c WHERE c.id = ANY($1::uuid[]) OR c.reference = ANY($2::text[])`,
			refs, tsRefs)
		cs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (portal.Consent, error) { return scanConsent(r) })
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			consents[c.ID] = c
			consents[c.Reference] = c
		}
	}
	for _, i := range fresh {
		e := events[i]
		if e.AccessBasis != portal.BasisConsent {
			continue
		}
		ok := false
		if c, found := consents[consentRefKey(e.ConsentRef)]; found {
			ok = c.Covers(subjects[e.SubjectBSN], e.OccurredAt)
		}
		out[i] = &ok
	}
	return out, nil
}

// consentRefKey is the form of an event's consent_ref under which consentCoverage finds the request:
// the canonical UUID, or the TS reference in capitals.
func consentRefKey(s string) string {
	if portal.IsConsentReference(s) {
		return strings.ToUpper(strings.TrimSpace(s))
	}
	return normalizeUUID(s)
}

func normalizeUUID(s string) string {
	u, err := uuid.Parse(s)
	if err != nil {
		return s
	}
	return u.String()
}

// lockConsent reads the person's consent request id for update in tx; ENOTFOUND (errNoConsent) for an
// id that is not a UUID, unknown, or another person's.
func lockConsent(ctx context.Context, tx pgx.Tx, id string, subjectID int64) (portal.Consent, error) {
	if _, err := uuid.Parse(id); err != nil {
		return portal.Consent{}, errNoConsent
	}
	c, err := scanConsent(tx.QueryRow(ctx, `SELECT `+consentCols+` FROM consents c WHERE c.id = $1 AND c.subject_id = $2 FOR UPDATE`, id, subjectID))
	if errors.Is(err, pgx.ErrNoRows) {
		return c, errNoConsent
	}
	return c, err
}

package postgres

import (
	"context"
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

// requestCols reads HasEmail from the person's address (confirmed ones only), not from the request's
// own email_enc (emptied by migration 11: those addresses were never confirmed), and from their choice
// of e-mails about requests (issue 18). It is the SQL form of wantsMail(…, portal.TopicRequests)
// (settings.go), inlined so that a list of requests reads it in the same query.
var requestCols = `r.id::text, r.reference, r.subject_id, r.kind, r.status, r.scope, r.description,
 (EXISTS (SELECT 1 FROM subject_emails se WHERE se.subject_id = r.subject_id AND se.confirmed_at IS NOT NULL)
  AND NOT EXISTS (SELECT 1 FROM notification_settings ns WHERE ns.subject_id = r.subject_id AND NOT ns.email_requests)),
 r.received_at, r.first_deadline, r.deadline, r.extension_reason, r.assignee_sub, r.assignee_name, r.outcome,
 r.motivation, r.corrections, r.decided_at, r.reminded_at, r.overdue_at,
 ` + onBehalfCols("r.filed_by_representation") + `, ` + onBehalfCols("r.withdrawn_by_representation") + `,
 coalesce(r.signal_id::text, ''), r.refusal_ground, r.cosigned_by <> '', r.cosigner_name, coalesce(r.objects_to::text, '')`

func scanRequest(row pgx.Row) (portal.RightsRequest, error) {
	var r portal.RightsRequest
	return r, scanRequestInto(row, &r)
}

// scanRequestInto reads requestCols into r, after the prefix columns (read into prefix).
func scanRequestInto(row pgx.Row, r *portal.RightsRequest, prefix ...any) error {
	var scope []byte
	var filed, withdrawn onBehalfRow
	err := row.Scan(append(prefix, &r.ID, &r.Reference, &r.SubjectID, &r.Kind, &r.Status, &scope, &r.Description, &r.HasEmail,
		&r.ReceivedAt, &r.FirstDeadline, &r.Deadline, &r.ExtensionReason, &r.AssigneeSub, &r.AssigneeName, &r.Outcome,
		&r.Motivation, &r.Corrections, &r.DecidedAt, &r.RemindedAt, &r.OverdueAt, &filed.id, &filed.kind,
		&withdrawn.id, &withdrawn.kind, &r.SignalID, &r.Ground, &r.CoSigned, &r.CoSignerName, &r.ObjectsTo)...)
	if err != nil {
		return err
	}
	r.FiledBy, r.WithdrawnBy = filed.onBehalf(), withdrawn.onBehalf()
	if err := json.Unmarshal(scope, &r.Scope); err != nil {
		return fmt.Errorf("scope of request %s: %w", r.ID, err)
	}
	return nil
}

func collectRequests(rows pgx.Rows) ([]portal.RightsRequest, error) {
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (portal.RightsRequest, error) { return scanRequest(r) })
}

var errNoRequest = portal.Errorf(portal.ENOTFOUND, "no such request")

// insertStep adds a timeline entry and, when the citizen should hear of it, an inbox message and
// (when they have a confirmed address) an e-mail job: all in tx, with the change itself.
func (db *DB) insertStep(ctx context.Context, tx pgx.Tx, r portal.RightsRequest, st portal.Step, tell bool) error {
	return db.insertStepBy(ctx, tx, r, st, tell, nil)
}

// insertStepBy is insertStep for a step a representative took for the person: the inbox message's
// kind ends in portal.MessageByRepresentative ("withdrawn_rep"), so it does not say "you withdrew".
func (db *DB) insertStepBy(ctx context.Context, tx pgx.Tx, r portal.RightsRequest, st portal.Step, tell bool, by *portal.OnBehalf) error {
	msgKind := string(st.Kind)
	if by != nil {
		msgKind += portal.MessageByRepresentative
	}
	_, err := tx.Exec(ctx, `INSERT INTO rights_request_steps
(request_id, at, kind, from_status, to_status, actor_kind, actor_role, actor_sub, actor_name, note)
VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)`, r.ID, st.At, st.Kind, st.From, st.To, st.ActorKind, st.ActorRole,
		st.ActorSub, st.ActorName, st.Note)
	if err != nil {
		return fmt.Errorf("timeline: %w", err)
	}
	if !tell {
		return nil
	}
	note := ""
	if st.Kind == portal.StepExtended {
		note = st.Note // the citizen is told why
	}
	var msgID int64
	if err := tx.QueryRow(ctx, `INSERT INTO messages (subject_id, request_id, kind, status, note, created_at)
VALUES ($1,$2,$3,$4,$5,$6) RETURNING id`, r.SubjectID, r.ID, msgKind, st.To, note, st.At).Scan(&msgID); err != nil {
		return fmt.Errorf("message: %w", err)
	}
	if ok, err := wantsMail(ctx, tx, r.SubjectID, portal.TopicRequests); err != nil || !ok {
		return err
	}
	if _, err := db.jobs.InsertTx(ctx, tx, portal.NotifyJob{MessageID: msgID},
		&river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}); err != nil {
		return fmt.Errorf("queue e-mail: %w", err)
	}
	return nil
}

// CreateRequest stores a validated request filed by a citizen: status ontvangen, the legal deadline,
// the first timeline entry and an inbox message, atomically. Events named in the scope must be the
// citizen's own. The filing counts toward the person's limit (a *portal.LimitError, ETOOMANY, when
// reached). An address in nr becomes the person's notification address, unconfirmed, with one
// confirmation mail queued, which counts toward its own limit (see setEmail). A request a
// representative files names the representation (nr.ByRepresentation), which must be one of the
// person's. Refused, nothing is stored.
func (db *DB) CreateRequest(ctx context.Context, subjectID int64, nr portal.NewRequest) (portal.RightsRequest, error) {
	now := db.now()
	r := portal.RightsRequest{ID: uuid.NewString(), SubjectID: subjectID, Kind: nr.Kind, Status: portal.StatusReceived,
		Scope: nr.Scope, Description: nr.Description, ReceivedAt: now, FirstDeadline: portal.DeadlineFor(nr.Kind, now, now)}
	r.Deadline = r.FirstDeadline
	scope, err := json.Marshal(r.Scope)
	if err != nil {
		return r, err
	}
	err = db.Transact(ctx, func(tx pgx.Tx) error {
		if r.FiledBy, err = db.representationOf(ctx, tx, nr.ByRepresentation, subjectID); err != nil {
			return err
		}
		if err := db.file(ctx, tx, subjectID, portal.FilingRequest, now); err != nil {
			return err
		}
		if nr.Email != "" {
			if err := db.setEmail(ctx, tx, subjectID, nr.Email, now); err != nil {
				return err
			}
		}
		if nr.SignalID != "" {
			// Only a signal of the same person (the portal checked the reader may see it).
			var ok bool
			if _, perr := uuid.Parse(nr.SignalID); perr == nil {
				if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM signals WHERE id = $1::uuid AND subject_id = $2)`,
					nr.SignalID, subjectID).Scan(&ok); err != nil {
					return err
				}
			}
			if !ok {
				return &portal.Error{Code: portal.EINVALID, Message: "unknown signal",
					Fields: []portal.FieldError{{Index: -1, Field: "signal", Message: "unknown signal"}}}
			}
			r.SignalID = nr.SignalID
		}
		if nr.ObjectsTo != "" {
			// An Awb objection: against a decision on one of the person's own AVG requests, within six
			// weeks after it was made, and one open objection per decision (a double submit files one).
			// The row lock makes two concurrent objections wait for each other.
			var kind portal.RequestKind
			var decided *time.Time
			err := tx.QueryRow(ctx, `SELECT kind, decided_at FROM rights_requests WHERE id = $1::uuid AND subject_id = $2 FOR UPDATE`,
				nr.ObjectsTo, subjectID).Scan(&kind, &decided)
			if errors.Is(err, pgx.ErrNoRows) {
				return errNoRequest
			} else if err != nil {
				return err
			}
			if !kind.AVG() || decided == nil {
				return portal.Errorf(portal.EINVALID, "only a decision on an AVG request can be objected to")
			}
			if now.After(portal.ObjectionPeriodEnd(*decided)) {
				return &portal.Error{Code: portal.EINVALID, Message: "the six weeks to object have passed",
					Fields: []portal.FieldError{{Index: -1, Field: "objects_to", Message: "the objection period has passed"}}}
			}
			var open bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM rights_requests WHERE objects_to = $1::uuid
 AND status IN ('ontvangen','in_behandeling','verlengd'))`, nr.ObjectsTo).Scan(&open); err != nil {
				return err
			}
			if open {
				return portal.Errorf(portal.ECONFLICT, "an objection against this decision is already being handled")
			}
			r.ObjectsTo = nr.ObjectsTo
			r.FirstDeadline = portal.DeadlineFor(nr.Kind, now, *decided)
			r.Deadline = r.FirstDeadline
		}
		if len(r.Scope.EventIDs) > 0 {
			var n int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM processing_events WHERE subject_id = $1 AND id = ANY($2::uuid[])`,
				subjectID, r.Scope.EventIDs).Scan(&n); err != nil {
				return err
			}
			if n != len(uniq(r.Scope.EventIDs)) {
				return &portal.Error{Code: portal.EINVALID, Message: "unknown processing event in scope",
					Fields: []portal.FieldError{{Index: -1, Field: "scope", Message: "unknown processing event"}}}
			}
		}
		var number int64
		if err := tx.QueryRow(ctx, `SELECT nextval('rights_request_number')`).Scan(&number); err != nil {
			return err
		}
		r.Reference = fmt.Sprintf("AVG-%d-%06d", now.In(portal.Amsterdam).Year(), number)
		if _, err := tx.Exec(ctx, `INSERT INTO rights_requests (id, number, reference, subject_id, kind, status, scope,
 description, received_at, first_deadline, deadline, updated_at, filed_by_representation, signal_id, objects_to)
VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$9,$12,$13::uuid,$14::uuid)`, r.ID, number, r.Reference, subjectID, r.Kind, r.Status, scope,
			r.Description, r.ReceivedAt, r.FirstDeadline, r.Deadline, repIDArg(r.FiledBy), nullText(r.SignalID), nullText(r.ObjectsTo)); err != nil {
			return err
		}
		if r.HasEmail, err = wantsMail(ctx, tx, subjectID, portal.TopicRequests); err != nil {
			return err
		}
		return db.insertStepBy(ctx, tx, r, portal.Step{At: now, Kind: portal.StepFiled, From: r.Status, To: r.Status,
			ActorKind: portal.ByCitizen}, true, r.FiledBy)
	})
	if err != nil {
		var pe *portal.Error
		if errors.As(err, &pe) {
			return r, err
		}
		return r, fmt.Errorf("postgres: create request: %w", err)
	}
	r.Steps = []portal.Step{{At: now, Kind: portal.StepFiled, From: r.Status, To: r.Status, ActorKind: portal.ByCitizen}}
	return r, nil
}

func uniq(ss []string) map[string]bool {
	m := make(map[string]bool, len(ss))
	for _, s := range ss {
		m[s] = true
	}
	return m
}

// Requests lists a citizen's requests, newest first.
func (db *DB) Requests(ctx context.Context, subjectID int64) ([]portal.RightsRequest, error) {
	rows, _ := db.reader(ctx).Query(ctx, `SELECT `+requestCols+` FROM rights_requests r WHERE r.subject_id = $1
ORDER BY r.received_at DESC, r.number DESC`, subjectID)
	rs, err := collectRequests(rows)
	if err != nil {
		return nil, fmt.Errorf("postgres: requests: %w", err)
	}
	return rs, nil
}

// Request returns one of a citizen's requests with its timeline. Another citizen's request gives
// ENOTFOUND, as an unknown id does.
func (db *DB) Request(ctx context.Context, subjectID int64, id string) (portal.RightsRequest, error) {
	if subjectID <= 0 { // 0 means "any citizen" inside; a citizen always has a subject
		return portal.RightsRequest{}, errNoRequest
	}
	return db.request(ctx, db.reader(ctx), id, subjectID)
}

// RequestByID returns any request with its timeline (staff, API, jobs).
func (db *DB) RequestByID(ctx context.Context, id string) (portal.RightsRequest, error) {
	return db.request(ctx, db.pool, id, 0)
}

type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func (db *DB) request(ctx context.Context, q querier, id string, subjectID int64) (portal.RightsRequest, error) {
	if _, err := uuid.Parse(id); err != nil {
		return portal.RightsRequest{}, errNoRequest
	}
	r, err := scanRequest(q.QueryRow(ctx, `SELECT `+requestCols+` FROM rights_requests r
WHERE r.id = $1::uuid AND ($2 = 0 OR r.subject_id = $2)`, id, subjectID))
	if errors.Is(err, pgx.ErrNoRows) {
		return r, errNoRequest
	}
	if err != nil {
		return r, fmt.Errorf("postgres: request: %w", err)
	}
	for _, o := range []*portal.OnBehalf{r.FiledBy, r.WithdrawnBy} {
		if err := db.fillOnBehalf(ctx, q, o); err != nil {
			return r, fmt.Errorf("postgres: request: %w", err)
		}
	}
	rows, _ := q.Query(ctx, `SELECT at, kind, from_status, to_status, actor_kind, actor_role, actor_sub, actor_name, note
FROM rights_request_steps WHERE request_id = $1 ORDER BY id`, id)
	r.Steps, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (portal.Step, error) {
		var s portal.Step
		err := row.Scan(&s.At, &s.Kind, &s.From, &s.To, &s.ActorKind, &s.ActorRole, &s.ActorSub, &s.ActorName, &s.Note)
		return s, err
	})
	if err != nil {
		return r, fmt.Errorf("postgres: request timeline: %w", err)
	}
	return r, nil
}

// lockRequest reads a request FOR UPDATE, so concurrent changes to it run one after the other.
func (db *DB) lockRequest(ctx context.Context, tx pgx.Tx, id string, subjectID int64) (portal.RightsRequest, error) {
	if _, err := uuid.Parse(id); err != nil {
		return portal.RightsRequest{}, errNoRequest
	}
	r, err := scanRequest(tx.QueryRow(ctx, `SELECT `+requestCols+` FROM rights_requests r
WHERE r.id = $1::uuid AND ($2 = 0 OR r.subject_id = $2) FOR UPDATE`, id, subjectID))
	if errors.Is(err, pgx.ErrNoRows) {
		return r, errNoRequest
	}
	return r, err
}

// WithdrawRequest lets a citizen withdraw their own request before the decision. A withdrawal counts
// toward the person's limit (a *portal.LimitError, ETOOMANY, when reached).
func (db *DB) WithdrawRequest(ctx context.Context, subjectID int64, id string) error {
	return db.WithdrawRequestBy(ctx, subjectID, id, "")
}

// WithdrawRequestBy is WithdrawRequest by a representative under representation repID (one of the
// person's), which is stored with the withdrawal; repID "" is the person themselves.
func (db *DB) WithdrawRequestBy(ctx context.Context, subjectID int64, id, repID string) error {
	if subjectID <= 0 {
		return errNoRequest
	}
	now := db.now()
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		r, err := db.lockRequest(ctx, tx, id, subjectID)
		if err != nil {
			return err
		}
		if err := portal.Move(r.Status, portal.StatusWithdrawn); err != nil {
			return err
		}
		by, err := db.representationOf(ctx, tx, repID, subjectID)
		if err != nil {
			return err
		}
		if err := db.file(ctx, tx, subjectID, portal.FilingWithdrawal, now); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE rights_requests SET status = $2, updated_at = $3, withdrawn_by_representation = $4
 WHERE id = $1`, id, portal.StatusWithdrawn, now, repIDArg(by)); err != nil {
			return err
		}
		return db.insertStepBy(ctx, tx, r, portal.Step{At: now, Kind: portal.StepWithdrawn, From: r.Status,
			To: portal.StatusWithdrawn, ActorKind: portal.ByCitizen}, true, by)
	})
	return wrapErr("withdraw request", err)
}

// wrapErr adds context to unexpected errors and passes domain errors through unchanged.
func wrapErr(what string, err error) error {
	if err == nil {
		return nil
	}
	var pe *portal.Error
	if errors.As(err, &pe) {
		return err
	}
	return fmt.Errorf("postgres: %s: %w", what, err)
}

// ActOnRequest applies a clerk's action: the state machine and deadline rules are checked on the
// locked row, and the change, its timeline entry, the citizen's message and the e-mail job are
// written in one transaction.
func (db *DB) ActOnRequest(ctx context.Context, id string, by portal.Staff, a portal.Action) (portal.RightsRequest, error) {
	now := db.now()
	var out portal.RightsRequest
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		r, err := db.lockRequest(ctx, tx, id, 0)
		if err != nil {
			return err
		}
		if err := a.Validate(r.Kind); err != nil {
			return err
		}
		status, deadline, err := a.Apply(r, now)
		if err != nil {
			return err
		}
		st := portal.Step{At: now, Kind: a.Kind, From: r.Status, To: status, ActorKind: portal.ByStaff,
			ActorRole: by.Role(), ActorSub: by.Sub, ActorName: by.Name, Note: a.Note}
		switch a.Kind {
		case portal.StepAssigned:
			_, err = tx.Exec(ctx, `UPDATE rights_requests SET assignee_sub = $2, assignee_name = $3, updated_at = $4 WHERE id = $1`,
				id, by.Sub, by.Name, now)
		case portal.StepStarted:
			_, err = tx.Exec(ctx, `UPDATE rights_requests SET status = $2, updated_at = $3,
 assignee_sub = CASE WHEN assignee_sub = '' THEN $4 ELSE assignee_sub END,
 assignee_name = CASE WHEN assignee_sub = '' THEN $5 ELSE assignee_name END WHERE id = $1`, id, status, now, by.Sub, by.Name)
		case portal.StepExtended:
			_, err = tx.Exec(ctx, `UPDATE rights_requests SET status = $2, deadline = $3, extension_reason = $4, updated_at = $5,
 reminded_at = NULL WHERE id = $1`, id, status, deadline, a.Note, now)
		case portal.StepDecided:
			if err := pendingProposal(ctx, tx, id); err != nil {
				return err
			}
			if portal.DecisionAgainstWill(r.Kind, a.Outcome) {
				// Against the person's will: a proposal for a team lead's co-signature, not yet a decision.
				if err := db.propose(ctx, tx, r, by, a, now); err != nil {
					return err
				}
				out, err = db.request(ctx, tx, id, 0)
				return err
			}
			_, err = tx.Exec(ctx, `UPDATE rights_requests SET status = $2, outcome = $3, motivation = $4, corrections = $5,
 refusal_ground = $7, decided_at = $6, updated_at = $6 WHERE id = $1`, id, status, a.Outcome, a.Note, a.Corrections, now, a.Ground)
			st.Note = string(a.Outcome)
		}
		if err != nil {
			return err
		}
		// The citizen hears of the steps that matter to them (filed, extended, decided, withdrawn, overdue);
		// assigning and starting are the municipality's internal steps, on the timeline only.
		if err := db.insertStep(ctx, tx, r, st, portal.TellsCitizen(a.Kind)); err != nil {
			return err
		}
		out, err = db.request(ctx, tx, id, 0)
		return err
	})
	return out, wrapErr("act on request", err)
}

// Queue lists requests for the clerks, the nearest deadline first, from f.Offset on. A BSN searched
// for is looked up by its keyed HMAC only: it is neither stored nor sent to the database in clear.
func (db *DB) Queue(ctx context.Context, f portal.RequestFilter) ([]portal.RightsRequest, error) {
	q, args := requestQuery(f)
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 500
	}
	if f.Reference != "" {
		esc := strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(strings.TrimSpace(f.Reference))
		args = append(args, "%"+esc+"%")
		q += fmt.Sprintf(" AND r.reference ILIKE $%d", len(args))
	}
	if f.SubjectBSN != "" {
		args = append(args, db.vault.Lookup(f.SubjectBSN))
		q += fmt.Sprintf(" AND r.subject_id = (SELECT id FROM subjects WHERE bsn_hmac = $%d)", len(args))
	}
	args = append(args, f.Limit, max(f.Offset, 0))
	q += fmt.Sprintf(" ORDER BY r.deadline, r.number LIMIT $%d OFFSET $%d", len(args)-1, len(args))
	rows, _ := db.pool.Query(ctx, q, args...)
	rs, err := collectRequests(rows)
	if err != nil {
		return nil, fmt.Errorf("postgres: queue: %w", err)
	}
	return rs, nil
}

// MaskedBSNs returns the masked BSN (portal.MaskBSN) of each subject, for a list that names whom each
// line is about without showing the number.
func (db *DB) MaskedBSNs(ctx context.Context, subjectIDs []int64) (map[int64]string, error) {
	out := make(map[int64]string, len(subjectIDs))
	rows, _ := db.pool.Query(ctx, `SELECT id, bsn_key_id, bsn_enc, bsn_hmac FROM subjects WHERE id = ANY($1)`, subjectIDs)
	var s subjectRow
	_, err := pgx.ForEachRow(rows, []any{&s.id, &s.keyID, &s.enc, &s.hmac}, func() error {
		bsn, err := db.openBSN(s)
		if err != nil {
			return err
		}
		out[s.id] = portal.MaskBSN(bsn)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: masked bsns: %w", err)
	}
	return out, nil
}

func requestQuery(f portal.RequestFilter) (string, []any) {
	var b strings.Builder
	b.WriteString(`SELECT ` + requestCols + ` FROM rights_requests r WHERE true`)
	var args []any
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	if f.Kind != "" {
		b.WriteString(" AND r.kind = " + arg(f.Kind))
	}
	if f.Status != "" {
		b.WriteString(" AND r.status = " + arg(f.Status))
	}
	if f.Open {
		b.WriteString(" AND r.status IN ('ontvangen','in_behandeling','verlengd')")
	}
	if f.Assignee != "" {
		b.WriteString(" AND r.assignee_sub = " + arg(f.Assignee))
	}
	return b.String(), args
}

// APIRequests lists requests for back-office systems in filing order, after the given number.
func (db *DB) APIRequests(ctx context.Context, f portal.RequestFilter, after int64) ([]portal.BackOfficeRequest, bool, error) {
	q, args := requestQuery(f)
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	args = append(args, after, f.Limit+1)
	q = strings.Replace(q, "SELECT ", "SELECT r.number, s.bsn_key_id, s.bsn_enc, s.bsn_hmac, ", 1)
	q = strings.Replace(q, "FROM rights_requests r", "FROM rights_requests r JOIN subjects s ON s.id = r.subject_id", 1)
	q += fmt.Sprintf(" AND r.number > $%d ORDER BY r.number LIMIT $%d", len(args)-1, len(args))
	rows, err := db.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, false, fmt.Errorf("postgres: api requests: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (portal.BackOfficeRequest, error) {
		return db.scanAPIRequest(row)
	})
	if err != nil {
		return nil, false, fmt.Errorf("postgres: api requests: %w", err)
	}
	more := len(out) > f.Limit
	if more {
		out = out[:f.Limit]
	}
	return out, more, nil
}

func (db *DB) scanAPIRequest(row pgx.Row) (portal.BackOfficeRequest, error) {
	var a portal.BackOfficeRequest
	var subject subjectRow
	if err := scanRequestInto(row, &a.RightsRequest, &a.Number, &subject.keyID, &subject.enc, &subject.hmac); err != nil {
		return a, err
	}
	subject.id = a.SubjectID
	var err error
	a.BSN, err = db.openBSN(subject)
	return a, err
}

// APIRequestByID returns one request with the citizen's BSN and the timeline.
func (db *DB) APIRequestByID(ctx context.Context, id string) (portal.BackOfficeRequest, error) {
	r, err := db.RequestByID(ctx, id)
	if err != nil {
		return portal.BackOfficeRequest{}, err
	}
	a := portal.BackOfficeRequest{RightsRequest: r}
	if err := db.pool.QueryRow(ctx, `SELECT number FROM rights_requests WHERE id = $1`, id).Scan(&a.Number); err != nil {
		return a, fmt.Errorf("postgres: api request: %w", err)
	}
	a.BSN, err = db.SubjectBSN(ctx, r.SubjectID)
	return a, err
}

// scopeWhere is the SQL condition selecting a scope's events of subject $1.
func scopeWhere(s portal.Scope, args *[]any) string {
	if s.All {
		return "true"
	}
	arg := func(v any) string { *args = append(*args, v); return fmt.Sprintf("$%d", len(*args)) }
	orgs, cats, ids := s.Organizations, s.Categories, s.EventIDs
	if orgs == nil {
		orgs = []string{}
	}
	if cats == nil {
		cats = []string{}
	}
	if ids == nil {
		ids = []string{}
	}
	return fmt.Sprintf("(e.actor_organization = ANY(%s) OR e.data_categories && %s::text[] OR e.id = ANY(%s::uuid[]))",
		arg(orgs), arg(cats), arg(ids))
}

// ScopeEvents returns the citizen's visible events within a request's scope, newest first, at most
// limit, and whether more exist.
func (db *DB) ScopeEvents(ctx context.Context, subjectID int64, s portal.Scope, limit int) ([]portal.LoggedEvent, bool, error) {
	return db.scopeEvents(ctx, db.pool, subjectID, s, limit, db.now())
}

// ScopeEventsAsOf is ScopeEvents as the log stood at asOf: only events received by then and visible
// then. A decision letter lists exactly what the decision was about, however often it is downloaded.
func (db *DB) ScopeEventsAsOf(ctx context.Context, subjectID int64, s portal.Scope, limit int, asOf time.Time) ([]portal.LoggedEvent, bool, error) {
	return db.scopeEvents(ctx, db.pool, subjectID, s, limit, asOf)
}

func (db *DB) scopeEvents(ctx context.Context, q querier, subjectID int64, s portal.Scope, limit int, asOf time.Time) ([]portal.LoggedEvent, bool, error) {
	args := []any{subjectID, asOf}
	cond := scopeWhere(s, &args)
	args = append(args, limit+1)
	rows, _ := q.Query(ctx, `SELECT `+eventCols+` FROM processing_events e JOIN processing_activities a ON a.id = e.activity_id
WHERE e.subject_id = $1 AND e.received_at <= $2 AND (e.confidential_until IS NULL OR e.confidential_until <= $2) AND `+cond+`
ORDER BY e.occurred_at DESC, e.id DESC LIMIT $`+fmt.Sprint(len(args)), args...)
	evs, err := pgx.CollectRows(rows, scanEvent)
	if err != nil {
		return nil, false, fmt.Errorf("postgres: scope events: %w", err)
	}
	more := len(evs) > limit
	if more {
		evs = evs[:limit]
	}
	return evs, more, nil
}

// OpenCaseFile returns what a clerk sees of a request and records that view as a processing event in
// the citizen's log, in the same transaction: no view without its log entry. The event names the
// municipality, the clerk's role, the activity of handling rights requests and the access basis
// (assigned when the request is assigned to this clerk, function otherwise).
func (db *DB) OpenCaseFile(ctx context.Context, id string, by portal.Staff, municipality string) (portal.CaseFile, error) {
	return db.openCaseFile(ctx, id, by, municipality, false)
}

// ReopenCaseFile is OpenCaseFile for the case page shown again right after the staff member's own
// action on it: it records no view when this staff member's view of this request was recorded within
// portal.CaseVisit, and records one as OpenCaseFile does otherwise, so a first view is never lost
// (whatever the caller claims, a view is skipped only when one of the same case by the same person
// is in the log minutes before).
func (db *DB) ReopenCaseFile(ctx context.Context, id string, by portal.Staff, municipality string) (portal.CaseFile, error) {
	return db.openCaseFile(ctx, id, by, municipality, true)
}

func (db *DB) openCaseFile(ctx context.Context, id string, by portal.Staff, municipality string, reopen bool) (portal.CaseFile, error) {
	var cf portal.CaseFile
	now := db.now()
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		r, err := db.request(ctx, tx, id, 0)
		if err != nil {
			return err
		}
		evs, more, err := db.scopeEvents(ctx, tx, r.SubjectID, r.Scope, portal.MaxCaseEvents, now)
		if err != nil {
			return err
		}
		// The clerk sees which organisation a processing done at another organisation's request came
		// from (a span's own foreign operation; the chain's is on the citizen's detail page).
		for i := range evs {
			if sp := evs[i].Span; sp != nil && sp.Foreign != nil && sp.Foreign.Entity != "" {
				if err := db.setOrigin(ctx, &evs[i], *sp.Foreign); err != nil {
					return err
				}
			}
		}
		if err := vngSourceNames(ctx, tx, evs); err != nil {
			return err
		}
		subject, err := lookupSubject(ctx, tx, r.SubjectID)
		if err != nil {
			return err
		}
		bsn, err := db.openBSN(subject)
		if err != nil {
			return err
		}
		cats := []string{"identity", "rights_request"}
		for _, e := range evs {
			for _, c := range e.DataCategories {
				if !containsStr(cats, c) {
					cats = append(cats, c)
				}
			}
		}
		basis := portal.BasisFunction
		if r.AssigneeSub != "" && r.AssigneeSub == by.Sub {
			basis = portal.BasisAssigned
		}
		cf = portal.CaseFile{Request: r, BSN: bsn, Events: evs, More: more}
		if reopen {
			var seen bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM processing_events WHERE subject_id = $1
 AND action = 'view' AND activity_id = $2 AND case_ref = $3 AND actor_employee_id = $4 AND occurred_at > $5)`,
				subject.id, portal.RequestActivity, r.Reference, by.Sub, now.Add(-portal.CaseVisit)).Scan(&seen); err != nil {
				return err
			}
			if seen {
				return nil
			}
		}
		if err := db.recordStaffView(ctx, tx, subject, portal.StaffView{By: by, RoleLabel: portal.RoleLabel(by.Role()),
			Municipality: municipality, Activity: portal.RequestActivity, Level: "what", Categories: cats,
			AccessBasis: basis, CaseRef: r.Reference}, now, nil); err != nil {
			return err
		}
		return nil
	})
	return cf, wrapErr("open case file", err)
}

func containsStr(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// messageSelect reads inbox messages (m) with the request each is about (r), for scanMessage.
const messageSelect = `SELECT m.id, coalesce(m.request_id::text, ''), coalesce(r.reference, ''),
 coalesce(m.signal_id::text, ''), coalesce(m.consent_id::text, ''), coalesce(m.review_event_id::text, m.alert_event_id::text, ''),
 m.kind, m.status, m.note, m.created_at, m.read_at, coalesce(r.kind, ''), r.first_deadline
FROM messages m LEFT JOIN rights_requests r ON r.id = m.request_id`

func scanMessage(row pgx.CollectableRow) (portal.Message, error) {
	var m portal.Message
	err := row.Scan(&m.ID, &m.RequestID, &m.Reference, &m.SignalID, &m.ConsentID, &m.EventID, &m.Kind, &m.Status, &m.Note,
		&m.CreatedAt, &m.ReadAt, &m.RequestKind, &m.FirstDeadline)
	return m, err
}

// Messages returns a citizen's inbox, newest first.
func (db *DB) Messages(ctx context.Context, subjectID int64, limit int) ([]portal.Message, error) {
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	rows, _ := db.pool.Query(ctx, messageSelect+` WHERE m.subject_id = $1 ORDER BY m.id DESC LIMIT $2`, subjectID, limit)
	ms, err := pgx.CollectRows(rows, scanMessage)
	if err != nil {
		return nil, fmt.Errorf("postgres: messages: %w", err)
	}
	return ms, nil
}

// MarkMessagesRead marks the given messages of a citizen read.
func (db *DB) MarkMessagesRead(ctx context.Context, subjectID int64, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := db.pool.Exec(ctx, `UPDATE messages SET read_at = $3 WHERE subject_id = $1 AND id = ANY($2) AND read_at IS NULL`,
		subjectID, ids, db.now())
	return wrapErr("mark messages read", err)
}

// UnreadCount counts a citizen's unread messages.
func (db *DB) UnreadCount(ctx context.Context, subjectID int64) (int, error) {
	var n int
	err := db.pool.QueryRow(ctx, `SELECT count(*) FROM messages WHERE subject_id = $1 AND read_at IS NULL`, subjectID).Scan(&n)
	return n, wrapErr("unread count", err)
}

// Notification returns the decrypted address for a message's e-mail: the person's notification
// address, and only once they confirmed it. ENOTFOUND when the message is gone or its person has no
// confirmed address.
func (db *DB) Notification(ctx context.Context, messageID int64) (portal.Notification, error) {
	var n portal.Notification
	var subjectID int64
	var kid string
	var enc []byte
	var mailed *time.Time
	err := db.pool.QueryRow(ctx, `SELECT m.subject_id, e.email_key_id, e.email_enc, m.mailed_at FROM messages m
JOIN subject_emails e ON e.subject_id = m.subject_id AND e.confirmed_at IS NOT NULL
WHERE m.id = $1`, messageID).Scan(&subjectID, &kid, &enc, &mailed)
	if errors.Is(err, pgx.ErrNoRows) {
		return n, portal.Errorf(portal.ENOTFOUND, "no message %d with a confirmed address", messageID)
	}
	if err != nil {
		return n, fmt.Errorf("postgres: notification: %w", err)
	}
	b, err := db.vault.OpenWith(kid, enc, subjectEmailAD(subjectID))
	if err != nil {
		return n, fmt.Errorf("postgres: notification address: %w", err)
	}
	return portal.Notification{Email: string(b), Mailed: mailed != nil}, nil
}

// MarkMailed records that a message's e-mail went out; it reports false when it was marked already.
func (db *DB) MarkMailed(ctx context.Context, messageID int64) (bool, error) {
	tag, err := db.pool.Exec(ctx, `UPDATE messages SET mailed_at = $2 WHERE id = $1 AND mailed_at IS NULL`, messageID, db.now())
	if err != nil {
		return false, fmt.Errorf("postgres: mark mailed: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// SweepDeadlines marks open requests whose deadline is at most seven days away (once) and queues a
// reminder to the clerks, and marks requests whose deadline passed (once), telling the citizen.
// Each request is marked in the same transaction as its job and timeline entry, so a restart neither
// loses nor repeats one.
func (db *DB) SweepDeadlines(ctx context.Context) (portal.DeadlineSweepResult, error) {
	now := db.now()
	var res portal.DeadlineSweepResult
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		res = portal.DeadlineSweepResult{}
		rows, _ := tx.Query(ctx, `UPDATE rights_requests r SET overdue_at = $1
WHERE status IN ('ontvangen','in_behandeling','verlengd') AND deadline < $1 AND overdue_at IS NULL
RETURNING `+requestCols, now)
		overdue, err := collectRequests(rows)
		if err != nil {
			return err
		}
		for _, r := range overdue {
			if err := db.insertStep(ctx, tx, r, portal.Step{At: now, Kind: portal.StepOverdue, From: r.Status, To: r.Status,
				ActorKind: portal.BySystem}, true); err != nil {
				return err
			}
		}
		rows, _ = tx.Query(ctx, `UPDATE rights_requests r SET reminded_at = $1
WHERE status IN ('ontvangen','in_behandeling','verlengd') AND deadline >= $1 AND deadline < $2 AND reminded_at IS NULL
RETURNING `+requestCols, now, now.AddDate(0, 0, portal.ReminderLeadDays))
		due, err := collectRequests(rows)
		if err != nil {
			return err
		}
		for _, r := range due {
			if err := db.insertStep(ctx, tx, r, portal.Step{At: now, Kind: portal.StepReminder, From: r.Status, To: r.Status,
				ActorKind: portal.BySystem}, false); err != nil {
				return err
			}
			if _, err := db.jobs.InsertTx(ctx, tx, portal.ReminderJob{RequestID: r.ID, Deadline: r.Deadline.UTC()},
				&river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}); err != nil {
				return err
			}
		}
		res.Overdue, res.Reminded = len(overdue), len(due)
		return nil
	})
	return res, wrapErr("sweep deadlines", err)
}

// vngSourceNames sets SourceName on the events made for a VNG verwerkingsactie: the reporting
// system's own names of the actie, handeling and verwerking, for staff.
func vngSourceNames(ctx context.Context, q querier, evs []portal.LoggedEvent) error {
	if len(evs) == 0 {
		return nil
	}
	ids := make([]string, len(evs))
	at := make(map[string]int, len(evs))
	for i := range evs {
		ids[i], at[evs[i].ID] = evs[i].ID, i
	}
	rows, err := q.Query(ctx, `SELECT e.id::text, coalesce(va.body->>'actieNaam', ''), coalesce(va.body->>'handelingNaam', ''),
 coalesce(va.body->>'verwerkingNaam', '')
FROM processing_events e JOIN verwerkingsacties va ON va.actie_id = e.vng_actie_id WHERE e.id = ANY($1::uuid[])`, ids)
	if err != nil {
		return fmt.Errorf("postgres: vng names: %w", err)
	}
	var id, actie, handeling, verwerking string
	_, err = pgx.ForEachRow(rows, []any{&id, &actie, &handeling, &verwerking}, func() error {
		name := actie
		if handeling != "" {
			name = strings.TrimPrefix(name+" — "+handeling, " — ")
		}
		if verwerking != "" {
			name = strings.TrimSpace(name + " (" + verwerking + ")")
		}
		evs[at[id]].SourceName = name
		return nil
	})
	if err != nil {
		return fmt.Errorf("postgres: vng names: %w", err)
	}
	return nil
}

package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/inzicht/inzicht/portal"
)

// Four eyes on decisions against the person's will (issue 17, PIA §4.1.2): the clerk's decision is
// stored as a proposal; a team lead other than the proposer co-signs it, which makes the decision, or
// returns it with a reason. The request stays open meanwhile and its deadline keeps running.

var errProposalWaits = portal.Errorf(portal.ECONFLICT, "a proposed decision waits for a team lead's co-signature")

// pendingProposal refuses a decision while a proposal for the request waits.
func pendingProposal(ctx context.Context, tx pgx.Tx, requestID string) error {
	var waits bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM decision_proposals WHERE request_id = $1 AND status = 'pending')`,
		requestID).Scan(&waits); err != nil {
		return fmt.Errorf("pending proposal: %w", err)
	}
	if waits {
		return errProposalWaits
	}
	return nil
}

// propose stores a decision against the person's will as a proposal, with an internal step on the
// timeline (the person is told of the decision, not of the proposal).
func (db *DB) propose(ctx context.Context, tx pgx.Tx, r portal.RightsRequest, by portal.Staff, a portal.Action, now time.Time) error {
	if _, err := tx.Exec(ctx, `INSERT INTO decision_proposals
(request_id, outcome, ground, motivation, corrections, proposed_by, proposer_name, proposed_at, status)
VALUES ($1,$2,$3,$4,$5,$6,$7,$8,'pending')`, r.ID, a.Outcome, a.Ground, a.Note, a.Corrections, by.Sub, by.Name, now); err != nil {
		return fmt.Errorf("proposal: %w", err)
	}
	return db.insertStep(ctx, tx, r, portal.Step{At: now, Kind: portal.StepProposed, From: r.Status, To: r.Status,
		ActorKind: portal.ByStaff, ActorRole: by.Role(), ActorSub: by.Sub, ActorName: by.Name, Note: string(a.Outcome)}, false)
}

const proposalCols = `p.id, p.request_id::text, p.outcome, p.ground, p.motivation, p.corrections, p.proposed_by,
 p.proposer_name, p.proposed_at, p.status, p.decided_by, p.decider_name, p.decided_at, p.return_reason`

func scanProposal(row pgx.Row, extra ...any) (portal.DecisionProposal, error) {
	var p portal.DecisionProposal
	err := row.Scan(append([]any{&p.ID, &p.RequestID, &p.Outcome, &p.Ground, &p.Motivation, &p.Corrections, &p.ProposedBy,
		&p.ProposerName, &p.ProposedAt, &p.Status, &p.DecidedBy, &p.DeciderName, &p.DecidedAt, &p.ReturnReason}, extra...)...)
	return p, err
}

// Proposals lists the proposed decisions on a request, the latest first.
func (db *DB) Proposals(ctx context.Context, requestID string) ([]portal.DecisionProposal, error) {
	rows, _ := db.pool.Query(ctx, `SELECT `+proposalCols+` FROM decision_proposals p WHERE p.request_id = $1::uuid ORDER BY p.id DESC`, requestID)
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (portal.DecisionProposal, error) { return scanProposal(row) })
	if err != nil {
		return nil, fmt.Errorf("postgres: proposals: %w", err)
	}
	return out, nil
}

// WaitingProposals lists the proposals waiting for a co-signature on requests still open, the
// nearest deadline first.
func (db *DB) WaitingProposals(ctx context.Context, limit int) ([]portal.WaitingProposal, error) {
	rows, _ := db.pool.Query(ctx, `SELECT `+proposalCols+`, r.reference, r.kind, r.deadline
FROM decision_proposals p JOIN rights_requests r ON r.id = p.request_id
WHERE p.status = 'pending' AND r.status IN ('ontvangen','in_behandeling','verlengd')
ORDER BY r.deadline, p.id LIMIT $1`, limit)
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (portal.WaitingProposal, error) {
		var w portal.WaitingProposal
		var err error
		w.DecisionProposal, err = scanProposal(row, &w.Reference, &w.Kind, &w.Deadline)
		return w, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: waiting proposals: %w", err)
	}
	return out, nil
}

// CoSignDecision is a team lead's answer to a proposal. Co-signing makes the decision (the person is
// told, as of any decision); returning it records the reason for the clerk. The co-signer must be
// someone other than the proposer, the proposal must still wait (a second answer, or an answer to an
// older proposal, is refused) and the request must still be open.
func (db *DB) CoSignDecision(ctx context.Context, requestID string, by portal.Staff, cs portal.CoSign) (portal.RightsRequest, error) {
	if err := cs.Validate(); err != nil {
		return portal.RightsRequest{}, err
	}
	now := db.now()
	var out portal.RightsRequest
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		r, err := db.lockRequest(ctx, tx, requestID, 0)
		if err != nil {
			return err
		}
		p, err := scanProposal(tx.QueryRow(ctx, `SELECT `+proposalCols+` FROM decision_proposals p
WHERE p.id = $1 AND p.request_id = $2 FOR UPDATE`, cs.ProposalID, r.ID))
		if errors.Is(err, pgx.ErrNoRows) {
			return portal.Errorf(portal.ENOTFOUND, "no such proposal")
		}
		if err != nil {
			return err
		}
		switch {
		case p.Status != portal.ProposalPending:
			return portal.Errorf(portal.ECONFLICT, "this proposal was already answered")
		case !r.Open():
			return portal.Errorf(portal.ECONFLICT, "the request is closed")
		case p.ProposedBy == by.Sub:
			return portal.Errorf(portal.EFORBIDDEN, "a second person must co-sign a decision against the person's will")
		}
		if !cs.Approve {
			if _, err := tx.Exec(ctx, `UPDATE decision_proposals SET status = 'returned', decided_by = $2, decider_name = $3,
 decided_at = $4, return_reason = $5 WHERE id = $1`, p.ID, by.Sub, by.Name, now, cs.Reason); err != nil {
				return err
			}
			if err := db.insertStep(ctx, tx, r, portal.Step{At: now, Kind: portal.StepReturned, From: r.Status, To: r.Status,
				ActorKind: portal.ByStaff, ActorRole: by.Role(), ActorSub: by.Sub, ActorName: by.Name, Note: cs.Reason}, false); err != nil {
				return err
			}
			out, err = db.request(ctx, tx, r.ID, 0)
			return err
		}
		a := p.Action()
		if err := a.Validate(r.Kind); err != nil {
			return err
		}
		status, _, err := a.Apply(r, now)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE decision_proposals SET status = 'approved', decided_by = $2, decider_name = $3,
 decided_at = $4 WHERE id = $1`, p.ID, by.Sub, by.Name, now); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE rights_requests SET status = $2, outcome = $3, motivation = $4, corrections = $5,
 refusal_ground = $6, cosigned_by = $7, cosigner_name = $8, decided_at = $9, updated_at = $9 WHERE id = $1`,
			r.ID, status, a.Outcome, a.Note, a.Corrections, a.Ground, by.Sub, by.Name, now); err != nil {
			return err
		}
		// The decision is the proposer's, co-signed: the timeline names the co-signer's step.
		if err := db.insertStep(ctx, tx, r, portal.Step{At: now, Kind: portal.StepDecided, From: r.Status, To: status,
			ActorKind: portal.ByStaff, ActorRole: by.Role(), ActorSub: by.Sub, ActorName: by.Name, Note: string(a.Outcome)}, true); err != nil {
			return err
		}
		out, err = db.request(ctx, tx, r.ID, 0)
		return err
	})
	return out, wrapErr("co-sign decision", err)
}

package postgres_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/inzicht/inzicht/portal"
)

// A second team lead, for the four-eyes tests.
var reqLead2 = portal.Staff{Sub: "sub-lead-2", Name: "Tineke Teamleider", Roles: []string{portal.RoleTeamLead}}

// coSignLatest co-signs the proposal waiting on a request, as the second team lead.
func (d *testDB) coSignLatest(t *testing.T, requestID string) portal.RightsRequest {
	t.Helper()
	ps, err := d.Proposals(context.Background(), requestID)
	if err != nil || len(ps) == 0 || ps[0].Status != portal.ProposalPending {
		t.Fatalf("no proposal waits on %s: %v %+v", requestID, err, ps)
	}
	by := reqLead2
	if ps[0].ProposedBy == by.Sub {
		by = reqLead
	}
	r, err := d.CoSignDecision(context.Background(), requestID, by, portal.CoSign{ProposalID: ps[0].ID, Approve: true})
	if err != nil {
		t.Fatalf("CoSignDecision: %v", err)
	}
	return r
}

// TestDecisionsAgainstWillNeedASecondPerson walks an objection through proposal, return, a second
// proposal and the co-signature, checking what is stored at each step and what is refused.
func TestDecisionsAgainstWillNeedASecondPerson(t *testing.T) {
	db := newTestDB(t)
	ctx := context.Background()
	a := db.subject(t, bsnA)
	r := db.reqFile(t, a, reqNew(portal.KindObjection, ""))
	db.reqAct(t, r.ID, reqClerk, portal.Action{Kind: portal.StepStarted})
	messages := func() int {
		return db.reqCount(t, `SELECT count(*) FROM messages WHERE request_id = $1 AND kind <> 'filed'`, r.ID)
	}

	reject := portal.Action{Kind: portal.StepDecided, Outcome: portal.OutcomeRejected, Ground: portal.GroundCompelling,
		Note: "De zorg voor uw kind weegt zwaarder."}
	got := db.reqAct(t, r.ID, reqClerk, reject)
	if got.Status != portal.StatusHandling || got.Outcome != "" || got.DecidedAt != nil {
		t.Fatalf("a rejected objection was decided at once: %+v", got)
	}
	if n := db.reqCount(t, `SELECT count(*) FROM decision_proposals WHERE request_id = $1 AND status = 'pending'
 AND outcome = 'afgewezen' AND ground = 'compelling_grounds' AND proposed_by = $2`, r.ID, reqClerk.Sub); n != 1 {
		t.Fatalf("pending proposals stored: %d", n)
	}
	if n := messages(); n != 0 {
		t.Errorf("the citizen got %d messages about a proposal", n)
	}
	// Nobody decides past the waiting proposal, also not with a grant.
	_, err := db.ActOnRequest(ctx, r.ID, reqClerk2, portal.Action{Kind: portal.StepDecided, Outcome: portal.OutcomeGranted})
	reqWantCode(t, "decide while a proposal waits", err, portal.ECONFLICT)
	_, err = db.ActOnRequest(ctx, r.ID, reqClerk, reject)
	reqWantCode(t, "propose twice", err, portal.ECONFLICT)

	ps, err := db.Proposals(ctx, r.ID)
	if err != nil || len(ps) != 1 {
		t.Fatalf("Proposals: %v %d", err, len(ps))
	}
	first := ps[0]
	// The proposer cannot co-sign their own proposal, even as a team lead.
	selfLead := portal.Staff{Sub: reqClerk.Sub, Name: reqClerk.Name, Roles: []string{portal.RoleTeamLead}}
	_, err = db.CoSignDecision(ctx, r.ID, selfLead, portal.CoSign{ProposalID: first.ID, Approve: true})
	reqWantCode(t, "co-sign one's own proposal", err, portal.EFORBIDDEN)
	// Returning needs a reason.
	_, err = db.CoSignDecision(ctx, r.ID, reqLead, portal.CoSign{ProposalID: first.ID, Reason: "   "})
	reqWantCode(t, "return without a reason", err, portal.EINVALID)
	got, err = db.CoSignDecision(ctx, r.ID, reqLead, portal.CoSign{ProposalID: first.ID, Reason: "Weeg het belang van de ouder mee."})
	if err != nil || got.Status != portal.StatusHandling {
		t.Fatalf("return: %v %+v", err, got)
	}
	// An answer to a proposal already answered is refused (a double click, a second lead).
	_, err = db.CoSignDecision(ctx, r.ID, reqLead2, portal.CoSign{ProposalID: first.ID, Approve: true})
	reqWantCode(t, "co-sign a returned proposal", err, portal.ECONFLICT)

	// The clerk proposes again, partly granted now; a second lead co-signs: the decision is made.
	partly := portal.Action{Kind: portal.StepDecided, Outcome: portal.OutcomePartly, Ground: portal.GroundLegalObligation,
		Note: "Wij stoppen met delen, maar bewaren de melding."}
	db.reqAct(t, r.ID, reqClerk, partly)
	got = db.coSignLatest(t, r.ID)
	if got.Status != portal.StatusDecided || got.Outcome != portal.OutcomePartly || got.Ground != portal.GroundLegalObligation ||
		got.Motivation != partly.Note || !got.CoSigned || got.CoSignerName != reqLead2.Name {
		t.Fatalf("after co-signing: %+v", got)
	}
	if n := db.reqCount(t, `SELECT count(*) FROM rights_requests WHERE id = $1 AND cosigned_by = $2 AND refusal_ground = 'legal_obligation'`,
		r.ID, reqLead2.Sub); n != 1 {
		t.Errorf("stored co-signature: %d rows", n)
	}
	if n := messages(); n != 1 {
		t.Errorf("the citizen got %d messages, want 1 (the decision)", n)
	}
	var kinds []string
	for _, st := range db.reqGet(t, r.ID).Steps {
		kinds = append(kinds, string(st.Kind))
	}
	want := "filed started proposed returned proposed decided"
	if got := strings.Join(kinds, " "); got != want {
		t.Errorf("timeline %q, want %q", got, want)
	}
	// The database itself refuses a proposal answered by its proposer.
	if _, err := db.raw.Exec(ctx, `UPDATE decision_proposals SET status = 'approved', decided_by = proposed_by, decided_at = now()
 WHERE request_id = $1`, r.ID); err == nil {
		t.Error("the database let a proposer co-sign their own proposal")
	}
	// An inspection refused is reasoned but needs no co-signature.
	ins := db.reqFile(t, a, reqNew(portal.KindInspection, ""))
	db.reqAct(t, ins.ID, reqClerk, portal.Action{Kind: portal.StepStarted})
	got = db.reqAct(t, ins.ID, reqClerk, portal.Action{Kind: portal.StepDecided, Outcome: portal.OutcomeRejected,
		Ground: portal.GroundRightsOfOthers, Note: "Het gaat over uw buurman."})
	if got.Status != portal.StatusDecided || got.CoSigned || got.Ground != portal.GroundRightsOfOthers {
		t.Errorf("inspection refused: %+v", got)
	}
}

// TestCoSignAtOnce has two team leads press "co-sign" on the same proposal at the same moment and a
// citizen withdraw another request while its proposal waits.
func TestCoSignAtOnce(t *testing.T) {
	db := newTestDB(t)
	ctx := context.Background()
	a, b := db.subject(t, bsnA), db.subject(t, bsnB)
	ra := db.reqFile(t, a, reqNew(portal.KindErasure, ""))
	rb := db.reqFile(t, b, reqNew(portal.KindCorrection, ""))
	db.reqAct(t, ra.ID, reqClerk, portal.Action{Kind: portal.StepStarted})
	db.reqAct(t, rb.ID, reqClerk2, portal.Action{Kind: portal.StepStarted})
	db.reqAct(t, ra.ID, reqClerk, portal.Action{Kind: portal.StepDecided, Outcome: portal.OutcomeRejected,
		Ground: portal.GroundLegalObligation, Note: "Bewaarplicht."})
	db.reqAct(t, rb.ID, reqClerk2, portal.Action{Kind: portal.StepDecided, Outcome: portal.OutcomeRejected,
		Ground: portal.GroundDataCorrect, Note: "Klopt."})
	waiting, err := db.WaitingProposals(ctx, 10)
	if err != nil || len(waiting) != 2 {
		t.Fatalf("WaitingProposals: %v %d", err, len(waiting))
	}
	ps, _ := db.Proposals(ctx, ra.ID)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, lead := range []portal.Staff{reqLead, reqLead2} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = db.CoSignDecision(ctx, ra.ID, lead, portal.CoSign{ProposalID: ps[0].ID, Approve: true})
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		} else if portal.ErrorCode(err) != portal.ECONFLICT {
			t.Errorf("the losing co-signature: %v", err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d co-signatures succeeded, want 1 (%v)", ok, errs)
	}
	if n := db.reqCount(t, `SELECT count(*) FROM rights_request_steps WHERE request_id = $1 AND kind = 'decided'`, ra.ID); n != 1 {
		t.Errorf("%d decided steps", n)
	}
	if n := db.reqCount(t, `SELECT count(*) FROM messages WHERE request_id = $1 AND kind = 'decided'`, ra.ID); n != 1 {
		t.Errorf("%d decision messages", n)
	}
	// B withdraws while the proposal on their request waits: it leaves the team lead's list and can no
	// longer be co-signed; B's request stays withdrawn.
	if err := db.WithdrawRequest(ctx, b, rb.ID); err != nil {
		t.Fatal(err)
	}
	if waiting, _ := db.WaitingProposals(ctx, 10); len(waiting) != 0 {
		t.Errorf("proposals still waiting: %+v", waiting)
	}
	pb, _ := db.Proposals(ctx, rb.ID)
	_, err = db.CoSignDecision(ctx, rb.ID, reqLead, portal.CoSign{ProposalID: pb[0].ID, Approve: true})
	reqWantCode(t, "co-sign after withdrawal", err, portal.ECONFLICT)
	if got := db.reqGet(t, rb.ID); got.Status != portal.StatusWithdrawn || got.Outcome != "" {
		t.Errorf("withdrawn request after a co-signature attempt: %+v", got)
	}
	// A proposal of another request is not found through this one.
	_, err = db.CoSignDecision(ctx, ra.ID, reqLead, portal.CoSign{ProposalID: pb[0].ID, Approve: true})
	reqWantCode(t, "another request's proposal", err, portal.ENOTFOUND)
}

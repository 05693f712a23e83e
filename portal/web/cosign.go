package web

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/inzicht/inzicht/portal"
)

// Four eyes on decisions against the person's will (issue 17, PIA §4.1.2). A clerk's (partial)
// refusal of a correction, erasure, restriction or objection is stored as a proposal; a team lead
// other than the proposer co-signs it on the request's page, which makes the decision, or returns it
// to the clerk with a reason.

// fourEyesView is the proposal part of a request's page.
type fourEyesView struct {
	Pending   *proposalView // waiting for a co-signature
	Returned  *proposalView // the latest proposal, returned, when none waits
	CanCoSign bool          // the viewer is a team lead other than the proposer
	Form      cosignForm
}

// proposalView is a proposal with its outcome and ground in words.
type proposalView struct {
	portal.DecisionProposal
	OutcomeText, GroundText string
}

// cosignForm is the team lead's answer, as typed, with its errors.
type cosignForm struct {
	Lang, CSRF string
	ID         string // the request
	ProposalID int64
	Reason     string
	Errors     formErrors
}

var (
	cosignInputs = map[string]string{"reason": "terugreden"}
	cosignOrder  = []string{"terugreden"}
)

func (s *server) proposalView(l string, k portal.RequestKind, p portal.DecisionProposal) *proposalView {
	return &proposalView{DecisionProposal: p, OutcomeText: s.t(l, outcomeKey(k)+string(p.Outcome)),
		GroundText: s.t(l, "ground."+string(p.Ground))}
}

// fourEyes reads the proposals of a request for its page.
func (s *server) fourEyes(c *fiber.Ctx, r portal.RightsRequest) (fourEyesView, error) {
	l, me := lang(c), staffOf(c)
	var v fourEyesView
	ps, err := s.caseStore.Proposals(c.UserContext(), r.ID)
	if err != nil || len(ps) == 0 {
		return v, err
	}
	switch latest := ps[0]; {
	case latest.Status == portal.ProposalPending && r.Open():
		v.Pending = s.proposalView(l, r.Kind, latest)
		v.CanCoSign = portal.HasAnyRole(me.Roles, portal.RoleTeamLead) && latest.ProposedBy != me.Sub
		v.Form = cosignForm{Lang: l, CSRF: sessCSRF(c), ID: r.ID, ProposalID: latest.ID}
	case latest.Status == portal.ProposalReturned && r.Open():
		v.Returned = s.proposalView(l, r.Kind, latest)
	}
	return v, nil
}

// proposalID reads the proposal a team lead answers; a missing or malformed one is EINVALID.
func proposalID(c *fiber.Ctx) (int64, error) {
	id, err := strconv.ParseInt(c.FormValue("voorstel"), 10, 64)
	if err != nil || id <= 0 {
		return 0, portal.Errorf(portal.EINVALID, "no proposal named")
	}
	return id, nil
}

// coSign co-signs a proposal: the decision is made. With "voorbeeld" it shows the letter as it would
// be sent, marked CONCEPT, and stores nothing.
func (s *server) coSign(c *fiber.Ctx) error {
	ctx, l, me := c.UserContext(), lang(c), staffOf(c)
	pid, err := proposalID(c)
	if err != nil {
		return err
	}
	if c.FormValue("voorbeeld") != "" {
		ps, err := s.caseStore.Proposals(ctx, c.Params("id"))
		if err != nil {
			return err
		}
		for _, p := range ps {
			if p.ID != pid || p.Status != portal.ProposalPending {
				continue
			}
			cf, err := s.caseStore.ReopenCaseFile(ctx, p.RequestID, me, s.cfg.Municipality)
			if err != nil {
				return err
			}
			draft, now := cf.Request, s.deps.Now()
			draft.Outcome, draft.Motivation, draft.Corrections, draft.Ground, draft.DecidedAt = p.Outcome, p.Motivation, p.Corrections, p.Ground, &now
			draft.CoSigned = true
			return s.writeDecisionPDF(c, draft, s.t(l, "staff.decide.draft"))
		}
		return portal.Errorf(portal.ENOTFOUND, "no such proposal waits")
	}
	done, err := s.caseStore.CoSignDecision(ctx, c.Params("id"), me, portal.CoSign{ProposalID: pid, Approve: true})
	if err != nil {
		return err
	}
	s.deps.Log.Info("rights request changed", "request", done.ID, "action", "cosigned", "status", done.Status, "staff", me.Sub)
	return requestDone(c, done.ID, portal.StepDecided)
}

// returnProposal sends a proposal back to the clerk with the reason. Without a reason the form is
// shown again, on a page of its own (see decide: no second view of the case).
func (s *server) returnProposal(c *fiber.Ctx) error {
	l, me := lang(c), staffOf(c)
	pid, err := proposalID(c)
	if err != nil {
		return err
	}
	f := cosignForm{Lang: l, CSRF: sessCSRF(c), ProposalID: pid, Reason: c.FormValue("terugreden")}
	done, err := s.caseStore.CoSignDecision(c.UserContext(), c.Params("id"), me, portal.CoSign{ProposalID: pid, Reason: f.Reason})
	fe, err := s.fieldErrors(l, "staff.err.", cosignInputs, err)
	if err != nil {
		return err
	}
	if fe == nil {
		s.deps.Log.Info("rights request changed", "request", done.ID, "action", portal.StepReturned, "status", done.Status, "staff", me.Sub)
		return requestDone(c, done.ID, portal.StepReturned)
	}
	r, err := s.actionRequest(c)
	if err != nil {
		return err
	}
	f.ID, f.Errors = r.ID, fe
	return s.renderAction(c, "staff.cosign.return.title", r, &actionPage{Summary: fe.summary(cosignOrder), Return: &f})
}

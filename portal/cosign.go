package portal

import (
	"slices"
	"strings"
	"time"
)

// RefusalGround is why a request was not granted in full. Each decision that is not a full grant
// names one, so that the letter can state it and the council can see why rights were refused (PIA
// §8: "analyse van de redenen voor afwijkingen").
type RefusalGround string

// The grounds of a (partial) refusal.
const (
	GroundManifestlyUnfounded RefusalGround = "manifestly_unfounded" // AVG art. 12(5): manifestly unfounded or excessive
	GroundRightsOfOthers      RefusalGround = "rights_of_others"     // AVG art. 15(4), 23: the rights and freedoms of others
	GroundDataCorrect         RefusalGround = "data_correct"         // art. 16, 18(1)(a): the data are correct and complete
	GroundLegalObligation     RefusalGround = "legal_obligation"     // art. 17(3)(b), 18(2): a legal duty to keep or process
	GroundCompelling          RefusalGround = "compelling_grounds"   // art. 21(1): compelling legitimate grounds
	GroundOther               RefusalGround = "other"                // named in the motivation
)

// RefusalGrounds lists every ground in display order.
var RefusalGrounds = []RefusalGround{GroundManifestlyUnfounded, GroundRightsOfOthers, GroundDataCorrect,
	GroundLegalObligation, GroundCompelling, GroundOther}

// GroundsFor lists the grounds on which a request of the kind may be refused, in display order.
func GroundsFor(kind RequestKind) []RefusalGround {
	switch kind {
	case KindInspection:
		return []RefusalGround{GroundRightsOfOthers, GroundManifestlyUnfounded, GroundOther}
	case KindCorrection:
		return []RefusalGround{GroundDataCorrect, GroundManifestlyUnfounded, GroundOther}
	case KindErasure:
		return []RefusalGround{GroundLegalObligation, GroundManifestlyUnfounded, GroundOther}
	case KindRestriction:
		return []RefusalGround{GroundDataCorrect, GroundLegalObligation, GroundManifestlyUnfounded, GroundOther}
	case KindObjection:
		return []RefusalGround{GroundCompelling, GroundLegalObligation, GroundManifestlyUnfounded, GroundOther}
	case KindAwbObjection:
		// An Awb objection not upheld is reasoned in the motivation (Awb 7:12).
		return []RefusalGround{GroundManifestlyUnfounded, GroundOther}
	}
	// A question is answered, never refused: it has no grounds.
	return nil
}

// DecisionAgainstWill reports whether deciding a request of the kind with the outcome lets the municipality
// go on processing the person's data against their stated will: a correction, erasure, restriction or
// objection not granted in full. Such a decision needs a second pair of eyes (PIA §4.1.2: the
// "4-ogen principe", a team lead): the clerk proposes it and a team lead co-signs it before it is made.
// An inspection refused is not processing against the person's will (and is still reasoned). A question
// is answered, not decided. An Awb objection reviews an earlier decision; when that one went against the
// person's will it was co-signed already, and Awb 7:5 asks that someone other than the first decider
// handles the objection — the portal does not add a third pair of eyes.
func DecisionAgainstWill(kind RequestKind, o Outcome) bool {
	return kind.AVG() && kind != KindInspection && (o == OutcomePartly || o == OutcomeRejected)
}

// Proposal states.
const (
	ProposalPending  = "pending"
	ProposalApproved = "approved"
	ProposalReturned = "returned"
)

// DecisionProposal is a clerk's decision against the person's will, waiting for a team lead's
// co-signature (or co-signed, or returned with a reason).
type DecisionProposal struct {
	ID           int64
	RequestID    string
	Outcome      Outcome
	Ground       RefusalGround
	Motivation   string
	Corrections  string
	ProposedBy   string // staff subject; the co-signer must be someone else
	ProposerName string
	ProposedAt   time.Time
	Status       string
	DecidedBy    string
	DeciderName  string
	DecidedAt    *time.Time
	ReturnReason string
}

// Action returns the decision the proposal would make.
func (p DecisionProposal) Action() Action {
	return Action{Kind: StepDecided, Outcome: p.Outcome, Ground: p.Ground, Note: p.Motivation, Corrections: p.Corrections}
}

// WaitingProposal is a proposal on the team lead's home: what it is about, without the person.
type WaitingProposal struct {
	DecisionProposal
	Reference string
	Kind      RequestKind
	Deadline  time.Time
}

// CoSign is a team lead's answer to a proposal: co-sign it, or return it with the reason.
type CoSign struct {
	ProposalID int64
	Approve    bool
	Reason     string // required when returning
}

// Validate checks the answer on its own.
func (c *CoSign) Validate() error {
	c.Reason = strings.TrimSpace(c.Reason)
	if !c.Approve {
		if m := CheckFreeText(c.Reason, MaxNoteLength); m != "" {
			return &Error{Code: EINVALID, Message: "the reason is not valid", Fields: []FieldError{{Index: -1, Field: "reason", Message: m}}}
		}
		if c.Reason == "" {
			return &Error{Code: EINVALID, Message: "the reason is missing", Fields: []FieldError{{Index: -1, Field: "reason",
				Message: "say why the proposal goes back to the clerk"}}}
		}
	}
	return nil
}

// validGround checks the ground of a decision: required and fitting the kind unless granted in full.
func validGround(kind RequestKind, a *Action) string {
	if a.Outcome == OutcomeGranted || !slices.Contains(Outcomes, a.Outcome) {
		a.Ground = "" // a full grant needs no ground; a form may still send the one chosen before
		return ""
	}
	if !slices.Contains(GroundsFor(kind), a.Ground) {
		return "choose the ground on which the request is not granted in full"
	}
	return ""
}

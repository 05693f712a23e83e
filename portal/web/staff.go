package web

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/inzicht/inzicht/portal"
)

// caseStore is the staff side of rights requests: the queue, the case file (opening it is logged) and the steps.
type caseStore interface {
	Queue(ctx context.Context, f portal.RequestFilter) ([]portal.RightsRequest, error)
	MaskedBSNs(ctx context.Context, subjectIDs []int64) (map[int64]string, error)
	OpenCaseFile(ctx context.Context, id string, by portal.Staff, municipality string) (portal.CaseFile, error)
	// ReopenCaseFile is OpenCaseFile after the staff member's own action: no second view within
	// portal.CaseVisit of their recorded one.
	ReopenCaseFile(ctx context.Context, id string, by portal.Staff, municipality string) (portal.CaseFile, error)
	ActOnRequest(ctx context.Context, id string, by portal.Staff, a portal.Action) (portal.RightsRequest, error)
	// RequestByID reads a request without recording a view: only for what shows nothing of the
	// citizen's (the decision form shown again names the reference and the kind).
	RequestByID(ctx context.Context, id string) (portal.RightsRequest, error)
	// Four eyes on decisions against the person's will (cosign.go).
	Proposals(ctx context.Context, requestID string) ([]portal.DecisionProposal, error)
	WaitingProposals(ctx context.Context, limit int) ([]portal.WaitingProposal, error)
	CoSignDecision(ctx context.Context, requestID string, by portal.Staff, cs portal.CoSign) (portal.RightsRequest, error)
}

// requireRole lets through only staff holding one of the roles.
func (s *server) requireRole(roles ...string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		sess, ok := session(c)
		if !ok || sess.Kind != portal.SessionStaff {
			return s.requireStaff(c)
		}
		if !portal.HasAnyRole(sess.StaffRoles, roles...) {
			return portal.Errorf(portal.EFORBIDDEN, "role not allowed")
		}
		return c.Next()
	}
}

func staffOf(c *fiber.Ctx) portal.Staff {
	sess, _ := session(c)
	return portal.Staff{Sub: sess.StaffSub, Name: sess.StaffName, Roles: sess.StaffRoles}
}

func (s *server) staffHome(c *fiber.Ctx) error {
	sess, _ := session(c)
	data := fiber.Map{
		"Handles": portal.HasAnyRole(sess.StaffRoles, portal.RequestHandlerRoles...), "ConsentSent": c.Query("toestemming") != "",
		"IsCouncil": portal.HasAnyRole(sess.StaffRoles, portal.RoleCouncil),
		"IsOfficer": portal.HasAnyRole(sess.StaffRoles, portal.RolePrivacyOfficer)}
	if portal.HasAnyRole(sess.StaffRoles, portal.RoleTeamLead) {
		if err := s.teamLeadHome(c, data); err != nil {
			return err
		}
	}
	return s.page(c, "medewerker", s.t(lang(c), "staff.title"), data)
}

// queueFilter parses the queue's filters; an unknown value is an error, not silently ignored.
func queueFilter(c *fiber.Ctx) (portal.RequestFilter, error) {
	f := portal.RequestFilter{Kind: portal.RequestKind(c.Query("soort")), Open: true}
	if f.Kind != "" && !slices.Contains(portal.RequestKinds, f.Kind) {
		return f, portal.Errorf(portal.EINVALID, "unknown kind")
	}
	switch st := c.Query("status"); st {
	case "", "open":
	case "alle":
		f.Open = false
	default:
		f.Status, f.Open = portal.RequestStatus(st), false
		if !slices.Contains([]portal.RequestStatus{portal.StatusReceived, portal.StatusHandling, portal.StatusExtended,
			portal.StatusDecided, portal.StatusWithdrawn}, f.Status) {
			return f, portal.Errorf(portal.EINVALID, "unknown status")
		}
	}
	return f, nil
}

// queuePage is how many requests one page of the queue lists.
const queuePage = 100

func (s *server) staffQueue(c *fiber.Ctx) error {
	f, err := queueFilter(c)
	if err != nil {
		return err
	}
	page := 1
	if p := c.Query("pagina"); p != "" {
		if page, err = strconv.Atoi(p); err != nil || page < 1 || page > 100000 {
			return portal.Errorf(portal.EINVALID, "unknown page")
		}
	}
	f.Offset = (page - 1) * queuePage
	return s.renderQueue(c, f, page, "", "")
}

// searchQueue finds requests by (part of) their reference or by the BSN of the person they are about.
// It is a POST so that a BSN typed in is not in an address (browser history, proxy logs); storage looks
// the person up by the BSN's keyed HMAC. Searching lists requests as the queue does: no view recorded.
func (s *server) searchQueue(c *fiber.Ctx) error {
	l := lang(c)
	q := strings.TrimSpace(c.FormValue("zoek"))
	f := portal.RequestFilter{}
	digits := strings.ReplaceAll(strings.ReplaceAll(q, " ", ""), ".", "")
	switch {
	case q == "":
		return s.renderQueue(c, f, 1, q, s.t(l, "staff.search.err.empty"))
	case portal.ValidBSN(digits):
		f.SubjectBSN = digits
		q = portal.MaskBSN(digits) // the typed BSN is not shown back in clear
	case len(digits) == 9 && strings.Trim(digits, "0123456789") == "":
		return s.renderQueue(c, f, 1, "", s.t(l, "staff.search.err.bsn"))
	default:
		if len(q) > 40 {
			return s.renderQueue(c, f, 1, "", s.t(l, "staff.search.err.long"))
		}
		f.Reference = q
	}
	return s.renderQueue(c, f, 1, q, "")
}

func (s *server) renderQueue(c *fiber.Ctx, f portal.RequestFilter, page int, search, searchErr string) error {
	l := lang(c)
	searching := search != "" || searchErr != ""
	f.Limit = queuePage + 1
	var rs []portal.RightsRequest
	if searchErr == "" {
		var err error
		if rs, err = s.caseStore.Queue(c.UserContext(), f); err != nil {
			return err
		}
	}
	more := len(rs) > queuePage
	if more {
		rs = rs[:queuePage]
	}
	ids := make([]int64, len(rs))
	for i, r := range rs {
		ids[i] = r.SubjectID
	}
	masked, err := s.caseStore.MaskedBSNs(c.UserContext(), ids)
	if err != nil {
		return err
	}
	views := make([]queueRow, len(rs))
	for i, r := range rs {
		views[i] = queueRow{RequestView: s.requestView(l, r, true, nil), Citizen: masked[r.SubjectID]}
	}
	status := c.Query("status")
	if status == "" {
		status = "open"
	}
	var summary []fieldMsg
	if searchErr != "" {
		c.Status(fiber.StatusUnprocessableEntity)
		summary = []fieldMsg{{Input: "zoek", Text: searchErr}}
	}
	return s.page(c, "mw_verzoeken", s.t(l, "staff.queue"), fiber.Map{"Requests": views, "Kinds": portal.RequestKinds,
		"Statuses": []portal.RequestStatus{portal.StatusReceived, portal.StatusHandling, portal.StatusExtended,
			portal.StatusDecided, portal.StatusWithdrawn},
		"FKind": string(f.Kind), "FStatus": status, "Updated": c.Query("bijgewerkt"), "Me": staffOf(c).Sub,
		"Search": search, "Searching": searching, "SearchErr": searchErr, "Summary": summary,
		"Page": page, "Prev": page - 1, "Next": page + 1, "More": more && !searching})
}

// queueRow is one line of the queue: the request and whom it is about, as a masked BSN.
type queueRow struct {
	RequestView
	Citizen string
}

// doneParam is the query parameter with which an action returns to its case page: the step done, shown
// as a notice. The page is then read with Reopen…, which records no second view of the case by the
// same staff member within portal.CaseVisit (storage checks the log, so the parameter cannot hide a
// first view).
const doneParam = "gedaan"

// requestDone returns to the request's page after a clerk's action on it.
func requestDone(c *fiber.Ctx, id string, kind portal.StepKind) error {
	return c.Redirect("/medewerker/verzoeken/"+id+"?"+doneParam+"="+string(kind), fiber.StatusSeeOther)
}

// requestDoneSteps are the steps a request's page has a notice for.
var requestDoneSteps = []string{string(portal.StepAssigned), string(portal.StepStarted), string(portal.StepExtended),
	string(portal.StepDecided), string(portal.StepProposed), string(portal.StepReturned), string(noteDone)}

// staffRequest shows a request with the citizen's data in its scope. Opening it is recorded in the
// citizen's processing log in the same transaction that reads the data; shown again right after the
// staff member's own action (doneParam), it is read with ReopenCaseFile.
func (s *server) staffRequest(c *fiber.Ctx) error {
	l := lang(c)
	me := staffOf(c)
	open := s.caseStore.OpenCaseFile
	done := c.Query(doneParam)
	if _, retyped := c.Locals(noteRetyped).(*noteForm); retyped || slices.Contains(requestDoneSteps, done) { // retyped: a refused note (notes.go)
		open = s.caseStore.ReopenCaseFile
	} else {
		done = ""
	}
	cf, err := open(c.UserContext(), c.Params("id"), me, s.cfg.Municipality)
	if err != nil {
		return err
	}
	s.deps.Log.Info("rights request opened", "request", cf.Request.ID, "staff", me.Sub, "role", me.Role())
	rows := make([]Row, len(cf.Events))
	for i, e := range cf.Events {
		rows[i] = s.row(l, e)
		// The clerk deciding sees who did it in which system, as the oversight page shows.
		rows[i].Employee, rows[i].System = e.Actor.EmployeeName, e.System
		if rows[i].Employee == "" {
			rows[i].Employee = e.Actor.EmployeeID
		}
	}
	byID := make(map[string]portal.LoggedEvent, len(cf.Events))
	for _, e := range cf.Events {
		byID[e.ID] = e
	}
	v := s.requestView(l, cf.Request, true, byID)
	judged, err := s.oversightStore.ObjectionJudgements(c.UserContext(), cf.Request.ID) // issue 17: the privacy officer's word
	if err != nil {
		return err
	}
	four, err := s.fourEyes(c, cf.Request)
	if err != nil {
		return err
	}
	notes, note, err := s.caseNotes(c, cf.Request) // issue 17: internal notes
	if err != nil {
		return err
	}
	return s.page(c, "mw_verzoek", s.t(l, "req.title", cf.Request.Reference), &staffRequestPage{R: v, BSN: cf.BSN, Rows: rows, Judged: judged,
		More: cf.More, Staff: true, Max: portal.MaxCaseEvents, Done: done,
		CanStart: portal.CanMove(cf.Request.Status, portal.StatusHandling),
		CanExtend: portal.CanMove(cf.Request.Status, portal.StatusExtended) && !s.deps.Now().After(cf.Request.FirstDeadline) &&
			cf.Request.Kind.Extendable(),
		CanDecide: portal.CanMove(cf.Request.Status, portal.StatusDecided) && four.Pending == nil,
		FourEyes:  four,
		Mine:      cf.Request.AssigneeSub == me.Sub,
		Decision:  s.decisionForm(c, cf.Request, decisionForm{}),
		Extend:    extendForm{Lang: l, CSRF: sessCSRF(c), ID: cf.Request.ID},
		Notes:     notes, Note: note})
}

// staffRequestPage is the data of a clerk's view of a request (mw_verzoek).
type staffRequestPage struct {
	pageBase
	R                                    RequestView
	BSN                                  string
	Rows                                 []Row            // the citizen's events in the request's scope
	Judged                               []portal.Flagged // the privacy officer's judgements linked to this objection
	More                                 bool             // more than Max events
	Staff                                bool             // the rows are shown to staff (no links to the citizen's pages)
	Max                                  int
	Done                                 string // the step just done by this staff member, for a notice
	CanStart, CanExtend, CanDecide, Mine bool
	Decision                             decisionForm
	Extend                               extendForm
	FourEyes                             fourEyesView
	Notes                                []noteView // internal notes, newest first (notes.go)
	Note                                 noteForm
}

// decisionForm is the form deciding a request, as typed, with its errors; it is shown on the
// request's page and, after a mistake, on a page of its own (mw_actie).
type decisionForm struct {
	Lang, CSRF  string
	ID          string // the request
	Correction  bool   // a correction request: record what was corrected where
	Question    bool   // a question: closed with an answer text only (no outcome, ground or preview)
	Outcomes    []portal.Outcome
	OutcomeKey  string // i18n prefix of the outcomes' labels: an Awb objection is decided in the Awb's words
	Outcome     string
	Ground      string
	Motivation  string
	Corrections string
	Grounds     []portal.RefusalGround // the grounds for this kind of request
	CoSignKind  bool                   // a (partial) refusal of this kind is co-signed by a team lead
	Closed      bool                   // the request cannot be decided now: the form is not shown
	Errors      formErrors
}

// decisionInputs names the input of each field of a decision; decisionOrder is their order.
var (
	decisionInputs = map[string]string{"outcome": "besluit", "ground": "grond", "note": "toelichting", "corrections": "correcties"}
	decisionOrder  = []string{"besluit", "grond", "toelichting", "correcties"}
)

// sessCSRF is the session's CSRF token, for a form rendered in a partial.
func sessCSRF(c *fiber.Ctx) string {
	sess, _ := session(c)
	return sess.CSRFToken
}

func (s *server) decisionForm(c *fiber.Ctx, r portal.RightsRequest, f decisionForm) decisionForm {
	f.Lang, f.CSRF, f.ID, f.Outcomes = lang(c), sessCSRF(c), r.ID, portal.Outcomes
	f.OutcomeKey = "outcome."
	if r.Kind == portal.KindAwbObjection {
		f.OutcomeKey = "outcome.awb.short."
	}
	f.Correction = r.Kind == portal.KindCorrection
	f.Question = r.Kind.Answered()
	f.Grounds, f.CoSignKind = portal.GroundsFor(r.Kind), portal.DecisionAgainstWill(r.Kind, portal.OutcomeRejected)
	return f
}

// extendForm is the form extending a request's deadline, as typed, with its errors.
type extendForm struct {
	Lang, CSRF string
	ID         string // the request
	Months     string
	Reason     string
	Errors     formErrors
}

// extendInputs names the input of each field of an extension; extendOrder is their order.
var (
	extendInputs = map[string]string{"months": "maanden", "note": "reden"}
	extendOrder  = []string{"maanden", "reden"}
)

// actionPage is the data of a clerk's form (decision or extension) shown again after a mistake. It
// holds the request's reference and kind only: nothing of the citizen's, so showing it is no view to
// record. One of Decision and Extend is set.
type actionPage struct {
	pageBase
	Reference string
	KindText  string
	Summary   []fieldMsg
	Decision  *decisionForm
	Extend    *extendForm
	Return    *cosignForm
}

// actionRequest reads the request an action is about without recording a view (see actionPage).
func (s *server) actionRequest(c *fiber.Ctx) (portal.RightsRequest, error) {
	return s.caseStore.RequestByID(c.UserContext(), c.Params("id"))
}

func (s *server) renderAction(c *fiber.Ctx, title string, r portal.RightsRequest, p *actionPage) error {
	l := lang(c)
	p.Reference, p.KindText = r.Reference, s.t(l, "kind.law."+string(r.Kind))
	c.Status(fiber.StatusUnprocessableEntity)
	return s.page(c, "mw_actie", s.t(l, title, r.Reference), p)
}

// extend extends a request's deadline. An extension without its reason, or of a wrong number of
// months, is shown again as typed on a page of its own (see decide).
func (s *server) extend(c *fiber.Ctx) error {
	l := lang(c)
	me := staffOf(c)
	f := extendForm{Months: c.FormValue("maanden"), Reason: c.FormValue("toelichting")}
	n, _ := strconv.Atoi(f.Months) // not a number: 0, which the validation refuses
	a := portal.Action{Kind: portal.StepExtended, Note: f.Reason, Months: n}
	r, err := s.actionRequest(c)
	if err != nil {
		return err
	}
	var fe formErrors
	if portal.CanMove(r.Status, portal.StatusExtended) { // else storage says why it cannot be extended
		if fe, err = s.fieldErrors(l, "staff.err.", extendInputs, a.Validate(r.Kind)); err != nil {
			return err
		}
	}
	if fe == nil {
		done, err := s.caseStore.ActOnRequest(c.UserContext(), r.ID, me, a)
		if fe, err = s.fieldErrors(l, "staff.err.", extendInputs, err); err != nil {
			return err
		}
		if fe == nil {
			s.deps.Log.Info("rights request changed", "request", done.ID, "action", portal.StepExtended, "status", done.Status, "staff", me.Sub)
			return requestDone(c, done.ID, portal.StepExtended)
		}
	}
	f.Lang, f.CSRF, f.ID, f.Errors = l, sessCSRF(c), r.ID, fe
	return s.renderAction(c, "staff.extend.title", r, &actionPage{Summary: fe.summary(extendOrder), Extend: &f})
}

// decide records the decision on a request. A decision that breaks a rule (no motivation for a
// partial grant or a rejection, no corrections for a granted correction request) is shown again as
// typed, on a page of its own: showing the request's page again would read the case file, which
// records another "viewed" event in the citizen's log that nobody asked for. That page reads the
// request with RequestByID (no record) and shows only its reference and kind.
func (s *server) decide(c *fiber.Ctx) error {
	ctx := c.UserContext()
	l := lang(c)
	me := staffOf(c)
	f := decisionForm{Outcome: c.FormValue("besluit"), Ground: c.FormValue("grond"), Motivation: c.FormValue("toelichting"),
		Corrections: c.FormValue("correcties")}
	a := portal.Action{Kind: portal.StepDecided, Note: f.Motivation, Corrections: f.Corrections, Outcome: portal.Outcome(f.Outcome),
		Ground: portal.RefusalGround(f.Ground)}
	r, err := s.actionRequest(c)
	if err != nil {
		return err
	}
	if !portal.CanMove(r.Status, portal.StatusDecided) {
		// A second tab, the back button or a colleague was first: say so, with the way back.
		return s.decisionRefused(c, r, "staff.err.closed")
	}
	prefix := "staff.err."
	if r.Kind.Answered() {
		prefix = "staff.err.answer." // a question: the only field is the answer
	}
	fe, err := s.fieldErrors(l, prefix, decisionInputs, a.Validate(r.Kind))
	if err != nil {
		return err
	}
	if fe == nil && c.FormValue("voorbeeld") != "" {
		// A preview of the letter as it would be sent: nothing is stored. The letter shows the citizen's
		// data, so it is read as a view of the same case visit (ReopenCaseFile).
		if !portal.CanMove(r.Status, portal.StatusDecided) {
			return portal.Errorf(portal.EINVALID, "this request cannot be decided now")
		}
		cf, err := s.caseStore.ReopenCaseFile(ctx, r.ID, me, s.cfg.Municipality)
		if err != nil {
			return err
		}
		draft, now := cf.Request, s.deps.Now()
		draft.Outcome, draft.Motivation, draft.Corrections, draft.Ground, draft.DecidedAt = a.Outcome, a.Note, a.Corrections, a.Ground, &now
		draft.CoSigned = portal.DecisionAgainstWill(r.Kind, a.Outcome) // as it will read once co-signed
		return s.writeDecisionPDF(c, draft, s.t(l, "staff.decide.draft"))
	}
	if fe == nil {
		done, err := s.caseStore.ActOnRequest(ctx, r.ID, me, a)
		switch portal.ErrorCode(err) {
		case portal.ECONFLICT:
			return s.decisionRefused(c, r, "staff.err.waiting")
		case portal.EINVALID:
			if cur, rerr := s.actionRequest(c); rerr == nil && !portal.CanMove(cur.Status, portal.StatusDecided) {
				return s.decisionRefused(c, cur, "staff.err.closed") // decided or withdrawn meanwhile
			}
		}
		if fe, err = s.fieldErrors(l, prefix, decisionInputs, err); err != nil {
			return err
		}
		if fe == nil {
			step := portal.StepDecided
			if done.Status != portal.StatusDecided { // against the person's will: proposed to a team lead
				step = portal.StepProposed
			}
			s.deps.Log.Info("rights request changed", "request", done.ID, "action", step, "status", done.Status, "staff", me.Sub)
			return requestDone(c, done.ID, step)
		}
	}
	f.Errors = fe
	d := s.decisionForm(c, r, f)
	return s.renderAction(c, "staff.decide.title", r, &actionPage{Summary: fe.summary(decisionOrder), Decision: &d})
}

// decisionRefused shows why a request cannot be decided now (decided or withdrawn already, or a
// proposal waits for a team lead), with the way back to the request; nothing was stored.
func (s *server) decisionRefused(c *fiber.Ctx, r portal.RightsRequest, key string) error {
	l := lang(c)
	d := s.decisionForm(c, r, decisionForm{})
	d.Closed = true
	p := &actionPage{Summary: []fieldMsg{{Text: s.t(l, key)}}, Decision: &d, Reference: r.Reference,
		KindText: s.t(l, "kind.law."+string(r.Kind))}
	c.Status(fiber.StatusConflict)
	return s.page(c, "mw_actie", s.t(l, "staff.decide.title", r.Reference), p)
}

// staffAct applies an action that takes no input (assign, start) and returns to the request's page
// (read with ReopenCaseFile: no second view of the same visit in the citizen's log).
func (s *server) staffAct(kind portal.StepKind) fiber.Handler {
	return func(c *fiber.Ctx) error {
		a := portal.Action{Kind: kind, Note: c.FormValue("toelichting"), Corrections: c.FormValue("correcties"),
			Outcome: portal.Outcome(c.FormValue("besluit"))}
		me := staffOf(c)
		r, err := s.caseStore.ActOnRequest(c.UserContext(), c.Params("id"), me, a)
		if err != nil {
			return err
		}
		s.deps.Log.Info("rights request changed", "request", r.ID, "action", kind, "status", r.Status, "staff", me.Sub)
		return requestDone(c, r.ID, kind)
	}
}

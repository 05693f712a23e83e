package web

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/inzicht/inzicht/portal"
	"github.com/inzicht/inzicht/portal/pdfexport"
)

// requestStore files and shows a citizen's own rights requests.
type requestStore interface {
	CreateRequest(ctx context.Context, subjectID int64, r portal.NewRequest) (portal.RightsRequest, error)
	Requests(ctx context.Context, subjectID int64) ([]portal.RightsRequest, error)
	Request(ctx context.Context, subjectID int64, id string) (portal.RightsRequest, error)
	WithdrawRequestBy(ctx context.Context, subjectID int64, id, repID string) error
	ScopeEventsAsOf(ctx context.Context, subjectID int64, s portal.Scope, limit int, asOf time.Time) ([]portal.LoggedEvent, bool, error)
	// VisibleTo narrows a list of the person's events to what someone acting for them may see.
	VisibleTo(ctx context.Context, subjectID int64, ids []string, acting *portal.Acting) (map[string]bool, error)
}

// citizenRequest reads a request of the person whose data the page shows. An administrator (bewind,
// financial matters only) reaches only the requests filed under their own representation: the person's
// other requests are about care they may not see (ENOTFOUND, as for another person's request).
func (s *server) citizenRequest(c *fiber.Ctx, id string) (portal.RightsRequest, error) {
	sess, _ := session(c)
	r, err := s.requestStore.Request(c.UserContext(), sess.SubjectID, id)
	if err != nil {
		return r, err
	}
	ok, err := s.requestVisible(c, r)
	if err != nil {
		return portal.RightsRequest{}, err
	}
	if !ok {
		return portal.RightsRequest{}, portal.Errorf(portal.ENOTFOUND, "no such request")
	}
	return r, nil
}

// requestVisible reports whether the reader may see request r: the person always; an administrator only
// the requests filed under their own representation; no representative a request about a signal that
// is hidden from them.
func (s *server) requestVisible(c *fiber.Ctx, r portal.RightsRequest) (bool, error) {
	a := actingOf(c)
	if a == nil {
		return true, nil
	}
	if a.FinancialOnly() && (r.FiledBy == nil || r.FiledBy.RepresentationID != a.Rep.ID) {
		return false, nil
	}
	if r.SignalID != "" {
		_, err := s.signalStore.CitizenSignal(c.UserContext(), r.SubjectID, a.Rep.ID, r.SignalID)
		if portal.ErrorCode(err) == portal.ENOTFOUND {
			return false, nil
		}
		if err != nil {
			return false, err
		}
	}
	return true, nil
}

// inboxStore is the citizen's message box (the layout shows its unread count), read through a
// portal.MessageFilter: while acting for someone else, only what the representation may see.
type inboxStore interface {
	InboxMessages(ctx context.Context, f portal.MessageFilter, limit int) ([]portal.Message, error)
	MarkInboxRead(ctx context.Context, f portal.MessageFilter, ids []int64) error
	InboxUnreadCount(ctx context.Context, f portal.MessageFilter) (int, error)
}

// StepView is one timeline entry as shown, in the reader's language.
type StepView struct {
	At    time.Time
	What  string
	Who   string
	Note  string
	Extra string
}

// RequestView is a request as shown to its citizen or to staff.
type RequestView struct {
	portal.RightsRequest
	KindText   string
	KindShort  string
	StatusText string
	Scope      []string
	Outcome    string
	Timeline   []StepView
	DaysLeft   int
	Late       bool
	// FiledByText and WithdrawnByText name a representative who filed or withdrew the request for
	// the person: for the citizen "Eva de Vries (ouder met gezag) namens Daan de Vries", for staff with
	// the capacity and the representation's reference spelled out; "" when the person did it.
	FiledByText     string
	WithdrawnByText string
	// Question: a question, closed with an answer (RightsRequest.Motivation) instead of a decision.
	Question bool
	// Objection: for a decided AVG request, whether an Awb objection can still be filed (until
	// ObjectionEnd, six weeks after the decision) or the period has passed.
	CanObject, ObjectionPassed bool
	ObjectionEnd               time.Time
	// Awb: an objection under the Awb, decided in Awb terms (gegrond, gedeeltelijk gegrond, ongegrond);
	// once decided, CanAppeal says an appeal to the court is still possible (until ObjectionEnd, six
	// weeks after the decision), AppealPassed that the period has passed.
	Awb                     bool
	CanAppeal, AppealPassed bool
	// OutcomeLong is the decision in full words ("Gegrond: u krijgt gelijk …"); "" while undecided
	// and for a question.
	OutcomeLong string
	// WithdrawnAt is when the request was withdrawn (from its timeline; nil when not withdrawn or
	// the timeline was not loaded).
	WithdrawnAt *time.Time
}

func (s *server) requestView(l string, r portal.RightsRequest, staff bool, events map[string]portal.LoggedEvent) RequestView {
	now := s.deps.Now()
	v := RequestView{RightsRequest: r, KindText: s.t(l, "kind.law."+string(r.Kind)), KindShort: s.t(l, "kind.short."+string(r.Kind)),
		StatusText: s.t(l, "status."+string(r.Status)), Scope: s.scopeLines(l, r.Scope, events),
		DaysLeft: r.DaysLeft(now), Late: r.Overdue(now)}
	v.Question = r.Kind.Answered()
	if v.Question && r.Status == portal.StatusDecided {
		v.StatusText = s.t(l, "req.answered") // a question is answered, not decided
	}
	v.Awb = r.Kind == portal.KindAwbObjection
	if r.Outcome != "" {
		v.Outcome, v.OutcomeLong = s.outcomeText(l, r.Kind, r.Outcome)
	}
	if r.Status == portal.StatusDecided && r.DecidedAt != nil {
		// Six weeks after the decision for an Awb objection against it, and for an appeal to the
		// court against the decision on that objection (Awb art. 6:7).
		v.ObjectionEnd = portal.ObjectionPeriodEnd(*r.DecidedAt)
		open, passed := !now.After(v.ObjectionEnd), now.After(v.ObjectionEnd)
		switch {
		case r.Kind.AVG():
			v.CanObject, v.ObjectionPassed = open, passed
		case v.Awb:
			v.CanAppeal, v.AppealPassed = open, passed
		}
	}
	if staff {
		v.FiledByText = s.staffOnBehalf(l, "staff.onbehalf.filed", r.FiledBy)
		v.WithdrawnByText = s.staffOnBehalf(l, "staff.onbehalf.withdrawn", r.WithdrawnBy)
	} else {
		v.FiledByText, v.WithdrawnByText = s.onBehalfText(l, r.FiledBy), s.onBehalfText(l, r.WithdrawnBy)
	}
	for _, st := range r.Steps {
		sv := StepView{At: st.At, What: s.t(l, s.stepKey(r.Kind, st.Kind)), Who: s.stepActor(l, st, staff)}
		// The citizen's step taken by a representative says so: "Ingediend door Eva de Vries (ouder
		// met gezag) namens Daan de Vries".
		if by := map[portal.StepKind]*portal.OnBehalf{portal.StepFiled: r.FiledBy, portal.StepWithdrawn: r.WithdrawnBy}[st.Kind]; by != nil && st.ActorKind == portal.ByCitizen {
			sv.What, sv.Who = s.t(l, "onbehalf.step."+string(st.Kind), s.representativeText(l, by), by.SubjectName), ""
		}
		if staff && st.ActorKind != portal.ByCitizen { // staff wording, not the sentence written to the citizen
			sv.What = s.t(l, "staff.step."+string(st.Kind))
			if st.Kind == portal.StepAssigned {
				sv.What, sv.Who = s.t(l, "staff.step.assigned", st.ActorName), ""
			}
		}
		switch st.Kind {
		case portal.StepExtended:
			sv.Note = st.Note
		case portal.StepWithdrawn:
			sv.Note = st.Note
			if v.WithdrawnAt == nil && r.Status == portal.StatusWithdrawn {
				at := st.At
				v.WithdrawnAt = &at
			}
		case portal.StepDecided:
			sv.Note, _ = s.outcomeText(l, r.Kind, portal.Outcome(st.Note))
			if v.Question { // answered, not decided: the answer itself is shown above
				sv.What, sv.Note = s.t(l, "step.answered"), ""
				if staff {
					sv.What = s.t(l, "staff.step.answered")
				}
			}
		}
		v.Timeline = append(v.Timeline, sv)
	}
	return v
}

// stepKey is the key of a timeline step's words: a question is asked and an Awb objection filed, not
// "Verzoek ingediend"; the other steps and kinds share their words.
func (s *server) stepKey(k portal.RequestKind, st portal.StepKind) string {
	own := map[portal.StepKind]bool{portal.StepFiled: true, portal.StepAssigned: true, portal.StepStarted: true, portal.StepWithdrawn: true}
	switch {
	case k.Answered() && (own[st] || st == portal.StepOverdue):
		return "step." + string(st) + ".question"
	case k == portal.KindAwbObjection && (own[st] || st == portal.StepDecided):
		return "step." + string(st) + ".awb"
	}
	return "step." + string(st)
}

// outcomeText is a decision's outcome in short ("Toegewezen") and in full words, in the terms of the
// request's kind: an Awb objection is gegrond, gedeeltelijk gegrond or ongegrond, a question is answered.
func (s *server) outcomeText(l string, k portal.RequestKind, o portal.Outcome) (short, long string) {
	switch {
	case k.Answered():
		return s.t(l, "req.answered"), ""
	case k == portal.KindAwbObjection:
		return s.t(l, "outcome.awb.short."+string(o)), s.t(l, "outcome.awb."+string(o))
	}
	return s.t(l, "outcome.short."+string(o)), s.t(l, "outcome."+string(o))
}

// stepActor names who did a step: the role for citizens (and the name where employees are shown),
// the name and role for staff.
func (s *server) stepActor(l string, st portal.Step, staff bool) string {
	switch st.ActorKind {
	case portal.ByCitizen:
		if staff {
			return s.t(l, "staff.citizen.actor")
		}
		return s.t(l, "by.citizen")
	case portal.BySystem:
		return s.t(l, "by.system")
	}
	role := s.t(l, "by.staff")
	switch st.ActorRole {
	case portal.RoleClerk, portal.RoleTeamLead, portal.RolePrivacyOfficer:
		role = s.t(l, "by."+st.ActorRole)
	}
	if (staff || s.cfg.ShowEmployee) && st.ActorName != "" {
		return role + " (" + st.ActorName + ")"
	}
	return role
}

// representativeText names a representative with their capacity: "Eva de Vries (ouder met gezag)",
// or "een vertegenwoordiger (ouder met gezag)" when no name was registered.
func (s *server) representativeText(l string, o *portal.OnBehalf) string {
	capacity := s.t(l, "rep.capacity."+o.Kind)
	if o.RepresentativeName == "" {
		return s.t(l, "onbehalf.who.unnamed", capacity)
	}
	return s.t(l, "onbehalf.who", o.RepresentativeName, capacity)
}

// onBehalfText is "Eva de Vries (ouder met gezag) namens Daan de Vries"; "" for nil.
func (s *server) onBehalfText(l string, o *portal.OnBehalf) string {
	if o == nil {
		return ""
	}
	return s.t(l, "onbehalf.for", s.representativeText(l, o), o.SubjectName)
}

// staffOnBehalf spells out for staff who acted in which capacity under which representation (key:
// staff.onbehalf.filed or .withdrawn); "" for nil. A list (without names) gives the capacity only.
func (s *server) staffOnBehalf(l, key string, o *portal.OnBehalf) string {
	if o == nil {
		return ""
	}
	capacity := s.t(l, "rep.capacity."+o.Kind)
	if o.RepresentativeName == "" {
		return s.t(l, key+".unnamed", capacity, o.Ref())
	}
	return s.t(l, key, o.RepresentativeName, capacity, o.Ref())
}

// scopeLines describes a scope; single events are named by time, organisation and task when known.
func (s *server) scopeLines(l string, sc portal.Scope, events map[string]portal.LoggedEvent) []string {
	if sc.All {
		return []string{s.t(l, "req.scope.all")}
	}
	var out []string
	for _, o := range sc.Organizations {
		out = append(out, s.t(l, "req.scope.org", o))
	}
	for _, c := range sc.Categories {
		out = append(out, s.t(l, "req.scope.cat", s.category(l, c)))
	}
	for _, id := range sc.EventIDs {
		if e, ok := events[id]; ok {
			out = append(out, s.t(l, "req.scope.event.known", FormatDateTime(l, e.OccurredAt), e.Actor.Organization, e.Activity.Name.In(l)))
		} else {
			out = append(out, s.t(l, "req.scope.event", id))
		}
	}
	return out
}

// scopeEvents loads the single events a citizen's request names (at most portal.MaxScopeItems).
func (s *server) scopeEvents(c *fiber.Ctx, r portal.RightsRequest) (map[string]portal.LoggedEvent, error) {
	m := map[string]portal.LoggedEvent{}
	for _, id := range r.Scope.EventIDs {
		e, err := s.logStore.EventFor(c.UserContext(), r.SubjectID, id, actingOf(c))
		if portal.ErrorCode(err) == portal.ENOTFOUND {
			continue // confidential again, or gone: named by id
		}
		if err != nil {
			return nil, err
		}
		m[id] = e
	}
	return m, nil
}

func (s *server) requestList(c *fiber.Ctx) error {
	sess, _ := session(c)
	l := lang(c)
	rs, err := s.requestStore.Requests(c.UserContext(), sess.SubjectID)
	if err != nil {
		return err
	}
	views := make([]RequestView, 0, len(rs))
	for _, r := range rs {
		ok, err := s.requestVisible(c, r)
		if err != nil {
			return err
		}
		if ok {
			views = append(views, s.requestView(l, r, false, nil))
		}
	}
	return s.page(c, "verzoeken", s.t(l, "req.list.title"), &requestListPage{Requests: views})
}

// requestListPage is the data of a citizen's list of requests.
type requestListPage struct {
	pageBase
	Requests []RequestView
}

// requestFormPage is the data of the citizen's new-request form.
type requestFormPage struct {
	pageBase
	Form        requestForm
	HasErrors   bool
	Kinds       []string
	Summary     portal.Summary // the organisations and categories to choose from
	Linked      []Row          // the events the request starts from
	MailEnabled bool
	Email       *portal.EmailStatus // nil without mail
}

// requestPage is the data of a citizen's request.
type requestPage struct {
	pageBase
	R           RequestView
	Created     bool // just filed
	MailEnabled bool
	Email       *portal.EmailStatus // nil without mail
	// Confirm: the page asks to confirm a withdrawal (GET …/intrekken). Withdrawn: the request was
	// just withdrawn (?gedaan=ingetrokken), for the success notice.
	Confirm, Withdrawn bool
	// WithdrawnText says when and by whom a withdrawn request was withdrawn.
	WithdrawnText string
	// Refused says why the request cannot be withdrawn (any more): it was withdrawn already, or is
	// decided or answered. LimitMsg: the withdrawal hit the filing limit.
	Refused, LimitMsg string
}

// requestForm is the new-request form as typed, with its errors.
type requestForm struct {
	Kind          string
	All           bool
	Organizations []string
	Categories    []string
	EventIDs      []string
	Description   string
	Email         string
	SignalID      string // the signal the request is about, when filed from its page
	Errors        map[string]string
}

func (s *server) newRequestPage(c *fiber.Ctx) error {
	f := requestForm{Kind: c.Query("soort"), All: true}
	if id := strings.ToLower(c.Query("melding")); id != "" {
		// A request about a signal: the citizen's own words start with which signal it is.
		sess, _ := session(c)
		if !sess.Acting.Covers(portal.PartSignals) {
			return portal.Errorf(portal.ENOTFOUND, "no such signal")
		}
		sg, err := s.signalStore.CitizenSignal(c.UserContext(), sess.SubjectID, sess.Acting.RepresentationID(), id)
		if err != nil {
			return err
		}
		l := lang(c)
		f.Description = s.t(l, "sig.request.text", FormatDate(l, sg.ReceivedAt), s.t(l, "sigcat."+sg.Nature.Category)) + "\n\n"
		f.SignalID = sg.ID
	}
	if id := strings.ToLower(c.Query("verwerking")); id != "" {
		if !portal.ValidEventID(id) {
			return portal.Errorf(portal.ENOTFOUND, "no such processing event")
		}
		f.EventIDs, f.All = []string{id}, false
		if f.Kind == "" {
			f.Kind = string(portal.KindObjection)
		}
	}
	return s.renderRequestForm(c, f, fiber.StatusOK)
}

func (s *server) renderRequestForm(c *fiber.Ctx, f requestForm, status int) error {
	sess, _ := session(c)
	ctx := c.UserContext()
	l := lang(c)
	var sum portal.Summary
	if sess.Acting.Covers(portal.PartLog) {
		var err error
		if sum, err = s.logStore.SummaryFor(ctx, sess.SubjectID, sess.Acting); err != nil {
			return err
		}
	} else if len(f.EventIDs) > 0 {
		// A representation without the log part does not show processing lines.
		return portal.Errorf(portal.ENOTFOUND, "no such processing event")
	}
	var linked []Row
	for _, id := range f.EventIDs {
		e, err := s.logStore.EventFor(ctx, sess.SubjectID, id, sess.Acting)
		if err != nil {
			return err
		}
		linked = append(linked, s.row(l, e))
	}
	kinds := make([]string, len(portal.FormKinds))
	for i, k := range portal.FormKinds {
		kinds[i] = string(k)
	}
	// The notification address is the person's own: a representative neither sees nor changes it.
	mail := s.cfg.MailEnabled && sess.Acting == nil
	data := &requestFormPage{Form: f, Kinds: kinds, Summary: sum, Linked: linked, MailEnabled: mail,
		HasErrors: len(f.Errors) > 0}
	if mail {
		st, err := s.emailStore.EmailStatus(ctx, sess.SubjectID)
		if err != nil {
			return err
		}
		data.Email = &st
	}
	c.Status(status)
	return s.page(c, "verzoek_nieuw", s.t(l, "req.new.title"), data)
}

func (s *server) createRequest(c *fiber.Ctx) error {
	sess, _ := session(c)
	args := c.Request().PostArgs()
	multi := func(k string) []string {
		var out []string
		for _, v := range args.PeekMulti(k) {
			if v := strings.TrimSpace(string(v)); v != "" && !slices.Contains(out, v) {
				out = append(out, v)
			}
		}
		return out
	}
	f := requestForm{Kind: c.FormValue("soort"), All: c.FormValue("omvang") == "alles",
		Organizations: multi("organisatie"), Categories: multi("categorie"), EventIDs: multi("verwerking"),
		Description: c.FormValue("toelichting"), Email: c.FormValue("email"), SignalID: strings.ToLower(c.FormValue("melding"))}
	if f.SignalID != "" {
		// Only a signal the person filing may see; a request about it is then hidden wherever the
		// signal is (a representative without a release does not see either).
		if !sess.Acting.Covers(portal.PartSignals) {
			return portal.Errorf(portal.ENOTFOUND, "no such signal")
		}
		if _, err := s.signalStore.CitizenSignal(c.UserContext(), sess.SubjectID, sess.Acting.RepresentationID(), f.SignalID); err != nil {
			return err
		}
	}
	nr := portal.NewRequest{Kind: portal.RequestKind(f.Kind), Description: f.Description, SignalID: f.SignalID,
		Scope: portal.Scope{All: f.All, Organizations: f.Organizations, Categories: f.Categories, EventIDs: slices.Clone(f.EventIDs)}}
	if !slices.Contains(portal.FormKinds, nr.Kind) {
		nr.Kind = "" // an Awb objection is filed from its decision's page (objection.go), not here
	}
	if s.cfg.MailEnabled && sess.Acting == nil {
		nr.Email = f.Email
	}
	// A representative files for the person; the representation is stored with the request.
	nr.ByRepresentation = actingOf(c).RepresentationID()
	err := nr.Validate()
	if err == nil {
		var r portal.RightsRequest
		r, err = s.requestStore.CreateRequest(c.UserContext(), sess.SubjectID, nr)
		if err == nil {
			s.deps.Log.Info("rights request filed", "request", r.ID, "kind", r.Kind)
			return c.Redirect("/verzoeken/"+r.ID+"?nieuw=1", fiber.StatusSeeOther)
		}
	}
	l := lang(c)
	if msg, at, ok := s.limitMessage(l, err); ok {
		// The form again, as typed, saying what the limit is and when the person can file again.
		var le *portal.LimitError
		errors.As(err, &le)
		s.deps.Log.Info("filing limit reached", "kind", le.Kind)
		f.Errors = map[string]string{"limit": msg}
		if le.Kind == portal.FilingConfirmation {
			f.Errors = map[string]string{"email": msg}
		}
		s.setRetryAfter(c, at)
		return s.renderRequestForm(c, f, fiber.StatusTooManyRequests)
	}
	var pe *portal.Error
	if portal.ErrorCode(err) != portal.EINVALID || !errors.As(err, &pe) {
		return err
	}
	f.Errors = map[string]string{}
	for _, fe := range pe.Fields {
		f.Errors[fe.Field] = s.t(l, "req.err."+fe.Field)
		if fe.Field == "description" && nr.Kind == portal.KindQuestion {
			f.Errors[fe.Field] = s.t(l, "req.err.question")
		}
		if fe.Message == portal.MsgBSNInText {
			f.Errors[fe.Field] = s.t(l, "form.err.bsn")
		}
	}
	// Links to events that do not exist are dropped, so the form can be shown again.
	if _, bad := f.Errors["scope"]; bad {
		f.EventIDs = nil
	}
	return s.renderRequestForm(c, f, fiber.StatusUnprocessableEntity)
}

func (s *server) requestDetail(c *fiber.Ctx) error {
	r, err := s.citizenRequest(c, c.Params("id"))
	if err != nil {
		return err
	}
	data, err := s.requestPageData(c, r)
	if err != nil {
		return err
	}
	data.Created = c.Query("nieuw") == "1"
	// The notice is shown only when it is true: a link with ?gedaan= to an open request says nothing.
	data.Withdrawn = c.Query("gedaan") == "ingetrokken" && r.Status == portal.StatusWithdrawn
	return s.page(c, "verzoek", s.t(lang(c), "req.title", r.Reference), data)
}

// requestPageData is the page of request r as the logged-in person sees it.
func (s *server) requestPageData(c *fiber.Ctx, r portal.RightsRequest) (*requestPage, error) {
	sess, _ := session(c)
	l := lang(c)
	evs, err := s.scopeEvents(c, r)
	if err != nil {
		return nil, err
	}
	v := s.requestView(l, r, false, evs)
	mail := s.cfg.MailEnabled && sess.Acting == nil
	data := &requestPage{R: v, MailEnabled: mail, WithdrawnText: s.withdrawnText(l, v, sess.Acting)}
	if mail {
		st, err := s.emailStore.EmailStatus(c.UserContext(), sess.SubjectID)
		if err != nil {
			return nil, err
		}
		data.Email = &st
	}
	return data, nil
}

// withdrawnText says when and by whom a withdrawn request was withdrawn, to the reader: "U heeft …"
// to the person, the person by name to someone acting for them, a representative by name and
// capacity. "" for a request that is not withdrawn.
func (s *server) withdrawnText(l string, v RequestView, acting *portal.Acting) string {
	if v.Status != portal.StatusWithdrawn {
		return ""
	}
	at := ""
	if v.WithdrawnAt != nil {
		at = FormatDateTime(l, *v.WithdrawnAt)
	}
	switch {
	case v.WithdrawnBy != nil && at != "":
		return s.t(l, "req.withdrawn.rep", s.onBehalfText(l, v.WithdrawnBy), at)
	case v.WithdrawnBy != nil:
		return s.t(l, "req.withdrawn.rep.nodate", s.onBehalfText(l, v.WithdrawnBy))
	case acting != nil && at != "":
		return s.t(l, "req.withdrawn.person", acting.Rep.SubjectName, at)
	case acting != nil:
		return s.t(l, "req.withdrawn.person.nodate", acting.Rep.SubjectName)
	case at != "":
		return s.t(l, "req.withdrawn.self", at)
	}
	return s.t(l, "req.withdrawn.self.nodate")
}

// withdrawRequestPage asks the person to confirm withdrawing their request, saying what happens then;
// nothing changes until they confirm (the POST). A request that can no longer be withdrawn (the back
// button, a second tab) shows its page saying why, not an error.
func (s *server) withdrawRequestPage(c *fiber.Ctx) error {
	r, err := s.citizenRequest(c, c.Params("id"))
	if err != nil {
		return err
	}
	data, err := s.requestPageData(c, r)
	if err != nil {
		return err
	}
	l := lang(c)
	if !r.Open() {
		data.Refused = s.withdrawRefusal(l, data)
		return s.page(c, "verzoek", s.t(l, "req.title", r.Reference), data)
	}
	data.Confirm = true
	return s.page(c, "verzoek", s.t(l, confirmTitle(r)), data)
}

// confirmTitle is the key of the title of the page that asks to confirm withdrawing r.
func confirmTitle(r portal.RightsRequest) string {
	if r.Kind.Answered() {
		return "req.withdraw.confirm.title.question"
	}
	return "req.withdraw.confirm.title"
}

// withdrawRefusal says why a request that is not open cannot be withdrawn.
func (s *server) withdrawRefusal(l string, data *requestPage) string {
	switch {
	case data.R.Status == portal.StatusWithdrawn:
		return s.t(l, "req.withdraw.already", data.WithdrawnText)
	case data.R.Question:
		return s.t(l, "req.withdraw.answered")
	}
	return s.t(l, "req.withdraw.decided")
}

// withdrawRequest withdraws the person's request once they confirmed it, and shows its page with a
// notice. Sent again (a double click, the back button) or for a request decided meanwhile, it changes
// nothing and shows the page saying why (409), recorded for a representative as a view, not as a
// withdrawal. A withdrawal past the filing limit shows the confirmation again with the limit (429).
func (s *server) withdrawRequest(c *fiber.Ctx) error {
	sess, _ := session(c)
	l := lang(c)
	id := c.Params("id")
	r, err := s.citizenRequest(c, id)
	if err != nil {
		return err
	}
	if r.Open() {
		err = s.requestStore.WithdrawRequestBy(c.UserContext(), sess.SubjectID, id, actingOf(c).RepresentationID())
		if err == nil {
			s.deps.Log.Info("rights request withdrawn", "request", r.ID)
			return c.Redirect("/verzoeken/"+r.ID+"?gedaan=ingetrokken", fiber.StatusSeeOther)
		}
		if msg, at, ok := s.limitMessage(l, err); ok {
			data, derr := s.requestPageData(c, r)
			if derr != nil {
				return derr
			}
			data.Confirm, data.LimitMsg = true, msg
			s.setRetryAfter(c, at)
			c.Status(fiber.StatusTooManyRequests)
			return s.page(c, "verzoek", s.t(l, confirmTitle(r)), data)
		}
		if portal.ErrorCode(err) != portal.EINVALID {
			return err
		}
		// Decided or withdrawn between the read and the lock: read it again and say so.
		werr := err
		if r, err = s.citizenRequest(c, id); err != nil {
			return err
		}
		if r.Open() {
			return werr
		}
	}
	data, err := s.requestPageData(c, r)
	if err != nil {
		return err
	}
	data.Refused = s.withdrawRefusal(l, data)
	if sess.Acting != nil {
		// Nothing was withdrawn: what the representative did was see the request.
		if err := s.recordAct(c, sess, portal.ActViewRequest, r.ID); err != nil {
			return err
		}
	}
	c.Status(fiber.StatusConflict)
	return s.page(c, "verzoek", s.t(l, "req.title", r.Reference), data)
}

func (s *server) letter(c *fiber.Ctx, r portal.RightsRequest) (pdfexport.Letter, error) {
	bsn, err := s.logStore.SubjectBSN(c.UserContext(), r.SubjectID)
	if err != nil {
		return pdfexport.Letter{}, err
	}
	return pdfexport.Letter{Lang: lang(c), Municipality: s.cfg.Municipality, Reference: r.Reference,
		IssuedAt: s.deps.Now(), MaskedBSN: portal.MaskBSN(bsn)}, nil
}

// letterFiledBy is the letters' line naming a representative who filed the request; "" for nil.
func (s *server) letterFiledBy(l string, o *portal.OnBehalf) string {
	if o == nil {
		return ""
	}
	return s.t(l, "onbehalf.letter", s.representativeText(l, o), o.SubjectName)
}

// MessageView is an inbox entry as shown.
type MessageView struct {
	portal.Message
	Text string
	New  bool
}

func (s *server) messagesPage(c *fiber.Ctx) error {
	sess, _ := session(c)
	l := lang(c)
	ctx := c.UserContext()
	ms, err := s.inboxStore.InboxMessages(ctx, portal.InboxFilter(sess.SubjectID, sess.Acting), 100)
	if err != nil {
		return err
	}
	views := make([]MessageView, len(ms))
	var unread []string
	for i, m := range ms {
		var text string
		if m.Kind == portal.MessageAccessAlert {
			text = s.t(l, "msg.access_alert."+string(m.Status))
		} else if m.Kind == portal.MessageUnjustifiedAccess {
			text = s.t(l, "msg.unjustified_access")
			if m.Reference != "" {
				text += " " + s.t(l, "msg.unjustified_access.objection", m.Reference)
			}
		} else if m.ConsentID != "" {
			text = s.t(l, "msg."+string(m.Kind))
		} else if m.SignalID != "" {
			text = s.t(l, "msg.signal")
		} else if m.Kind == portal.StepExtended {
			text = s.t(l, "msg.extended", m.Reference, m.Note)
		} else if filed := m.Kind == portal.StepFiled || m.Kind == portal.StepFiled+portal.MessageByRepresentative; filed &&
			m.FirstDeadline != nil && m.RequestKind != portal.KindQuestion {
			// Received: by when the decision comes, as a date (not "the date on the request").
			key := "msg." + string(m.Kind) + ".date"
			if m.RequestKind == portal.KindAwbObjection {
				key += ".awb"
			}
			text = s.t(l, key, m.Reference, FormatDate(l, *m.FirstDeadline))
		} else if m.RequestKind == portal.KindQuestion && (m.Kind == portal.StepFiled || m.Kind == portal.StepDecided) {
			text = s.t(l, "msg.question."+string(m.Kind), m.Reference)
		} else {
			text = s.t(l, "msg."+string(m.Kind), m.Reference)
		}
		views[i] = MessageView{Message: m, Text: text, New: m.ReadAt == nil}
		if m.ReadAt == nil {
			unread = append(unread, strconv.FormatInt(m.ID, 10))
		}
	}
	// Reading a page changes nothing (GET never changes state): the citizen marks what they read.
	return s.page(c, "berichten", s.t(l, "msg.title"), fiber.Map{"Messages": views, "Unread": len(unread),
		"UnreadIDs": strings.Join(unread, ",")})
}

// markRead marks the messages the citizen saw as read (their ids come from the form; another
// citizen's ids are ignored by storage).
func (s *server) markRead(c *fiber.Ctx) error {
	sess, _ := session(c)
	if sess.Acting != nil {
		// The messages are the person's: a representative reading them leaves them new for the person.
		return portal.Errorf(portal.EFORBIDDEN, "only the person marks their messages as read")
	}
	var ids []int64
	for _, f := range strings.Split(c.FormValue("ids"), ",") {
		if n, err := strconv.ParseInt(strings.TrimSpace(f), 10, 64); err == nil && len(ids) < 500 {
			ids = append(ids, n)
		}
	}
	if err := s.inboxStore.MarkInboxRead(c.UserContext(), portal.InboxFilter(sess.SubjectID, sess.Acting), ids); err != nil {
		return err
	}
	return c.Redirect("/berichten", fiber.StatusSeeOther)
}

// groundLetter is the ground of a (partial) refusal in the letter's words, or "".
func (s *server) groundLetter(l string, g portal.RefusalGround) string {
	if g == "" {
		return ""
	}
	return s.t(l, "ground.letter."+string(g))
}

package web

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/inzicht/inzicht/portal"
)

// signalStore registers signals and keeps their deferrals and retention decisions; citizens read their own.
type signalStore interface {
	RegisterSignal(ctx context.Context, ns portal.NewSignal, source string, apiKeyID int64, by *portal.Staff,
		deferral *portal.DeferralRequest, p portal.SignalPolicy) (portal.Signal, bool, error)
	CitizenSignals(ctx context.Context, subjectID int64, repID string) ([]portal.Signal, error)
	CitizenSignal(ctx context.Context, subjectID int64, repID, id string) (portal.Signal, error)
	OpenSignal(ctx context.Context, id string, by portal.Staff, municipality string) (portal.SignalCase, error)
	// ReopenSignal is OpenSignal after the staff member's own action (see ReopenCaseFile).
	ReopenSignal(ctx context.Context, id string, by portal.Staff, municipality string) (portal.SignalCase, error)
	StaffSignals(ctx context.Context, limit int) ([]portal.Signal, error)
	RequestDeferral(ctx context.Context, id string, by portal.Staff, d portal.DeferralRequest, p portal.SignalPolicy) error
	DecideDeferral(ctx context.Context, id string, deferralID int64, by portal.Staff, approve bool) error
	TellSignal(ctx context.Context, id string) error
	SetSubjectSummary(ctx context.Context, id string, by portal.Staff, text string) error
	DecideRetention(ctx context.Context, id string, by portal.Staff, c portal.RetentionChoice, p portal.SignalPolicy) error
	RequestSignalRelease(ctx context.Context, signalID, representationID, reason string, by portal.Staff) (portal.SignalRelease, error)
	DecideSignalRelease(ctx context.Context, signalID string, releaseID int64, approve bool, by portal.Staff) error
	SignalReleases(ctx context.Context, signalID string) ([]portal.SignalRelease, error)
}

// SignalView is a signal as shown, in the reader's language.
type SignalView struct {
	portal.Signal
	CategoryText string
	RetentionTxt string
	Hidden       bool // staff: the citizen has not been told
	Held         bool // staff: held until HoldUntil, while a clerk decides whether to ask for a deferral
	Pending      bool // staff: a deferral awaits a team lead
	ReviewSoon   bool // staff: an approved deferral's review date is within a week, or passed
	DecisionLate bool // staff: no retention decision by its due date
	KeepReview   bool // staff: a kept signal's review date has passed
	Deferral     *portal.Deferral
	ReporterText string // staff only
	// T are the texts for the person in the reader's language (portal.NewSignal.Texts); DutchOnly:
	// the page is English but the text exists in Dutch only, so the page says so and marks it Dutch.
	T         portal.SignalTexts
	DutchOnly bool
}

func (s *server) signalView(l string, sg portal.Signal) SignalView {
	now := s.deps.Now()
	v := SignalView{Signal: sg, CategoryText: s.t(l, "sigcat."+sg.Nature.Category), Hidden: !sg.Told(), Held: sg.Held(now),
		T: sg.Texts(l)}
	v.DutchOnly = v.T.DutchOnly(l)
	if sg.Retention != "" {
		v.RetentionTxt = s.t(l, "retention."+sg.Retention)
	}
	if d, ok := sg.PendingDeferral(); ok {
		v.Pending, v.Deferral = true, &d
	} else if d, ok := sg.ActiveDeferral(now); ok {
		v.Deferral = &d
		v.ReviewSoon = d.ReviewAt.Before(now.AddDate(0, 0, 7))
	}
	v.DecisionLate = sg.Retention == "" && now.After(sg.DecisionDue)
	v.KeepReview = sg.Retention == portal.RetainKeep && sg.ReviewAt != nil && now.After(*sg.ReviewAt)
	if sg.ReporterKind != "" {
		v.ReporterText = s.t(l, "reporter."+sg.ReporterKind)
	}
	return v
}

func (s *server) citizenSignals(c *fiber.Ctx) error {
	sess, _ := session(c)
	l := lang(c)
	ss, err := s.signalStore.CitizenSignals(c.UserContext(), sess.SubjectID, sess.Acting.RepresentationID())
	if err != nil {
		return err
	}
	views := make([]SignalView, len(ss))
	for i, sg := range ss {
		views[i] = s.signalView(l, sg)
	}
	return s.page(c, "signalen", s.t(l, "sig.title"), fiber.Map{"Signals": views})
}

func (s *server) citizenSignal(c *fiber.Ctx) error {
	sess, _ := session(c)
	l := lang(c)
	sg, err := s.signalStore.CitizenSignal(c.UserContext(), sess.SubjectID, sess.Acting.RepresentationID(), strings.ToLower(c.Params("id")))
	if err != nil {
		return err
	}
	return s.page(c, "signaal", s.t(l, "sig.detail"), fiber.Map{"S": s.signalView(l, sg)})
}

// staffSignals is the team's list: what needs a decision first, then everything, without content.
func (s *server) staffSignals(c *fiber.Ctx) error {
	l := lang(c)
	ss, err := s.signalStore.StaffSignals(c.UserContext(), 500)
	if err != nil {
		return err
	}
	var all, attention []SignalView
	counts := map[string]int{"pending": 0, "review": 0, "late": 0, "keep": 0, "hidden": 0}
	for _, sg := range ss {
		v := s.signalView(l, sg)
		all = append(all, v)
		if v.Pending || v.ReviewSoon || v.DecisionLate || v.KeepReview || v.Held {
			attention = append(attention, v)
		}
		for k, on := range map[string]bool{"pending": v.Pending, "review": v.ReviewSoon, "late": v.DecisionLate,
			"keep": v.KeepReview, "hidden": v.Hidden} {
			if on {
				counts[k]++
			}
		}
	}
	return s.page(c, "mw_signalen", s.t(l, "ssig.title"), fiber.Map{"All": all, "Attention": attention, "Counts": counts,
		"Updated": c.Query("bijgewerkt") != "", "Me": staffOf(c).Sub})
}

// signalDoneSteps are the actions a signal's page has a notice for (see doneParam).
var signalDoneSteps = []string{"nieuw", "uitstel", "uitstel_goedgekeurd", "uitstel_afgewezen", "vrijgeven",
	"vrijgeven_goedgekeurd", "vrijgeven_afgewezen", "gemeld", "bewaarbesluit", "tekst"}

func (s *server) staffSignal(c *fiber.Ctx) error {
	l := lang(c)
	me := staffOf(c)
	open := s.signalStore.OpenSignal
	done := c.Query(doneParam)
	if slices.Contains(signalDoneSteps, done) {
		open = s.signalStore.ReopenSignal
	} else {
		done = ""
	}
	sc, err := open(c.UserContext(), strings.ToLower(c.Params("id")), me, s.cfg.Municipality)
	if err != nil {
		return err
	}
	s.deps.Log.Info("signal opened", "signal", sc.Signal.ID, "staff", me.Sub, "role", me.Role())
	earlier := make([]SignalView, len(sc.Earlier))
	for i, e := range sc.Earlier {
		earlier[i] = s.signalView(l, e)
	}
	v := s.signalView(l, sc.Signal)
	p := s.cfg.Signals.WithDefaults()
	now := s.deps.Now()
	reps, err := s.representativeRows(c, sc.Signal, me)
	if err != nil {
		return err
	}
	return s.page(c, "mw_signaal", s.t(l, "ssig.detail"), &staffSignalPage{S: v, BSN: sc.BSN, Earlier: earlier,
		Reps: reps, HiddenFromReps: sc.Signal.HiddenFromRepresentatives(), Done: done,
		CanRelease: portal.HasAnyRole(me.Roles, portal.RequestHandlerRoles...),
		Reasons:    portal.DeferralReasons, Decisions: portal.RetentionDecisions,
		MaxReview:   now.Add(p.MaxDeferral).In(amsterdam).Format("2006-01-02"),
		MaxReviewAt: now.Add(p.MaxDeferral),
		MaxKeep:     now.Add(p.MaxKeep).In(amsterdam).Format("2006-01-02"),
		Tomorrow:    now.AddDate(0, 0, 1).In(amsterdam).Format("2006-01-02"),
		IsLead:      portal.HasAnyRole(me.Roles, portal.RoleTeamLead),
		Me:          me.Sub,
		CanDefer:    !sc.Signal.Told() && !v.Pending,
		CanDecide:   !sc.Signal.Destroyed(),
		ApprovalIn:  p.ApprovalDays,
		Defer:       s.deferForm(c, v.ID, deferForm{}),
		Retain:      s.retainForm(c, v.ID, retainForm{}),
		Subject:     s.subjectForm(c, v.ID, subjectForm{Text: sc.Signal.SummaryForSubject})})
}

// staffSignalPage is the data of a signal as staff see it (opening it is recorded).
type staffSignalPage struct {
	pageBase
	S                  SignalView
	BSN                string
	Earlier            []SignalView // earlier signals about the same person
	Reasons, Decisions []string
	MaxReview          string    // the latest review date of a deferral, yyyy-mm-dd
	MaxReviewAt        time.Time // the same, as a time
	MaxKeep, Tomorrow  string
	IsLead             bool   // a team lead, who approves deferrals
	Me                 string // the staff member's subject
	CanDefer           bool
	CanDecide          bool
	ApprovalIn         int // working days a team lead has to approve a deferral
	Defer              deferForm
	Retain             retainForm
	Subject            subjectForm
	// The person's representatives and whether this signal is shown to each (issue 16).
	Reps           []repRow
	HiddenFromReps bool   // the signal is hidden from representatives unless released
	CanRelease     bool   // the staff member may ask for a release
	Done           string // the action just done by this staff member, for a notice (signalDoneSteps)
}

// repRow is one representation of the signal's subject on the staff's signal page: who, in which
// capacity, whether this signal is hidden from them, and the latest release asked for them.
type repRow struct {
	Rep        portal.StoredRepresentation
	KindText   string
	InForce    bool                  // the representative may act now
	Hidden     bool                  // this signal is hidden from them now
	Release    *portal.SignalRelease // the latest release asked for them, if any
	CanRequest bool                  // hidden, in force and no release pending or approved
	CanDecide  bool                  // a pending release this team lead did not ask for
	Form       releaseForm
}

// representativeRows lists the representations of the signal's subject with this signal's release
// state for each.
func (s *server) representativeRows(c *fiber.Ctx, sg portal.Signal, me portal.Staff) ([]repRow, error) {
	ctx := c.UserContext()
	reps, err := s.repStore.RepresentationsFor(ctx, sg.SubjectID)
	if err != nil {
		return nil, err
	}
	releases, err := s.signalStore.SignalReleases(ctx, sg.ID)
	if err != nil {
		return nil, err
	}
	hidden := sg.HiddenFromRepresentatives()
	isLead := portal.HasAnyRole(me.Roles, portal.RoleTeamLead)
	now := s.deps.Now()
	l := lang(c)
	rows := make([]repRow, len(reps))
	for i, r := range reps {
		row := repRow{Rep: r, KindText: s.t(l, "ssig.rep.kind."+r.Kind), InForce: r.ActiveAt(now), Hidden: hidden,
			Form: s.releaseForm(c, sg.ID, releaseForm{Rep: r.ID, InputID: "toelichting-" + r.ID})}
		for j := range releases {
			if rel := releases[j]; rel.RepresentationID == r.ID {
				row.Release = &releases[j]
				if rel.Status == portal.ReleaseApproved {
					row.Hidden = false
				}
			}
		}
		open := row.Release != nil && row.Release.Open()
		row.CanRequest = hidden && !open && r.EndedAt == nil
		row.CanDecide = row.Release != nil && row.Release.Status == portal.ReleasePending && isLead && row.Release.RequestedBy != me.Sub
		rows[i] = row
	}
	return rows, nil
}

// endOfDate parses a yyyy-mm-dd form date as the end of that day in Europe/Amsterdam.
func endOfDate(v string) (time.Time, bool) {
	if !dateRe.MatchString(v) {
		return time.Time{}, false
	}
	t, err := time.ParseInLocation("2006-01-02", v, amsterdam)
	if err != nil {
		return time.Time{}, false
	}
	return t.AddDate(0, 0, 1).Add(-time.Second), true
}

// signalDone returns to the signal's page after a staff member's action on it, with a notice (see
// doneParam).
func (s *server) signalDone(c *fiber.Ctx, id, what string) error {
	return c.Redirect("/medewerker/signalen/"+strings.ToLower(id)+"?"+doneParam+"="+what, fiber.StatusSeeOther)
}

// deferForm is the form asking to defer telling the citizen about a signal, as typed, with its
// errors; retainForm is the retention decision's. Both are shown on the signal's page and, after a
// mistake, on a page of their own (mw_signaal_actie): showing the signal's page again would open the
// signal, which records another view in the citizen's log that nobody asked for. That page needs the
// signal's id only, from the address: nothing of the citizen's is read or shown.
type deferForm struct {
	Lang, CSRF, ID             string
	Reasons                    []string
	Tomorrow, MaxReview        string
	Reason, Motivation, Review string
	HideFromReps               bool // keep the signal from representatives, also after telling
	Errors                     formErrors
}

// releaseForm is the form asking to show a hidden signal to one representation (Rep), as typed.
type releaseForm struct {
	Lang, CSRF, ID string
	Rep            string
	Reason         string
	InputID        string // the reason's input id: one per representation on the signal's page
	Errors         formErrors
}

type retainForm struct {
	Lang, CSRF, ID            string
	Decisions                 []string
	Tomorrow, MaxKeep         string
	Decision, CaseRef, Review string
	Errors                    formErrors
}

// The inputs of each field of a deferral request and a retention decision, and their order.
var (
	deferInputs  = map[string]string{"reason": "reden", "motivation": "motivering", "review_at": "herzien"}
	deferOrder   = []string{"reden", "motivering", "herzien"}
	retainInputs = map[string]string{"decision": "besluit", "case_ref": "zaak", "review_at": "herzien_bewaren"}
	retainOrder  = []string{"besluit", "zaak", "herzien_bewaren"}
	// releaseInputs names the input of a release's reason.
	releaseInputs = map[string]string{"reason": "toelichting"}
	releaseOrder  = []string{"toelichting"}
)

// hideInput is the deferral forms' checkbox keeping a signal from representatives.
const hideInput = "verbergen_vertegenwoordigers"

func (s *server) deferForm(c *fiber.Ctx, id string, f deferForm) deferForm {
	now := s.deps.Now()
	f.Lang, f.CSRF, f.ID, f.Reasons = lang(c), sessCSRF(c), id, portal.DeferralReasons
	f.Tomorrow = now.AddDate(0, 0, 1).In(amsterdam).Format("2006-01-02")
	f.MaxReview = now.Add(s.cfg.Signals.WithDefaults().MaxDeferral).In(amsterdam).Format("2006-01-02")
	return f
}

func (s *server) releaseForm(c *fiber.Ctx, id string, f releaseForm) releaseForm {
	f.Lang, f.CSRF, f.ID = lang(c), sessCSRF(c), id
	if f.InputID == "" {
		f.InputID = "toelichting"
	}
	return f
}

func (s *server) retainForm(c *fiber.Ctx, id string, f retainForm) retainForm {
	now := s.deps.Now()
	f.Lang, f.CSRF, f.ID, f.Decisions = lang(c), sessCSRF(c), id, portal.RetentionDecisions
	f.Tomorrow = now.AddDate(0, 0, 1).In(amsterdam).Format("2006-01-02")
	f.MaxKeep = now.Add(s.cfg.Signals.WithDefaults().MaxKeep).In(amsterdam).Format("2006-01-02")
	return f
}

// signalActionPage is the data of a deferral or retention form shown again after a mistake; one of
// Defer and Retain is set.
type signalActionPage struct {
	pageBase
	ID      string
	Summary []fieldMsg
	Defer   *deferForm
	Retain  *retainForm
	Release *releaseForm
	Subject *subjectForm
}

// subjectForm is a clerk's text for the person about a signal, as typed, with its errors: what the
// person reads instead of the reporter's summary.
type subjectForm struct {
	Lang, CSRF, ID string
	Text           string
	Max            int
	Errors         formErrors
}

// The input of the text for the person.
var (
	subjectInputs = map[string]string{"summary_for_subject": "tekst_inwoner"}
	subjectOrder  = []string{"tekst_inwoner"}
)

func (s *server) subjectForm(c *fiber.Ctx, id string, f subjectForm) subjectForm {
	f.Lang, f.CSRF, f.ID, f.Max = lang(c), sessCSRF(c), id, portal.MaxSubjectSummary
	return f
}

// setSubjectSummary stores a clerk's text for the person; a mistake shows the form again with what
// was typed (on a page of its own: showing the signal's page would record another view).
func (s *server) setSubjectSummary(c *fiber.Ctx) error {
	l := lang(c)
	id, err := signalID(c)
	if err != nil {
		return err
	}
	f := subjectForm{Text: c.FormValue("tekst_inwoner")}
	_, verr := portal.CheckSubjectSummary(f.Text)
	fe, err := s.fieldErrors(l, "ssig.err.", subjectInputs, verr)
	if err != nil {
		return err
	}
	if fe == nil {
		me := staffOf(c)
		err := s.signalStore.SetSubjectSummary(c.UserContext(), id, me, f.Text)
		if fe, err = s.fieldErrors(l, "ssig.err.", subjectInputs, err); err != nil {
			return err
		}
		if fe == nil {
			s.deps.Log.Info("signal text for the person set", "signal", id, "staff", me.Sub)
			return s.signalDone(c, id, "tekst")
		}
	}
	f = s.subjectForm(c, id, f)
	f.Errors = fe
	c.Status(fiber.StatusUnprocessableEntity)
	return s.page(c, "mw_signaal_actie", s.t(l, "ssig.subject"), &signalActionPage{ID: id, Summary: fe.summary(subjectOrder), Subject: &f})
}

// signalID is the signal of the address, when it can be one.
func signalID(c *fiber.Ctx) (string, error) {
	id := strings.ToLower(c.Params("id"))
	if !portal.ValidEventID(id) {
		return "", portal.Errorf(portal.ENOTFOUND, "no such signal")
	}
	return id, nil
}

func (s *server) requestDeferral(c *fiber.Ctx) error {
	l := lang(c)
	id, err := signalID(c)
	if err != nil {
		return err
	}
	f := deferForm{Reason: c.FormValue("reden"), Motivation: c.FormValue("motivering"), Review: c.FormValue("herzien"),
		HideFromReps: c.FormValue(hideInput) == "ja"}
	review, _ := endOfDate(f.Review)
	d := portal.DeferralRequest{Reason: f.Reason, Motivation: f.Motivation, ReviewAt: review, HideFromRepresentatives: f.HideFromReps}
	fe, err := s.fieldErrors(l, "ssig.err.", deferInputs, d.Validate(s.deps.Now(), s.cfg.Signals.WithDefaults().MaxDeferral))
	if err != nil {
		return err
	}
	if fe == nil {
		err := s.signalStore.RequestDeferral(c.UserContext(), id, staffOf(c), d, s.cfg.Signals)
		if fe, err = s.fieldErrors(l, "ssig.err.", deferInputs, err); err != nil {
			return err
		}
		if fe == nil {
			return s.signalDone(c, id, "uitstel")
		}
	}
	f = s.deferForm(c, id, f)
	f.Errors = fe
	c.Status(fiber.StatusUnprocessableEntity)
	return s.page(c, "mw_signaal_actie", s.t(l, "ssig.defer"), &signalActionPage{ID: id, Summary: fe.summary(deferOrder), Defer: &f})
}

func (s *server) decideDeferral(approve bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		did, err := strconv.ParseInt(c.Params("did"), 10, 64)
		if err != nil {
			return portal.Errorf(portal.ENOTFOUND, "no such deferral")
		}
		if err := s.signalStore.DecideDeferral(c.UserContext(), c.Params("id"), did, staffOf(c), approve); err != nil {
			return err
		}
		what := "uitstel_afgewezen"
		if approve {
			what = "uitstel_goedgekeurd"
		}
		return s.signalDone(c, c.Params("id"), what)
	}
}

// requestRelease asks to show a signal hidden from representatives to one representation of the
// person; a team lead other than the requester decides (decideRelease).
func (s *server) requestRelease(c *fiber.Ctx) error {
	l := lang(c)
	id, err := signalID(c)
	if err != nil {
		return err
	}
	f := releaseForm{Rep: strings.ToLower(strings.TrimSpace(c.FormValue("vertegenwoordiging"))), Reason: c.FormValue("toelichting")}
	_, verr := portal.CheckReleaseReason(f.Reason)
	fe, err := s.fieldErrors(l, "ssig.err.", releaseInputs, verr)
	if err != nil {
		return err
	}
	if fe == nil {
		me := staffOf(c)
		rel, err := s.signalStore.RequestSignalRelease(c.UserContext(), id, f.Rep, f.Reason, me)
		if fe, err = s.fieldErrors(l, "ssig.err.", releaseInputs, err); err != nil {
			return err
		}
		if fe == nil {
			s.deps.Log.Info("signal release requested", "signal", id, "release", rel.ID, "staff", me.Sub)
			return s.signalDone(c, id, "vrijgeven")
		}
	}
	f = s.releaseForm(c, id, f)
	f.Errors = fe
	c.Status(fiber.StatusUnprocessableEntity)
	return s.page(c, "mw_signaal_actie", s.t(l, "ssig.release"), &signalActionPage{ID: id, Summary: fe.summary(releaseOrder), Release: &f})
}

// decideRelease lets a team lead approve or reject a release asked for by someone else.
func (s *server) decideRelease(approve bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := signalID(c)
		if err != nil {
			return err
		}
		rid, err := strconv.ParseInt(c.Params("rid"), 10, 64)
		if err != nil {
			return portal.Errorf(portal.ENOTFOUND, "no such release")
		}
		me := staffOf(c)
		if err := s.signalStore.DecideSignalRelease(c.UserContext(), id, rid, approve, me); err != nil {
			return err
		}
		s.deps.Log.Info("signal release decided", "signal", id, "release", rid, "approved", approve, "staff", me.Sub)
		what := "vrijgeven_afgewezen"
		if approve {
			what = "vrijgeven_goedgekeurd"
		}
		return s.signalDone(c, id, what)
	}
}

func (s *server) tellSignal(c *fiber.Ctx) error {
	if err := s.signalStore.TellSignal(c.UserContext(), c.Params("id")); err != nil {
		return err
	}
	return s.signalDone(c, c.Params("id"), "gemeld")
}

func (s *server) decideRetention(c *fiber.Ctx) error {
	l := lang(c)
	id, err := signalID(c)
	if err != nil {
		return err
	}
	f := retainForm{Decision: c.FormValue("besluit"), CaseRef: c.FormValue("zaak"), Review: c.FormValue("herzien")}
	review, _ := endOfDate(f.Review)
	ch := portal.RetentionChoice{Decision: f.Decision, CaseRef: f.CaseRef, ReviewAt: review}
	fe, err := s.fieldErrors(l, "ssig.err.", retainInputs, ch.Validate(s.deps.Now(), s.cfg.Signals.WithDefaults().MaxKeep))
	if err != nil {
		return err
	}
	if fe == nil {
		err := s.signalStore.DecideRetention(c.UserContext(), id, staffOf(c), ch, s.cfg.Signals)
		if fe, err = s.fieldErrors(l, "ssig.err.", retainInputs, err); err != nil {
			return err
		}
		if fe == nil {
			return s.signalDone(c, id, "bewaarbesluit")
		}
	}
	f = s.retainForm(c, id, f)
	f.Errors = fe
	c.Status(fiber.StatusUnprocessableEntity)
	return s.page(c, "mw_signaal_actie", s.t(l, "ssig.retain"), &signalActionPage{ID: id, Summary: fe.summary(retainOrder), Retain: &f})
}

// signalForm is the staff's new-signal form as typed, with its errors.
type signalForm struct {
	BSN, Received                              string
	ReporterKind                               string
	ReporterName, ReporterOrg, ReporterContact string
	Category, Summary, Urgency, Team           string
	Defer                                      bool
	Reason, Motivation, Review                 string
	HideFromReps                               bool
	Errors                                     formErrors
}

// signalInputs names the form input of each field of a signal and of its deferral request.
var signalInputs = map[string]string{"subject_bsn": "bsn", "received_at": "ontvangen", "reporter_kind": "melder",
	"reporter.name": "melder_naam", "reporter.organization": "melder_organisatie", "reporter.contact": "melder_contact",
	"nature.category": "categorie", "nature.summary": "samenvatting", "urgency": "urgentie", "handling_team": "team",
	"reason": "reden", "motivation": "motivering", "review_at": "herzien"}

// signalOrder is the order of the inputs on the page.
var signalOrder = []string{"bsn", "ontvangen", "melder", "melder_naam", "melder_organisatie", "melder_contact",
	"categorie", "samenvatting", "urgentie", "team", "reden", "motivering", "herzien"}

func decodeSignalForm(c *fiber.Ctx) signalForm {
	return signalForm{BSN: strings.TrimSpace(c.FormValue("bsn")), Received: c.FormValue("ontvangen"),
		ReporterKind: c.FormValue("melder"), ReporterName: strings.TrimSpace(c.FormValue("melder_naam")),
		ReporterOrg: strings.TrimSpace(c.FormValue("melder_organisatie")), ReporterContact: strings.TrimSpace(c.FormValue("melder_contact")),
		Category: c.FormValue("categorie"), Summary: c.FormValue("samenvatting"), Urgency: c.FormValue("urgentie"),
		Team: c.FormValue("team"), Defer: c.FormValue("uitstellen") == "ja", Reason: c.FormValue("reden"),
		Motivation: c.FormValue("motivering"), Review: c.FormValue("herzien"), HideFromReps: c.FormValue(hideInput) == "ja"}
}

// signal is the form as the domain's new signal and, when asked for, its deferral request.
func (f signalForm) signal(now time.Time) (portal.NewSignal, *portal.DeferralRequest) {
	received, ok := endOfDate(f.Received)
	if ok {
		received = received.Add(time.Second).AddDate(0, 0, -1) // the start of that day
		if received.Before(now) && received.AddDate(0, 0, 1).After(now) {
			received = now // received today: now
		}
	}
	ns := portal.NewSignal{ID: uuid.NewString(), SubjectBSN: f.BSN, ReceivedAt: received,
		ReporterKind: f.ReporterKind, Urgency: f.Urgency, HandlingTeam: f.Team,
		Nature: portal.Nature{Category: f.Category, Summary: f.Summary}}
	if f.ReporterName+f.ReporterOrg+f.ReporterContact != "" {
		ns.Reporter = &portal.Reporter{Name: f.ReporterName, Organization: f.ReporterOrg, Contact: f.ReporterContact}
	}
	if !f.Defer {
		return ns, nil
	}
	review, _ := endOfDate(f.Review)
	return ns, &portal.DeferralRequest{Reason: f.Reason, Motivation: f.Motivation, ReviewAt: review,
		HideFromRepresentatives: f.HideFromReps}
}

// signalFormPage is the data of the staff's new-signal form.
type signalFormPage struct {
	pageBase
	Form                       signalForm
	Summary                    []fieldMsg
	Kinds, Categories, Reasons []string
	Today, Tomorrow, MaxReview string
}

func (s *server) newSignalPage(c *fiber.Ctx) error {
	return s.renderSignalForm(c, signalForm{Received: s.deps.Now().In(amsterdam).Format("2006-01-02")}, fiber.StatusOK)
}

func (s *server) renderSignalForm(c *fiber.Ctx, f signalForm, status int) error {
	l := lang(c)
	now := s.deps.Now()
	p := s.cfg.Signals.WithDefaults()
	c.Status(status)
	return s.page(c, "mw_signaal_nieuw", s.t(l, "ssig.new"), &signalFormPage{Form: f, Summary: f.Errors.summary(signalOrder),
		Kinds: portal.ReporterKinds, Categories: portal.SignalCategories, Reasons: portal.DeferralReasons,
		Today:     now.In(amsterdam).Format("2006-01-02"),
		Tomorrow:  now.AddDate(0, 0, 1).In(amsterdam).Format("2006-01-02"),
		MaxReview: now.Add(p.MaxDeferral).In(amsterdam).Format("2006-01-02")})
}

// createSignal registers a signal from the staff form, with an optional deferral request. A form
// that breaks a rule comes back as typed, with the rule at the field.
func (s *server) createSignal(c *fiber.Ctx) error {
	me := staffOf(c)
	l := lang(c)
	f := decodeSignalForm(c)
	now := s.deps.Now()
	ns, d := f.signal(now)
	var derr error
	if d != nil {
		derr = d.Validate(now, s.cfg.Signals.WithDefaults().MaxDeferral)
	}
	fe, err := s.fieldErrors(l, "ssig.err.", signalInputs, ns.Validate(now), derr)
	if err != nil {
		return err
	}
	if fe == nil {
		sg, _, err := s.signalStore.RegisterSignal(c.UserContext(), ns, "staff", 0, &me, d, s.cfg.Signals)
		if fe, err = s.fieldErrors(l, "ssig.err.", signalInputs, err); err != nil {
			return err
		}
		if fe == nil {
			s.deps.Log.Info("signal registered", "signal", sg.ID, "staff", me.Sub, "deferral_requested", d != nil)
			return s.signalDone(c, sg.ID, "nieuw")
		}
	}
	f.Errors = fe
	return s.renderSignalForm(c, f, fiber.StatusUnprocessableEntity)
}

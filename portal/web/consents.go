package web

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/inzicht/inzicht/portal"
)

// consentStore asks citizens for consent and records their answers.
type consentStore interface {
	CitizenConsents(ctx context.Context, subjectID int64) ([]portal.Consent, error)
	CitizenConsent(ctx context.Context, subjectID int64, id string) (portal.Consent, error)
	DecideConsentBy(ctx context.Context, subjectID int64, id, decision, comment, repID string) (portal.Consent, error)
	RecordOwnConsentAnswer(ctx context.Context, subjectID int64, id, answer, comment string) (portal.Consent, error)
	CreateConsent(ctx context.Context, nc portal.NewConsent, source string, apiKeyID int64) (portal.Consent, bool, error)
	StaffConsents(ctx context.Context, f portal.ConsentFilter) ([]portal.StaffConsent, error)
	OpenConsent(ctx context.Context, id string, by portal.Staff, municipality string) (portal.StaffConsent, error)
}

// ConsentView is a consent request as the citizen sees it.
type ConsentView struct {
	portal.Consent
	State     string // the state now (an overdue pending request is expired)
	StateText string
	Until     time.Time
	Open      bool
	// DecidedByText and WithdrawnByText name a representative who decided or withdrew for the person
	// ("Eva de Vries (ouder met gezag) namens Daan de Vries"); "" when the person did it.
	DecidedByText   string
	WithdrawnByText string
	// OwnAnswerText is the child's own answer with its time ("Ja, vindt het goed (3 maart 2026,
	// 10:00)"); "" when none was given.
	OwnAnswerText string
	// T are the request's texts in the reader's language (portal.NewConsent.Texts); DutchOnly: the
	// page is English but the request has Dutch texts only, so the page says so and marks them Dutch.
	T         portal.ConsentTexts
	DutchOnly bool
	// RoleDutchOnly: the page is English and the asker's role is Dutch (marked lang="nl").
	RoleDutchOnly bool
}

func (s *server) consentView(l string, c portal.Consent, role portal.ConsentAnswerRole) ConsentView {
	st := c.StatusAt(s.deps.Now())
	v := ConsentView{Consent: c, State: st, StateText: s.t(l, "consent.state."+st), Until: c.ValidUntilTime(),
		Open: st == portal.ConsentPending, DecidedByText: s.onBehalfText(l, c.DecidedBy),
		WithdrawnByText: s.onBehalfText(l, c.WithdrawnBy), T: c.Texts(l)}
	v.DutchOnly, v.RoleDutchOnly = v.T.DutchOnly(l), v.T.RoleDutchOnly(l)
	switch {
	case st == portal.ConsentPending && !role.Decides && !role.NotYours:
		v.StateText = s.t(l, "consent.child.waiting")
	case st == portal.ConsentWithdrawn && c.WithdrawnBy != nil,
		(st == portal.ConsentGranted || st == portal.ConsentRefused) && c.DecidedBy != nil:
		v.StateText = s.t(l, "consent.state."+st+".rep")
	}
	if c.OwnAnswer != "" && c.OwnAnswerAt != nil {
		v.OwnAnswerText = s.t(l, "consent.own."+c.OwnAnswer, FormatDateTime(l, *c.OwnAnswerAt))
	}
	return v
}

// consentRole works out what the logged-in person's answer counts as (portal.ConsentRole): a
// representative acting decides; a child under 16 under parental authority or guardianship gives
// their own answer beside the decision.
func (s *server) consentRole(c *fiber.Ctx) (portal.ConsentAnswerRole, error) {
	sess, _ := session(c)
	var reps []portal.StoredRepresentation
	if sess.Acting == nil {
		var err error
		if reps, err = s.repStore.RepresentationsFor(c.UserContext(), sess.Self); err != nil {
			return portal.ConsentAnswerRole{}, err
		}
	}
	return portal.ConsentRole(sess.Acting, reps, s.deps.Now()), nil
}

func (s *server) citizenConsents(c *fiber.Ctx) error {
	sess, _ := session(c)
	l := lang(c)
	role, err := s.consentRole(c)
	if err != nil {
		return err
	}
	cs, err := s.consentStore.CitizenConsents(c.UserContext(), sess.SubjectID)
	if err != nil {
		return err
	}
	views := make([]ConsentView, len(cs))
	for i, x := range cs {
		views[i] = s.consentView(l, x, role)
	}
	return s.page(c, "toestemmingen", s.t(l, "consent.title"), &consentListPage{Consents: views})
}

// consentListPage is the data of a citizen's consent requests.
type consentListPage struct {
	pageBase
	Consents []ConsentView
}

// consentPage is the data of one consent request as its citizen sees it, with the decision form.
type consentPage struct {
	pageBase
	C       ConsentView
	Form    consentDecisionForm
	Summary []fieldMsg
	// Child: the logged-in person is under 16 under parental authority or guardianship; their answer
	// is their own answer, the parent or guardian decides. Saved: their answer was just stored.
	Child, Saved bool
	// NotYours: a guardian acting for a young person of 16 or over, who decides on consent alone.
	NotYours bool
	// Acting for someone from 12 up to 16: their own answer is asked too and shown (OwnSay, with
	// their name in Person).
	OwnSay bool
	Person string
	// Confirm: the page asks to confirm a withdrawal (GET …/intrekken). Done: the decision just
	// recorded, for a notice ("granted", "refused", "withdrawn").
	Confirm bool
	Done    string
}

// consentDecisionForm is the citizen's answer to a consent request, as typed, with its errors.
type consentDecisionForm struct {
	Decision string
	Comment  string
	Errors   formErrors
}

// consentDecisionInputs names the input of each field of the answer; consentDecisionOrder is their order.
var (
	consentDecisionInputs = map[string]string{"decision": "besluit", "comment": "opmerking"}
	consentDecisionOrder  = []string{"besluit", "opmerking"}
)

// validate checks the answer by the rules storage applies (grant or refuse; a comment of plain text).
func (f consentDecisionForm) validate() error {
	var fs []portal.FieldError
	if f.Decision != portal.ConsentGranted && f.Decision != portal.ConsentRefused {
		fs = append(fs, portal.FieldError{Index: -1, Field: "decision", Message: "choose grant or refuse"})
	}
	if m := portal.CheckText(f.Comment, portal.MaxNoteLength); m != "" {
		fs = append(fs, portal.FieldError{Index: -1, Field: "comment", Message: m})
	}
	if len(fs) > 0 {
		return &portal.Error{Code: portal.EINVALID, Message: "the answer is incomplete", Fields: fs}
	}
	return nil
}

func (s *server) citizenConsent(c *fiber.Ctx) error {
	p, err := s.consentPageData(c)
	if err != nil {
		return err
	}
	p.Saved = c.Query("opgeslagen") == "1" && p.Child
	if d := c.Query("gedaan"); d == portal.ConsentGranted || d == portal.ConsentRefused || d == portal.ConsentWithdrawn {
		p.Done = d
	}
	if p.Child && p.C.OwnAnswer != "" {
		p.Form = consentDecisionForm{Decision: p.C.OwnAnswer, Comment: p.C.OwnAnswerComment}
	}
	return s.page(c, "toestemming", s.t(lang(c), "consent.detail"), p)
}

// consentPageData reads the consent request of the person whose data the page shows, as the
// logged-in person sees it.
func (s *server) consentPageData(c *fiber.Ctx) (*consentPage, error) {
	sess, _ := session(c)
	l := lang(c)
	role, err := s.consentRole(c)
	if err != nil {
		return nil, err
	}
	x, err := s.consentStore.CitizenConsent(c.UserContext(), sess.SubjectID, strings.ToLower(c.Params("id")))
	if err != nil {
		return nil, err
	}
	p := &consentPage{C: s.consentView(l, x, role), Child: !role.Decides && !role.NotYours, NotYours: role.NotYours}
	if sess.Acting != nil {
		p.OwnSay, p.Person = role.OwnSayAsked(), sess.Acting.Rep.SubjectName
	}
	return p, nil
}

// renderConsentDecision shows the citizen's consent request again with their answer as typed.
func (s *server) renderConsentDecision(c *fiber.Ctx, f consentDecisionForm) error {
	p, err := s.consentPageData(c)
	if err != nil {
		return err
	}
	p.Form, p.Summary = f, f.Errors.summary(consentDecisionOrder)
	c.Status(fiber.StatusUnprocessableEntity)
	return s.page(c, "toestemming", s.t(lang(c), "consent.detail"), p)
}

// decideConsent records the citizen's grant or refusal, read from this request's form alone. An
// answer without a choice, or with a comment that breaks a rule, shows the page again as typed.
func (s *server) decideConsent(c *fiber.Ctx) error {
	f := consentDecisionForm{Decision: c.FormValue("besluit"), Comment: strings.TrimSpace(c.FormValue("opmerking"))}
	fe, err := s.fieldErrors(lang(c), "consent.err.", consentDecisionInputs, f.validate())
	if err != nil {
		return err
	}
	if fe != nil {
		f.Errors = fe
		return s.renderConsentDecision(c, f)
	}
	role, err := s.consentRole(c)
	if err != nil {
		return err
	}
	if role.NotYours {
		return portal.Errorf(portal.EFORBIDDEN, "from 16 the young person decides on consent alone")
	}
	if !role.Decides {
		// A child under 16: their own answer, beside the decision of a parent or guardian.
		sess, _ := session(c)
		x, err := s.consentStore.RecordOwnConsentAnswer(c.UserContext(), sess.SubjectID, c.Params("id"), f.Decision, f.Comment)
		if err != nil {
			return err
		}
		return c.Redirect("/toestemmingen/"+x.ID+"?opgeslagen=1", fiber.StatusSeeOther)
	}
	return s.recordConsent(c, f.Decision)
}

// withdrawConsent records that the citizen withdraws a consent they gave. A child under 16 under
// parental authority or guardianship cannot: the parent or guardian decides.
func (s *server) withdrawConsent(c *fiber.Ctx) error {
	role, err := s.consentRole(c)
	if err != nil {
		return err
	}
	if role.NotYours {
		return portal.Errorf(portal.EFORBIDDEN, "from 16 the young person decides on consent alone")
	}
	if !role.Decides {
		return portal.Errorf(portal.EFORBIDDEN, "a parent or guardian decides on consent under 16")
	}
	return s.recordConsent(c, portal.ConsentWithdrawn)
}

// recordConsent records a decision or withdrawal; a representative's names the representation.
func (s *server) recordConsent(c *fiber.Ctx, decision string) error {
	sess, _ := session(c)
	x, err := s.consentStore.DecideConsentBy(c.UserContext(), sess.SubjectID, c.Params("id"), decision,
		strings.TrimSpace(c.FormValue("opmerking")), actingOf(c).RepresentationID())
	if err != nil {
		return err
	}
	return c.Redirect("/toestemmingen/"+x.ID+"?gedaan="+decision, fiber.StatusSeeOther)
}

// withdrawConsentPage asks the person to confirm withdrawing their consent, saying what happens then;
// nothing changes until they confirm (the POST). A request that is no longer granted goes back to its page.
func (s *server) withdrawConsentPage(c *fiber.Ctx) error {
	p, err := s.consentPageData(c)
	if err != nil {
		return err
	}
	if p.C.State != portal.ConsentGranted || p.Child || p.NotYours {
		return c.Redirect("/toestemmingen/"+p.C.ID, fiber.StatusSeeOther)
	}
	p.Confirm = true
	return s.page(c, "toestemming", s.t(lang(c), "consent.withdraw.confirm.title"), p)
}

// ReceiptJSON is the consent receipt as JSON, after the Kantara Consent Receipt specification.
type ReceiptJSON struct {
	Version        string     `json:"version"`
	ReceiptID      string     `json:"consentReceiptID"`
	Reference      string     `json:"consentReference"` // TS-YYYY-NNNNNN, as on the citizen's pages
	ConsentTime    time.Time  `json:"consentTimestamp"`
	Jurisdiction   string     `json:"jurisdiction"`
	Controller     string     `json:"piiControllers"`
	Requester      string     `json:"requestedBy"`
	Subject        string     `json:"piiPrincipalId"`
	Purpose        string     `json:"purpose"`
	Necessity      string     `json:"necessity"`
	LegalGround    string     `json:"legalGround"`
	DataItem       string     `json:"piiCategory"`
	DataHolder     string     `json:"dataHolder"`
	ConsentType    string     `json:"consentType"`
	Decision       string     `json:"decision"`
	ValidUntil     string     `json:"validUntil"`
	Withdrawn      *time.Time `json:"withdrawnAt,omitempty"`
	CaseRef        string     `json:"caseRef"`
	IfRefused      string     `json:"ifRefused"`
	CitizenComment string     `json:"comment,omitempty"`
	// Extensions for consent given on behalf of someone (issue 16): the representative who decided
	// or withdrew, and the child's own answer beside a parent's or guardian's decision.
	DecidedBy   *ReceiptOnBehalf  `json:"decidedBy,omitempty"`
	WithdrawnBy *ReceiptOnBehalf  `json:"withdrawnBy,omitempty"`
	OwnAnswer   *ReceiptOwnAnswer `json:"piiPrincipalOwnAnswer,omitempty"`
}

// ReceiptOnBehalf names who acted for the person under which representation, in which capacity.
type ReceiptOnBehalf struct {
	RepresentationID string `json:"representationId"`
	Reference        string `json:"representationReference"`
	Representative   string `json:"representative,omitempty"`
	Capacity         string `json:"capacity"`     // the kind of representation: parental_authority, …
	CapacityText     string `json:"capacityText"` // the capacity in the receipt's language
	OnBehalfOf       string `json:"onBehalfOf"`
}

// ReceiptOwnAnswer is the own answer of a child under 16 beside the decision.
type ReceiptOwnAnswer struct {
	Answer  string    `json:"answer"` // granted or refused
	At      time.Time `json:"answeredAt"`
	Comment string    `json:"comment,omitempty"`
}

func (s *server) receiptOnBehalf(l string, o *portal.OnBehalf) *ReceiptOnBehalf {
	if o == nil {
		return nil
	}
	return &ReceiptOnBehalf{RepresentationID: o.RepresentationID, Reference: o.Ref(), Representative: o.RepresentativeName,
		Capacity: o.Kind, CapacityText: s.t(l, "rep.capacity."+o.Kind), OnBehalfOf: o.SubjectName}
}

func (s *server) receipt(c *fiber.Ctx) (portal.Consent, ReceiptJSON, error) {
	sess, _ := session(c)
	x, err := s.consentStore.CitizenConsent(c.UserContext(), sess.SubjectID, strings.ToLower(c.Params("id")))
	if err != nil {
		return x, ReceiptJSON{}, err
	}
	if x.DecidedAt == nil {
		return x, ReceiptJSON{}, portal.Errorf(portal.ENOTFOUND, "no decision yet")
	}
	bsn, err := s.logStore.SubjectBSN(c.UserContext(), sess.SubjectID)
	if err != nil {
		return x, ReceiptJSON{}, err
	}
	decision := portal.ConsentRefused
	if x.GrantedAt != nil {
		decision = portal.ConsentGranted
	}
	r := x.RequestedBy
	requester := strings.Join(nonBlank(r.Organization, r.Team, r.Role), ", ")
	l := lang(c)
	out := ReceiptJSON{Version: "KI-CR-v1.1.0", ReceiptID: x.ID, Reference: x.Reference, ConsentTime: x.DecidedAt.UTC(), Jurisdiction: "NL",
		Controller: s.cfg.Municipality, Requester: requester, Subject: portal.MaskBSN(bsn), Purpose: x.Purpose,
		Necessity: x.Necessity, LegalGround: x.LegalGround, DataItem: x.DataItem, DataHolder: x.DataHolder,
		ConsentType: "EXPLICIT", Decision: decision, ValidUntil: x.ValidUntil, Withdrawn: x.WithdrawnAt, CaseRef: x.CaseRef,
		IfRefused: x.IfRefused, CitizenComment: x.Comment, DecidedBy: s.receiptOnBehalf(l, x.DecidedBy),
		WithdrawnBy: s.receiptOnBehalf(l, x.WithdrawnBy)}
	if x.OwnAnswer != "" && x.OwnAnswerAt != nil {
		out.OwnAnswer = &ReceiptOwnAnswer{Answer: x.OwnAnswer, At: x.OwnAnswerAt.UTC(), Comment: x.OwnAnswerComment}
	}
	return x, out, nil
}

func nonBlank(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			out = append(out, s)
		}
	}
	return out
}

func (s *server) receiptJSON(c *fiber.Ctx) error {
	_, r, err := s.receipt(c)
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="toestemmingsbewijs-`+r.Reference+`.json"`)
	return c.Send(b)
}

// consentForm is the staff's consent request form as typed, with its errors.
type consentForm struct {
	BSN, Case, Team, Role, Item, Holder          string
	Purpose, Necessity, Ground, IfRefused, Until string
	Errors                                       formErrors
}

// consentInputs names the form input of each field of a consent request.
var consentInputs = map[string]string{"subject_bsn": "bsn", "case_ref": "zaak", "requested_by.team": "team",
	"requested_by.role": "functie", "data_item": "gegeven", "data_holder": "houder", "purpose": "doel",
	"necessity": "noodzaak", "legal_ground": "grond", "if_refused": "weigeren", "valid_until": "tot"}

// consentOrder is the order of the inputs on the page.
var consentOrder = []string{"bsn", "zaak", "team", "functie", "gegeven", "houder", "doel", "noodzaak", "grond", "weigeren", "tot"}

func decodeConsentForm(c *fiber.Ctx) consentForm {
	return consentForm{BSN: strings.TrimSpace(c.FormValue("bsn")), Case: c.FormValue("zaak"), Team: c.FormValue("team"),
		Role: c.FormValue("functie"), Item: c.FormValue("gegeven"), Holder: c.FormValue("houder"), Purpose: c.FormValue("doel"),
		Necessity: c.FormValue("noodzaak"), Ground: c.FormValue("grond"), IfRefused: c.FormValue("weigeren"),
		Until: c.FormValue("tot")}
}

// consentFormPage is the data of the staff's consent request form.
type consentFormPage struct {
	pageBase
	Form          consentForm
	Summary       []fieldMsg
	Tomorrow, Max string
	Org, Name     string
}

func (s *server) newConsentPage(c *fiber.Ctx) error {
	return s.renderConsentForm(c, consentForm{}, fiber.StatusOK)
}

func (s *server) renderConsentForm(c *fiber.Ctx, f consentForm, status int) error {
	l := lang(c)
	now := s.deps.Now()
	c.Status(status)
	return s.page(c, "mw_toestemming_nieuw", s.t(l, "sconsent.new"), &consentFormPage{Form: f, Summary: f.Errors.summary(consentOrder),
		Tomorrow: now.AddDate(0, 0, 1).In(amsterdam).Format("2006-01-02"),
		Max:      portal.AddMonths(now.In(amsterdam), portal.MaxConsentValidity).Format("2006-01-02"),
		Org:      s.cfg.Municipality, Name: staffOf(c).Name})
}

// createConsentStaff lets staff ask a citizen for specific consent; the same rules as the API apply.
// A request that breaks one (a list, "all medical data", no end date) comes back as typed, with the
// rule at the field.
func (s *server) createConsentStaff(c *fiber.Ctx) error {
	me := staffOf(c)
	l := lang(c)
	f := decodeConsentForm(c)
	nc := portal.NewConsent{ID: uuid.NewString(), SubjectBSN: f.BSN, CaseRef: f.Case,
		RequestedBy: portal.ConsentRequester{Organization: s.cfg.Municipality, Team: f.Team, Role: f.Role, Employee: me.Name},
		DataItem:    f.Item, DataHolder: f.Holder, Purpose: f.Purpose, Necessity: f.Necessity, LegalGround: f.Ground,
		IfRefused: f.IfRefused, ValidUntil: f.Until}
	fe, err := s.fieldErrors(l, "sconsent.err.", consentInputs, nc.Validate(s.deps.Now()))
	if err != nil {
		return err
	}
	if fe["gegeven"] != "" && portal.BlanketConsent(f.Item) {
		fe["gegeven"] = s.t(l, "sconsent.err.gegeven.blanket") // the rule itself: no general consent
	}
	if fe == nil {
		x, _, err := s.consentStore.CreateConsent(c.UserContext(), nc, "staff", 0)
		if fe, err = s.fieldErrors(l, "sconsent.err.", consentInputs, err); err != nil {
			return err
		}
		if fe == nil {
			s.deps.Log.Info("consent requested", "consent", x.ID, "reference", x.Reference, "staff", me.Sub)
			// To the list, not the request: re-showing it after one's own action is no new view.
			return c.Redirect("/medewerker/toestemmingen?toestemming="+x.Reference, fiber.StatusSeeOther)
		}
	}
	f.Errors = fe
	return s.renderConsentForm(c, f, fiber.StatusUnprocessableEntity)
}

package web

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/inzicht/inzicht/portal"
	"github.com/inzicht/inzicht/portal/pdfexport"
)

// consentStore asks citizens for consent and records their answers.
type consentStore interface {
	CitizenConsents(ctx context.Context, subjectID int64) ([]portal.Consent, error)
	CitizenConsent(ctx context.Context, subjectID int64, id string) (portal.Consent, error)
	DecideConsent(ctx context.Context, subjectID int64, id, decision, comment string) (portal.Consent, error)
	CreateConsent(ctx context.Context, nc portal.NewConsent, source string, apiKeyID int64) (portal.Consent, bool, error)
}

// ConsentView is a consent request as the citizen sees it.
type ConsentView struct {
	portal.Consent
	State     string // the state now (an overdue pending request is expired)
	StateText string
	Until     time.Time
	Open      bool
}

func (s *server) consentView(l string, c portal.Consent) ConsentView {
	st := c.StatusAt(s.deps.Now())
	return ConsentView{Consent: c, State: st, StateText: s.t(l, "consent.state."+st), Until: c.ValidUntilTime(),
		Open: st == portal.ConsentPending}
}

func (s *server) citizenConsents(c *fiber.Ctx) error {
	sess, _ := session(c)
	l := lang(c)
	cs, err := s.consentStore.CitizenConsents(c.UserContext(), sess.SubjectID)
	if err != nil {
		return err
	}
	views := make([]ConsentView, len(cs))
	for i, x := range cs {
		views[i] = s.consentView(l, x)
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
	sess, _ := session(c)
	l := lang(c)
	x, err := s.consentStore.CitizenConsent(c.UserContext(), sess.SubjectID, strings.ToLower(c.Params("id")))
	if err != nil {
		return err
	}
	return s.page(c, "toestemming", s.t(l, "consent.detail"), &consentPage{C: s.consentView(l, x)})
}

// renderConsentDecision shows the citizen's consent request again with their answer as typed.
func (s *server) renderConsentDecision(c *fiber.Ctx, f consentDecisionForm) error {
	sess, _ := session(c)
	l := lang(c)
	x, err := s.consentStore.CitizenConsent(c.UserContext(), sess.SubjectID, strings.ToLower(c.Params("id")))
	if err != nil {
		return err
	}
	c.Status(fiber.StatusUnprocessableEntity)
	return s.page(c, "toestemming", s.t(l, "consent.detail"), &consentPage{C: s.consentView(l, x), Form: f,
		Summary: f.Errors.summary(consentDecisionOrder)})
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
	return s.recordConsent(c, f.Decision)
}

// withdrawConsent records that the citizen withdraws a consent they gave.
func (s *server) withdrawConsent(c *fiber.Ctx) error {
	return s.recordConsent(c, portal.ConsentWithdrawn)
}

func (s *server) recordConsent(c *fiber.Ctx, decision string) error {
	sess, _ := session(c)
	x, err := s.consentStore.DecideConsent(c.UserContext(), sess.SubjectID, c.Params("id"), decision, strings.TrimSpace(c.FormValue("opmerking")))
	if err != nil {
		return err
	}
	return c.Redirect("/toestemmingen/"+x.ID, fiber.StatusSeeOther)
}

// ReceiptJSON is the consent receipt as JSON, after the Kantara Consent Receipt specification.
type ReceiptJSON struct {
	Version        string     `json:"version"`
	ReceiptID      string     `json:"consentReceiptID"`
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
	return x, ReceiptJSON{Version: "KI-CR-v1.1.0", ReceiptID: x.ID, ConsentTime: x.DecidedAt.UTC(), Jurisdiction: "NL",
		Controller: s.cfg.Municipality, Requester: requester, Subject: portal.MaskBSN(bsn), Purpose: x.Purpose,
		Necessity: x.Necessity, LegalGround: x.LegalGround, DataItem: x.DataItem, DataHolder: x.DataHolder,
		ConsentType: "EXPLICIT", Decision: decision, ValidUntil: x.ValidUntil, Withdrawn: x.WithdrawnAt, CaseRef: x.CaseRef,
		IfRefused: x.IfRefused, CitizenComment: x.Comment}, nil
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
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="toestemmingsbewijs-`+r.ReceiptID+`.json"`)
	return c.Send(b)
}

func (s *server) receiptPDFConsent(c *fiber.Ctx) error {
	x, r, err := s.receipt(c)
	if err != nil {
		return err
	}
	l := lang(c)
	decision := s.t(l, "consent.receipt.refused", FormatDateTime(l, r.ConsentTime))
	if r.Decision == portal.ConsentGranted {
		decision = s.t(l, "consent.receipt.granted", FormatDateTime(l, r.ConsentTime), FormatDate(l, x.ValidUntilTime()))
	}
	withdrawn := ""
	if x.WithdrawnAt != nil {
		withdrawn = s.t(l, "consent.receipt.withdrawn", FormatDateTime(l, *x.WithdrawnAt))
	}
	doc := pdfexport.ConsentReceipt{
		Letter: pdfexport.Letter{Lang: l, Municipality: s.cfg.Municipality, Reference: x.ID, IssuedAt: s.deps.Now(),
			MaskedBSN: r.Subject},
		Title: s.t(l, "consent.receipt.title"), Intro: s.t(l, "consent.receipt.intro"), Decision: decision,
		Fields: [][2]string{{s.t(l, "consent.asker"), r.Requester}, {s.t(l, "consent.item"), x.DataItem},
			{s.t(l, "consent.holder"), x.DataHolder}, {s.t(l, "consent.purpose"), x.Purpose}, {s.t(l, "consent.necessity"), x.Necessity},
			{s.t(l, "consent.ground"), x.LegalGround}, {s.t(l, "consent.refuse"), x.IfRefused}, {s.t(l, "consent.case"), x.CaseRef},
			{s.t(l, "consent.comment"), x.Comment}, {s.t(l, "consent.withdrawn"), withdrawn}},
		Closing: s.t(l, "consent.receipt.closing"),
	}
	sendPDF(c, "toestemmingsbewijs-"+x.ID+".pdf")
	return s.pdf.RenderConsentReceipt(c.Response().BodyWriter(), doc)
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
	if fe == nil {
		x, _, err := s.consentStore.CreateConsent(c.UserContext(), nc, "staff", 0)
		if fe, err = s.fieldErrors(l, "sconsent.err.", consentInputs, err); err != nil {
			return err
		}
		if fe == nil {
			s.deps.Log.Info("consent requested", "consent", x.ID, "staff", me.Sub)
			return c.Redirect("/medewerker?toestemming="+x.ID, fiber.StatusSeeOther)
		}
	}
	f.Errors = fe
	return s.renderConsentForm(c, f, fiber.StatusUnprocessableEntity)
}

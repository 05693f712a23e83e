package web

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/inzicht/inzicht/portal"
)

// objectionPage is the form for an Awb objection (bezwaarschrift) against the decision on a request,
// as typed, with its errors.
type objectionPage struct {
	pageBase
	R           RequestView // the decided request
	What, Why   string
	Deadline    string // when the objection will be decided at the latest (Awb 7:10)
	Passed      bool   // the six weeks have passed: the page explains what one can still do
	Errors      map[string]string
	HasErrors   bool
	AlreadyOpen bool
}

// decidedForObjection reads the citizen's decided AVG request that an Awb objection would be against.
// A question, an open request or an objection itself has no objection form: 404.
func (s *server) decidedForObjection(c *fiber.Ctx) (portal.RightsRequest, error) {
	r, err := s.citizenRequest(c, c.Params("id"))
	if err != nil {
		return r, err
	}
	if !r.Kind.AVG() || r.Status != portal.StatusDecided || r.DecidedAt == nil {
		return portal.RightsRequest{}, portal.Errorf(portal.ENOTFOUND, "no decision to object to")
	}
	return r, nil
}

func (s *server) renderObjection(c *fiber.Ctx, r portal.RightsRequest, p *objectionPage, status int) error {
	l := lang(c)
	p.R = s.requestView(l, r, false, nil)
	p.Passed = p.R.ObjectionPassed
	p.Deadline = FormatDate(l, portal.AwbObjectionDeadline(*r.DecidedAt))
	p.HasErrors = len(p.Errors) > 0
	title := "awb.title"
	if p.Passed {
		title = "awb.passed.title"
	}
	c.Status(status)
	return s.page(c, "awb_bezwaar", s.t(l, title), p)
}

// objectionForm shows the form for an Awb objection against the decision on a request, or, after the
// six weeks, what the person can still do.
func (s *server) objectionForm(c *fiber.Ctx) error {
	r, err := s.decidedForObjection(c)
	if err != nil {
		return err
	}
	return s.renderObjection(c, r, &objectionPage{}, fiber.StatusOK)
}

// fileObjection files the Awb objection as a new request of kind awb_bezwaar, linked to the decision,
// about the same data. After the six weeks it is refused (422) with the explanation; a second one while
// the first is handled (a double submit) files nothing and says so (409).
func (s *server) fileObjection(c *fiber.Ctx) error {
	sess, _ := session(c)
	l := lang(c)
	r, err := s.decidedForObjection(c)
	if err != nil {
		return err
	}
	p := &objectionPage{What: strings.TrimSpace(c.FormValue("wat")), Why: strings.TrimSpace(c.FormValue("waarom")),
		Errors: map[string]string{}}
	if p.What == "" {
		p.Errors["what"] = s.t(l, "awb.err.what")
	}
	if p.Why == "" {
		p.Errors["why"] = s.t(l, "awb.err.why")
	}
	if len(p.Errors) > 0 {
		return s.renderObjection(c, r, p, fiber.StatusUnprocessableEntity)
	}
	nr := portal.NewRequest{Kind: portal.KindAwbObjection, ObjectsTo: r.ID, Scope: r.Scope,
		Description:      s.t(l, "awb.text.what") + "\n" + p.What + "\n\n" + s.t(l, "awb.text.why") + "\n" + p.Why,
		ByRepresentation: actingOf(c).RepresentationID()}
	err = nr.Validate()
	if err == nil {
		var o portal.RightsRequest
		if o, err = s.requestStore.CreateRequest(c.UserContext(), sess.SubjectID, nr); err == nil {
			s.deps.Log.Info("awb objection filed", "request", o.ID, "objects_to", r.ID)
			return c.Redirect("/verzoeken/"+o.ID+"?nieuw=1", fiber.StatusSeeOther)
		}
	}
	switch {
	case portal.ErrorCode(err) == portal.ECONFLICT:
		p.Errors, p.AlreadyOpen = map[string]string{"open": s.t(l, "awb.err.open")}, true
		return s.renderObjection(c, r, p, fiber.StatusConflict)
	case portal.ErrorCode(err) == portal.EINVALID && s.deps.Now().After(portal.ObjectionPeriodEnd(*r.DecidedAt)):
		return s.renderObjection(c, r, p, fiber.StatusUnprocessableEntity) // the page explains the period has passed
	}
	if msg, at, ok := s.limitMessage(l, err); ok {
		s.setRetryAfter(c, at)
		p.Errors = map[string]string{"limit": msg}
		return s.renderObjection(c, r, p, fiber.StatusTooManyRequests)
	}
	return err
}

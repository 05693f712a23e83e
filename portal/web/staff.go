package web

import (
	"context"
	"slices"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/inzicht/inzicht/portal"
)

// caseStore is the staff side of rights requests: the queue, the case file (opening it is logged) and the steps.
type caseStore interface {
	Queue(ctx context.Context, f portal.RequestFilter) ([]portal.RightsRequest, error)
	OpenCaseFile(ctx context.Context, id string, by portal.Staff, municipality string) (portal.CaseFile, error)
	ActOnRequest(ctx context.Context, id string, by portal.Staff, a portal.Action) (portal.RightsRequest, error)
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
	return s.page(c, "medewerker", T(lang(c), "staff.title"), fiber.Map{
		"Handles": portal.HasAnyRole(sess.StaffRoles, portal.RequestHandlerRoles...), "ConsentSent": c.Query("toestemming") != "",
		"IsCouncil": portal.HasAnyRole(sess.StaffRoles, portal.RoleCouncil),
		"IsOfficer": portal.HasAnyRole(sess.StaffRoles, portal.RolePrivacyOfficer)})
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

func (s *server) staffQueue(c *fiber.Ctx) error {
	l := lang(c)
	f, err := queueFilter(c)
	if err != nil {
		return err
	}
	rs, err := s.caseStore.Queue(c.UserContext(), f)
	if err != nil {
		return err
	}
	views := make([]RequestView, len(rs))
	for i, r := range rs {
		views[i] = s.requestView(l, r, true, nil)
	}
	status := c.Query("status")
	if status == "" {
		status = "open"
	}
	return s.page(c, "mw_verzoeken", T(l, "staff.queue"), fiber.Map{"Requests": views, "Kinds": portal.RequestKinds,
		"Statuses": []portal.RequestStatus{portal.StatusReceived, portal.StatusHandling, portal.StatusExtended,
			portal.StatusDecided, portal.StatusWithdrawn},
		"FKind": string(f.Kind), "FStatus": status, "Updated": c.Query("bijgewerkt"), "Me": staffOf(c).Sub})
}

// staffRequest shows a request with the citizen's data in its scope. Opening it is recorded in the
// citizen's processing log in the same transaction that reads the data.
func (s *server) staffRequest(c *fiber.Ctx) error {
	l := lang(c)
	me := staffOf(c)
	cf, err := s.caseStore.OpenCaseFile(c.UserContext(), c.Params("id"), me, s.cfg.Municipality)
	if err != nil {
		return err
	}
	s.deps.Log.Info("rights request opened", "request", cf.Request.ID, "staff", me.Sub, "role", me.Role())
	rows := make([]Row, len(cf.Events))
	for i, e := range cf.Events {
		rows[i] = s.row(l, e)
	}
	byID := make(map[string]portal.LoggedEvent, len(cf.Events))
	for _, e := range cf.Events {
		byID[e.ID] = e
	}
	v := s.requestView(l, cf.Request, true, byID)
	return s.page(c, "mw_verzoek", T(l, "req.title", cf.Request.Reference), fiber.Map{"R": v, "BSN": cf.BSN, "Rows": rows,
		"More": cf.More, "Staff": true, "Max": portal.MaxCaseEvents, "Outcomes": portal.Outcomes,
		"CanStart":  portal.CanMove(cf.Request.Status, portal.StatusHandling),
		"CanExtend": portal.CanMove(cf.Request.Status, portal.StatusExtended) && !s.deps.Now().After(cf.Request.FirstDeadline),
		"CanDecide": portal.CanMove(cf.Request.Status, portal.StatusDecided),
		"Mine":      cf.Request.AssigneeSub == me.Sub})
}

// staffAct applies one action and returns to the queue (a redirect to the request page would record
// another view of the citizen's data that nobody asked for).
func (s *server) staffAct(kind portal.StepKind) fiber.Handler {
	return func(c *fiber.Ctx) error {
		a := portal.Action{Kind: kind, Note: c.FormValue("toelichting"), Corrections: c.FormValue("correcties"),
			Outcome: portal.Outcome(c.FormValue("besluit"))}
		if kind == portal.StepExtended {
			n, err := strconv.Atoi(c.FormValue("maanden"))
			if err != nil {
				return portal.Errorf(portal.EINVALID, "months must be 1 or 2")
			}
			a.Months = n
		}
		me := staffOf(c)
		r, err := s.caseStore.ActOnRequest(c.UserContext(), c.Params("id"), me, a)
		if err != nil {
			return err
		}
		s.deps.Log.Info("rights request changed", "request", r.ID, "action", kind, "status", r.Status, "staff", me.Sub)
		return c.Redirect("/medewerker/verzoeken?bijgewerkt="+r.Reference, fiber.StatusSeeOther)
	}
}

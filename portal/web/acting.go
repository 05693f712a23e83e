package web

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/inzicht/inzicht/portal"
)

// repStore is what acting on behalf of someone else needs from storage (issue 16).
type repStore interface {
	RepresentationForPortal(ctx context.Context, id string) (portal.StoredRepresentation, error)
	RepresentationsBy(ctx context.Context, actorID int64) ([]portal.StoredRepresentation, error)
	RepresentationsFor(ctx context.Context, subjectID int64) ([]portal.StoredRepresentation, error)
	SetSessionActing(ctx context.Context, rawID, repID string) error
	RecordRepresentativeAct(ctx context.Context, act portal.RepresentativeAct, municipality, capacity string) (string, error)
	RepresentativeActs(ctx context.Context, f portal.ActFilter) ([]portal.RepresentativeAct, error)
	DisputeRepresentation(ctx context.Context, subjectID int64, id, reason string) error
	DisputedRepresentations(ctx context.Context, subjectID int64) (map[string]bool, error)
	RepresentationDisputes(ctx context.Context, limit int) ([]portal.RepresentationDispute, error)
	ActiveRepresentationBetween(ctx context.Context, representativeID int64, subjectBSN string, at time.Time) (portal.StoredRepresentation, error)
}

// citizenPart guards a citizen's page of one part of the portal (portal.PartLog, …; "" for pages of no
// single part) and, while the citizen acts for someone else, records the page view or action what in
// the represented person's log once the handler succeeded. A representation that does not cover the
// part gives 403 before anything is read. A failed record fails the request: no representative sees
// a page whose view was not recorded.
func (s *server) citizenPart(part, what string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		sess, ok := session(c)
		if !ok {
			return c.Redirect("/inloggen", fiber.StatusSeeOther)
		}
		if sess.Kind != portal.SessionCitizen {
			return portal.Errorf(portal.EFORBIDDEN, "citizens only")
		}
		if sess.Acting == nil {
			return c.Next()
		}
		if part != "" && !sess.Acting.Covers(part) {
			return portal.Errorf(portal.EFORBIDDEN, "the representation does not cover %s", part)
		}
		if err := c.Next(); err != nil || what == "" {
			return err
		}
		st, act := c.Response().StatusCode(), what
		switch {
		case c.Method() == fiber.MethodHead:
			return nil
		case st == fiber.StatusUnprocessableEntity || st == fiber.StatusTooManyRequests:
			// A form shown again with a message still shows the person's data.
			act = portal.ActFormAgain
		case st >= 400:
			return nil
		}
		return s.recordAct(c, sess, act, c.Params("id"))
	}
}

// recordAct records one view or action of a representative in the represented person's log.
func (s *server) recordAct(c *fiber.Ctx, sess liveSession, what, ref string) error {
	a := sess.Acting
	_, err := s.repStore.RecordRepresentativeAct(c.UserContext(), portal.RepresentativeAct{RepresentationID: a.Rep.ID,
		ActorID: a.ActorID, SubjectID: a.Rep.SubjectID, What: what, Ref: ref, RepresentativeName: a.Rep.RepresentativeName},
		s.cfg.Municipality, s.t("nl", "rep.capacity."+a.Rep.Kind))
	return err
}

// actingOf returns the request's acting context: nil when the citizen acts for themselves.
func actingOf(c *fiber.Ctx) *portal.Acting {
	if sess, ok := session(c); ok {
		return sess.Acting
	}
	return nil
}

// RepView is a representation as a citizen reads it (the representative at /namens, the represented
// person at /vertegenwoordigers).
type RepView struct {
	ID                 string
	Ref                string // V-xxxxxxxx, as the log cites it
	SubjectName        string
	RepresentativeName string
	Age                int
	ShowAge            bool // a minor: the age is part of who they are shown as
	Capacity           string
	Parts              []string // translated
	Basis              string
	From, Until        string // dates as read; Until is the last day (inclusive), "" when open-ended
	Ended              string // the day it was ended through the municipality's systems, or ""
	Active             bool
	Current            bool // the session acts under it now
	Disputed           bool
	Acts               []ActView
}

// ActView is one recorded act of a representative as a citizen reads it.
type ActView struct {
	At                 time.Time
	What               string
	SubjectName        string
	RepresentativeName string
	Capacity           string
	Ref                string
	EventID            string
	EndedOrDisputed    bool
}

func (s *server) repView(l string, r portal.StoredRepresentation, now time.Time) RepView {
	v := RepView{ID: r.ID, Ref: portal.RepresentationRef(r.ID), SubjectName: r.SubjectName, RepresentativeName: r.RepresentativeName,
		Capacity: s.t(l, "rep.capacity."+r.Kind), Basis: s.t(l, "rep.basis."+r.LegalBasis.Kind) + ": " + r.LegalBasis.Reference,
		Active: r.ActiveAt(now)}
	if age, ok := r.Age(now); ok && age < 18 {
		v.Age, v.ShowAge = age, true
	}
	for _, p := range r.PartsOf() {
		v.Parts = append(v.Parts, s.t(l, "rep.part."+p))
	}
	if t, ok := portal.ParseDate(r.ValidFrom); ok {
		v.From = FormatDate(l, t)
	}
	if end := r.Until(); end != nil {
		v.Until = FormatDate(l, end.AddDate(0, 0, -1))
	}
	if r.EndedAt != nil {
		v.Ended = FormatDate(l, *r.EndedAt)
	}
	return v
}

func (s *server) actView(l string, a portal.RepresentativeAct) ActView {
	name := a.RepresentativeName
	if name == "" {
		name = s.t(l, "reps.someone")
	}
	return ActView{At: a.At, What: s.t(l, "act."+a.What), SubjectName: a.SubjectName, RepresentativeName: name,
		Capacity: s.t(l, "rep.capacity."+a.Kind), Ref: portal.RepresentationRef(a.RepresentationID), EventID: a.EventID,
		EndedOrDisputed: a.Disputed || (a.RepresentationEnd != nil && !s.deps.Now().Before(*a.RepresentationEnd))}
}

// actingPage (/namens) lets a citizen choose whose data to see: themselves, or each person they may act
// for now; representations no longer (or not yet) in force are listed apart.
func (s *server) actingPage(c *fiber.Ctx) error {
	sess, _ := session(c)
	l := lang(c)
	reps, err := s.repStore.RepresentationsBy(c.UserContext(), sess.Self)
	if err != nil {
		return err
	}
	now := s.deps.Now()
	var active, inactive []RepView
	for _, r := range reps {
		v := s.repView(l, r, now)
		v.Current = sess.Acting != nil && sess.Acting.Rep.ID == r.ID
		if v.Active {
			active = append(active, v)
		} else {
			inactive = append(inactive, v)
		}
	}
	return s.page(c, "namens", s.t(l, "acting.title"), fiber.Map{"Active": active, "Inactive": inactive,
		"Self": sess.Acting == nil, "Error": c.Query("fout") != ""})
}

// firstPart is where a representative lands: the first part of the portal the representation covers.
func firstPart(r portal.Representation) string {
	switch {
	case r.Covers(portal.PartLog):
		return "/overzicht"
	case r.Covers(portal.PartRequests):
		return "/verzoeken"
	case r.Covers(portal.PartConsent):
		return "/toestemmingen"
	default:
		return "/signalen"
	}
}

// chooseActing switches the session: "uzelf" (or nothing) for the citizen themselves, or the id of a
// representation under which they may act now. Anything else is refused, and no other person's data is
// touched.
func (s *server) chooseActing(c *fiber.Ctx) error {
	sess, _ := session(c)
	ctx := c.UserContext()
	choice := strings.ToLower(strings.TrimSpace(c.FormValue("voor")))
	if choice == "" {
		return c.Redirect("/namens?fout=1", fiber.StatusSeeOther)
	}
	if choice == "uzelf" {
		if err := s.repStore.SetSessionActing(ctx, sess.rawID, ""); err != nil {
			return err
		}
		return c.Redirect("/overzicht", fiber.StatusSeeOther)
	}
	rep, err := s.repStore.RepresentationForPortal(ctx, choice)
	if portal.ErrorCode(err) == portal.ENOTFOUND || (err == nil && (rep.RepresentativeID != sess.Self || !rep.ActiveAt(s.deps.Now()))) {
		return portal.Errorf(portal.EFORBIDDEN, "you may not act for this person now")
	}
	if err != nil {
		return err
	}
	if err := s.repStore.SetSessionActing(ctx, sess.rawID, rep.ID); err != nil {
		return err
	}
	acting := sess
	acting.Acting = &portal.Acting{Rep: rep, ActorID: sess.Self}
	if err := s.recordAct(c, acting, portal.ActStartActing, ""); err != nil {
		return err
	}
	return c.Redirect(firstPart(rep.Representation), fiber.StatusSeeOther)
}

// actsByMe (/namens/gedaan) lists what the citizen saw and did for others, newest first.
func (s *server) actsByMe(c *fiber.Ctx) error {
	sess, _ := session(c)
	l := lang(c)
	acts, err := s.repStore.RepresentativeActs(c.UserContext(), portal.ActFilter{ActorID: sess.Self, Limit: 500})
	if err != nil {
		return err
	}
	views := make([]ActView, len(acts))
	for i, a := range acts {
		views[i] = s.actView(l, a)
	}
	return s.page(c, "namens_gedaan", s.t(l, "acting.done.title"), fiber.Map{"Acts": views})
}

// myRepresentatives (/vertegenwoordigers) shows the citizen who may act, or acted, for them, what each
// saw and did, and lets them dispute a representation.
func (s *server) myRepresentatives(c *fiber.Ctx) error {
	return s.renderRepresentatives(c, "", "")
}

func (s *server) renderRepresentatives(c *fiber.Ctx, errFor, reason string) error {
	sess, _ := session(c)
	ctx := c.UserContext()
	l := lang(c)
	reps, err := s.repStore.RepresentationsFor(ctx, sess.Self)
	if err != nil {
		return err
	}
	disputed, err := s.repStore.DisputedRepresentations(ctx, sess.Self)
	if err != nil {
		return err
	}
	now := s.deps.Now()
	views := make([]RepView, len(reps))
	for i, r := range reps {
		views[i] = s.repView(l, r, now)
		views[i].Disputed = disputed[r.ID]
		acts, err := s.repStore.RepresentativeActs(ctx, portal.ActFilter{SubjectID: sess.Self, RepresentationID: r.ID, Limit: 100})
		if err != nil {
			return err
		}
		for _, a := range acts {
			views[i].Acts = append(views[i].Acts, s.actView(l, a))
		}
	}
	return s.page(c, "vertegenwoordigers", s.t(l, "reps.title"), fiber.Map{"Reps": views, "ErrorFor": errFor,
		"Reason": reason, "Disputed": c.Query("bezwaar") == "ok", "Acting": sess.Acting != nil})
}

// disputeRepresentation records that the represented person disputes a representation of theirs. The
// reason is required; without one the page comes back with the message at the field.
func (s *server) disputeRepresentation(c *fiber.Ctx) error {
	sess, _ := session(c)
	id := strings.ToLower(c.Params("id"))
	reason := strings.TrimSpace(c.FormValue("reden"))
	if sess.Acting != nil {
		return portal.Errorf(portal.EFORBIDDEN, "only the person themselves disputes a representation")
	}
	if reason == "" || portal.CheckText(reason, 2000) != "" {
		c.Status(fiber.StatusUnprocessableEntity)
		return s.renderRepresentatives(c, id, reason)
	}
	if err := s.repStore.DisputeRepresentation(c.UserContext(), sess.Self, id, reason); err != nil {
		return err
	}
	return c.Redirect("/vertegenwoordigers?bezwaar=ok", fiber.StatusSeeOther)
}

// banner is the acting banner for a, or nil when the citizen acts for themselves.
func (s *server) banner(l string, a *portal.Acting) *actingBanner {
	if a == nil {
		return nil
	}
	who := a.Rep.SubjectName
	if age, ok := a.Rep.Age(s.deps.Now()); ok && age < 18 {
		who += " (" + strconv.Itoa(age) + ")"
	}
	return &actingBanner{Name: a.Rep.SubjectName, Who: who, Capacity: s.t(l, "rep.capacity."+a.Rep.Kind)}
}

// actableCount is how many people the citizen self may act for now.
func (s *server) actableCount(ctx context.Context, self int64) (int, error) {
	reps, err := s.repStore.RepresentationsBy(ctx, self)
	if err != nil {
		return 0, err
	}
	now, n := s.deps.Now(), 0
	for _, r := range reps {
		if r.ActiveAt(now) {
			n++
		}
	}
	return n, nil
}

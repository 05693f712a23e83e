package web

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/inzicht/inzicht/portal"
)

// repStore is what acting on behalf of someone else needs from storage (issue 16).
type repStore interface {
	Representation(ctx context.Context, id string) (portal.StoredRepresentation, error)
	RepresentationsBy(ctx context.Context, actorID int64) ([]portal.StoredRepresentation, error)
	RepresentationsFor(ctx context.Context, subjectID int64) ([]portal.StoredRepresentation, error)
	SetSessionActing(ctx context.Context, rawID, repID string) error
	RecordRepresentativeAct(ctx context.Context, act portal.RepresentativeAct, municipality, capacity string) (string, error)
	RepresentativeActs(ctx context.Context, f portal.ActFilter) ([]portal.RepresentativeAct, error)
	DisputeRepresentation(ctx context.Context, subjectID int64, id, reason string) error
	DisputedRepresentations(ctx context.Context, subjectID int64) (map[string]bool, error)
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
		if st := c.Response().StatusCode(); st >= 400 || c.Method() == fiber.MethodHead {
			return nil
		}
		return s.recordAct(c, sess, what, c.Params("id"))
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

// The pages below are filled in next; the routes exist so the guard can be reviewed with them.
func (s *server) actingPage(c *fiber.Ctx) error   { return portal.Errorf(portal.ENOTFOUND, "not yet") }
func (s *server) chooseActing(c *fiber.Ctx) error { return portal.Errorf(portal.ENOTFOUND, "not yet") }
func (s *server) actsByMe(c *fiber.Ctx) error     { return portal.Errorf(portal.ENOTFOUND, "not yet") }
func (s *server) myRepresentatives(c *fiber.Ctx) error {
	return portal.Errorf(portal.ENOTFOUND, "not yet")
}
func (s *server) disputeRepresentation(c *fiber.Ctx) error {
	return portal.Errorf(portal.ENOTFOUND, "not yet")
}

package web

import (
	"context"
	"slices"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/inzicht/inzicht/portal"
)

// teamLeadStore is what the team lead's home reads.
type teamLeadStore interface {
	BreakGlassSince(ctx context.Context, since time.Time, municipality, lang string, limit int) ([]portal.Flagged, error)
	UnseenBreakGlass(ctx context.Context, staffSub, municipality string) (map[string]bool, error)
	MarkBreakGlassSeen(ctx context.Context, staffSub string, eventIDs []string) error
}

// teamLeadPeriod is how far back the team lead's home lists emergency accesses.
const teamLeadPeriod = 30 * 24 * time.Hour

// teamLeadHome adds to the staff home what a team lead must act on or know: deferrals of telling a
// person about a signal that wait for their approval (four eyes), and every emergency access
// (break-the-glass) by the municipality's staff in the last 30 days (PIA §5.3.3).
func (s *server) teamLeadHome(c *fiber.Ctx, data fiber.Map) error {
	l := lang(c)
	ss, err := s.signalStore.StaffSignals(c.UserContext(), 500)
	if err != nil {
		return err
	}
	me := staffOf(c).Sub
	var waiting []SignalView
	for _, sg := range ss {
		if v := s.signalView(l, sg); v.Pending && v.Deferral != nil && v.Deferral.RequestedBy != me {
			waiting = append(waiting, v)
		}
	}
	bg, err := s.teamLeadStore.BreakGlassSince(c.UserContext(), s.deps.Now().Add(-teamLeadPeriod), s.cfg.Municipality, l, 200)
	if err != nil {
		return err
	}
	// Decisions against the person's will wait for a second pair of eyes: not the proposer's own.
	ps, err := s.caseStore.WaitingProposals(c.UserContext(), 200)
	if err != nil {
		return err
	}
	proposals := slices.DeleteFunc(ps, func(p portal.WaitingProposal) bool { return p.ProposedBy == me })
	// Each emergency access is a notification for every team lead until they mark it seen.
	unseen, err := s.teamLeadStore.UnseenBreakGlass(c.UserContext(), me, s.cfg.Municipality)
	if err != nil {
		return err
	}
	var shownUnseen []string
	for _, f := range bg {
		if unseen[f.EventID] {
			shownUnseen = append(shownUnseen, f.EventID)
		}
	}
	data["IsLead"], data["Deferrals"], data["BreakGlass"], data["Proposals"] = true, waiting, bg, proposals
	data["Unseen"], data["UnseenShown"], data["SeenDone"] = unseen, shownUnseen, c.Query("gezien") != ""
	return nil
}

// markBreakGlassSeen marks the emergency accesses the team lead was shown as seen, and returns home.
func (s *server) markBreakGlassSeen(c *fiber.Ctx) error {
	var ids []string
	for _, v := range c.Request().PostArgs().PeekMulti("toegang") {
		if id, err := uuid.Parse(string(v)); err == nil {
			ids = append(ids, id.String())
		}
	}
	if len(ids) == 0 {
		return portal.Errorf(portal.EINVALID, "no access named")
	}
	if err := s.teamLeadStore.MarkBreakGlassSeen(c.UserContext(), staffOf(c).Sub, ids); err != nil {
		return err
	}
	return c.Redirect("/medewerker?gezien=1", fiber.StatusSeeOther)
}

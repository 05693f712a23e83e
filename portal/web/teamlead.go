package web

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/inzicht/inzicht/portal"
)

// teamLeadStore is what the team lead's home reads.
type teamLeadStore interface {
	BreakGlassSince(ctx context.Context, since time.Time, municipality, lang string, limit int) ([]portal.Flagged, error)
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
	data["IsLead"], data["Deferrals"], data["BreakGlass"] = true, waiting, bg
	return nil
}

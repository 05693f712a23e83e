package web

import (
	"context"
	"sort"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/inzicht/inzicht/portal"
)

// oversightStore gives the privacy officer what to review (reading it is logged).
type oversightStore interface {
	Oversight(ctx context.Context, since time.Time, limit int, by portal.Staff, municipality string) ([]portal.Flagged, []portal.Flagged, error)
	ReviewBreakGlass(ctx context.Context, eventID string, by portal.Staff, justified bool, note string) error
	StaffPatterns(ctx context.Context, since time.Time, minViews int) ([]portal.StaffPattern, error)
	RecordOversightViews(ctx context.Context, by portal.Staff, municipality string, subjectIDs []int64) error
}

// Oversight thresholds: staff are flagged when more than this share of their views was not through an
// assignment, or when they viewed more than twice the peers' median number of data categories.
const (
	oversightUnassignedShare = 0.3
	oversightMinViews        = 20
	oversightPeriod          = 90 * 24 * time.Hour
)

// PatternView is a staff pattern with the reasons it is flagged.
type PatternView struct {
	portal.StaffPattern
	Share      int // percent
	Unassigned bool
	Broad      bool
}

// oversight is the privacy officer's page. Opening it records a view in the log of every citizen whose
// flagged processing is listed.
func (s *server) oversight(c *fiber.Ctx) error {
	l := lang(c)
	ctx := c.UserContext()
	now := s.deps.Now()
	since := now.Add(-oversightPeriod)
	bg, nc, err := s.oversightStore.Oversight(ctx, now.AddDate(-1, 0, 0), 200, staffOf(c), s.cfg.Municipality)
	if err != nil {
		return err
	}
	ps, err := s.oversightStore.StaffPatterns(ctx, since, oversightMinViews)
	if err != nil {
		return err
	}
	cats := make([]int, len(ps))
	for i, p := range ps {
		cats[i] = p.Categories
	}
	sort.Ints(cats)
	median := 0
	if len(cats) > 0 {
		median = cats[len(cats)/2]
	}
	var flagged []PatternView
	for _, p := range ps {
		v := PatternView{StaffPattern: p, Share: int(p.UnassignedShare()*100 + 0.5),
			Unassigned: p.UnassignedShare() > oversightUnassignedShare, Broad: len(ps) >= 3 && p.Categories > 2*median}
		if v.Unassigned || v.Broad {
			flagged = append(flagged, v)
		}
	}
	ss, err := s.signalStore.StaffSignals(ctx, 500)
	if err != nil {
		return err
	}
	counts := map[string]int{"pending": 0, "review": 0, "late": 0, "keep": 0, "hidden": 0}
	var deferred []SignalView
	for _, sg := range ss {
		v := s.signalView(l, sg)
		for k, on := range map[string]bool{"pending": v.Pending, "review": v.ReviewSoon, "late": v.DecisionLate,
			"keep": v.KeepReview, "hidden": v.Hidden} {
			if on {
				counts[k]++
			}
		}
		if v.Hidden && v.Deferral != nil {
			deferred = append(deferred, v)
		}
	}
	// Acts by representatives whose representation has since ended or was disputed (issue 16).
	acts, err := s.repStore.RepresentativeActs(ctx, portal.ActFilter{EndedOrDisputed: true, Limit: 200})
	if err != nil {
		return err
	}
	actViews := make([]ActView, len(acts))
	for i, a := range acts {
		actViews[i] = s.actView(l, a)
	}
	disputes, err := s.repStore.RepresentationDisputes(ctx, 100)
	if err != nil {
		return err
	}
	dviews := make([]DisputeView, len(disputes))
	var shown []int64
	for i, d := range disputes {
		dviews[i] = DisputeView{RepView: s.repView(l, d.Rep, now), Reason: d.Reason, At: d.At}
		shown = append(shown, d.Rep.SubjectID)
	}
	for _, a := range acts {
		shown = append(shown, a.SubjectID)
	}
	// The people listed see in their own log that the privacy officer looked.
	if err := s.oversightStore.RecordOversightViews(ctx, staffOf(c), s.cfg.Municipality, shown); err != nil {
		return err
	}
	s.deps.Log.Info("oversight opened", "staff", staffOf(c).Sub, "break_glass", len(bg), "not_covered", len(nc))
	return s.page(c, "toezicht", s.t(l, "oversight.title"), fiber.Map{"BreakGlass": bg, "NotCovered": nc, "Patterns": flagged,
		"SignalCounts": counts, "Deferred": deferred, "SharePct": int(oversightUnassignedShare * 100), "MinViews": oversightMinViews,
		"RepActs": actViews, "Disputes": dviews})
}

func (s *server) reviewBreakGlass(c *fiber.Ctx) error {
	var justified bool
	switch c.FormValue("oordeel") {
	case "terecht":
		justified = true
	case "onterecht":
	default:
		return portal.Errorf(portal.EINVALID, "choose justified or not")
	}
	if err := s.oversightStore.ReviewBreakGlass(c.UserContext(), strings.ToLower(c.Params("id")), staffOf(c), justified,
		strings.TrimSpace(c.FormValue("notitie"))); err != nil {
		return err
	}
	return c.Redirect("/toezicht", fiber.StatusSeeOther)
}

// DisputeView is a representation the represented person disputed, as the privacy officer reads it.
type DisputeView struct {
	RepView
	Reason string
	At     time.Time
}

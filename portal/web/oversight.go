package web

import (
	"context"
	"encoding/csv"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/inzicht/inzicht/portal"
)

// oversightStore gives the privacy officer what to review (reading it is logged).
type oversightStore interface {
	Oversight(ctx context.Context, f portal.OversightFilter, by portal.Staff, municipality string) ([]portal.Flagged, []portal.Flagged, error)
	ReviewBreakGlass(ctx context.Context, eventID string, by portal.Staff, justified bool, note string) error
	StaffPatterns(ctx context.Context, since, until time.Time, minViews int) ([]portal.StaffPattern, error)
	RecordOversightViews(ctx context.Context, by portal.Staff, municipality string, subjectIDs []int64) error
	// ObjectionJudgements: the judgements linked to an objection, for the clerk's request page.
	ObjectionJudgements(ctx context.Context, requestID string) ([]portal.Flagged, error)
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

// oversightQuery is the oversight page's filter as typed (kept in the URL): a period of days and
// "only not yet judged".
type oversightQuery struct {
	From, To string // yyyy-mm-dd
	Unjudged bool
}

// Encode gives the query string that shows the same filter (for the export link).
func (q oversightQuery) Encode() string {
	v := url.Values{}
	if q.From != "" {
		v.Set("van", q.From)
	}
	if q.To != "" {
		v.Set("tot", q.To)
	}
	if q.Unjudged {
		v.Set("open", "1")
	}
	return v.Encode()
}

// oversightPeriods are the periods the page reads: the flagged lines' (by default the last 12 months)
// and the staff patterns' (by default the last 90 days); a period typed in the filter is both.
type oversightPeriods struct {
	Filter                       portal.OversightFilter
	PatternsFrom, PatternsBefore time.Time
}

// parseOversightQuery reads the filter; an invalid or reversed date is a message at its field.
func (s *server) parseOversightQuery(c *fiber.Ctx, now time.Time) (oversightQuery, oversightPeriods, formErrors) {
	l := lang(c)
	q := oversightQuery{From: strings.TrimSpace(c.Query("van")), To: strings.TrimSpace(c.Query("tot")), Unjudged: c.Query("open") != ""}
	p := oversightPeriods{Filter: portal.OversightFilter{From: now.AddDate(-1, 0, 0), Unjudged: q.Unjudged, Limit: 200},
		PatternsFrom: now.Add(-oversightPeriod), PatternsBefore: now.Add(time.Minute)}
	var fe formErrors
	day := func(in, v string) (time.Time, bool) {
		t, err := time.ParseInLocation("2006-01-02", v, amsterdam)
		if err != nil || !dateRe.MatchString(v) {
			if fe == nil {
				fe = formErrors{}
			}
			fe[in] = s.t(l, "oversight.err."+in)
			return time.Time{}, false
		}
		return t, true
	}
	if q.From != "" {
		if t, ok := day("van", q.From); ok {
			p.Filter.From, p.PatternsFrom = t, t
		}
	}
	if q.To != "" {
		if t, ok := day("tot", q.To); ok {
			p.Filter.To, p.PatternsBefore = t.AddDate(0, 0, 1), t.AddDate(0, 0, 1) // the whole last day
		}
	}
	if fe == nil && q.From != "" && q.To != "" && !p.Filter.From.Before(p.Filter.To) {
		fe = formErrors{"tot": s.t(l, "oversight.err.order")}
	}
	return q, p, fe
}

// flaggedPatterns reads the staff patterns of a period and keeps those that stand out.
func (s *server) flaggedPatterns(ctx context.Context, since, until time.Time) ([]PatternView, error) {
	ps, err := s.oversightStore.StaffPatterns(ctx, since, until, oversightMinViews)
	if err != nil {
		return nil, err
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
	return flagged, nil
}

// oversight is the privacy officer's page. Opening it records a view in the log of every citizen whose
// flagged processing is listed. Each line names the person by a pseudonym only.
func (s *server) oversight(c *fiber.Ctx) error {
	l := lang(c)
	ctx := c.UserContext()
	now := s.deps.Now()
	q, per, fe := s.parseOversightQuery(c, now)
	data := fiber.Map{"Q": q, "Export": "/toezicht/export.csv", "SharePct": int(oversightUnassignedShare * 100), "MinViews": oversightMinViews}
	if qs := q.Encode(); qs != "" {
		data["Export"] = "/toezicht/export.csv?" + qs
	}
	if fe != nil {
		// Nothing is read (and no view recorded) until the filter is valid.
		data["Errors"], data["Summary"] = fe, fe.summary([]string{"van", "tot"})
		c.Status(fiber.StatusUnprocessableEntity)
		return s.page(c, "toezicht", s.t(l, "oversight.title"), data)
	}
	bg, nc, err := s.oversightStore.Oversight(ctx, per.Filter, staffOf(c), s.cfg.Municipality)
	if err != nil {
		return err
	}
	flagged, err := s.flaggedPatterns(ctx, per.PatternsFrom, per.PatternsBefore)
	if err != nil {
		return err
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
	data["BreakGlass"], data["NotCovered"], data["Patterns"] = bg, nc, flagged
	data["SignalCounts"], data["Deferred"], data["RepActs"], data["Disputes"] = counts, deferred, actViews, dviews
	data["PeriodFrom"], data["PeriodTo"] = per.Filter.From, lastDay(per.Filter.To, now)
	data["PatternsFrom"], data["PatternsTo"] = per.PatternsFrom, lastDay(per.PatternsBefore, now)
	return s.page(c, "toezicht", s.t(l, "oversight.title"), data)
}

// lastDay is the last day of a period that ends before (exclusive), or today for an open period.
func lastDay(before, now time.Time) time.Time {
	if before.IsZero() || before.After(now) {
		return now
	}
	return before.Add(-time.Second)
}

// oversightCSV exports the judgements of break-the-glass accesses, the processing not covered by
// consent and the staff patterns of the filter's period, for the Autoriteit Persoonsgegevens: one
// table with a kind column, persons by pseudonym only, cells made safe for spreadsheets. Exporting is
// recorded in the log of every person listed, as opening the page is.
func (s *server) oversightCSV(c *fiber.Ctx) error {
	l := lang(c)
	ctx := c.UserContext()
	now := s.deps.Now()
	_, per, fe := s.parseOversightQuery(c, now)
	if fe != nil {
		var fields []portal.FieldError
		for in := range fe {
			fields = append(fields, portal.FieldError{Index: -1, Field: in, Message: "invalid"})
		}
		return &portal.Error{Code: portal.EINVALID, Message: "invalid filter", Fields: fields}
	}
	bg, nc, err := s.oversightStore.Oversight(ctx, per.Filter, staffOf(c), s.cfg.Municipality)
	if err != nil {
		return err
	}
	flagged, err := s.flaggedPatterns(ctx, per.PatternsFrom, per.PatternsBefore)
	if err != nil {
		return err
	}
	s.deps.Log.Info("oversight exported", "staff", staffOf(c).Sub, "break_glass", len(bg), "not_covered", len(nc), "patterns", len(flagged))
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="toezicht.csv"`)
	w := csv.NewWriter(c.Response().BodyWriter())
	w.Comma = ';' // what Dutch spreadsheet settings expect
	head := []string{s.t(l, "oversight.csv.kind"), "id", s.t(l, "field.when"), s.t(l, "oversight.person"), s.t(l, "field.who"), "team",
		s.t(l, "field.role"), s.t(l, "field.employee"), s.t(l, "field.activity"), s.t(l, "oversight.csv.reason"),
		s.t(l, "oversight.judgement"), s.t(l, "oversight.csv.judged_by"), s.t(l, "oversight.csv.judged_at"), s.t(l, "oversight.note"),
		s.t(l, "oversight.objections"), s.t(l, "oversight.told"), s.t(l, "oversight.views"), s.t(l, "oversight.unassigned"),
		s.t(l, "oversight.categories")}
	_ = w.Write(append([]string{"\ufeff" + head[0]}, head[1:]...))
	stamp := func(t time.Time) string { return t.In(amsterdam).Format("2006-01-02 15:04:05") }
	yes := func(b bool) string {
		if b {
			return s.t(l, "oversight.csv.yes")
		}
		return s.t(l, "oversight.csv.no")
	}
	write := func(rec []string) {
		for i := range rec {
			rec[i] = csvSafe(rec[i])
		}
		_ = w.Write(rec)
	}
	line := func(kind string, f portal.Flagged) []string {
		employee := f.EmployeeName
		if f.EmployeeID != "" {
			employee = strings.TrimSpace(f.EmployeeName + " (" + f.EmployeeID + ")")
		}
		activity := f.ActivityName.In(l)
		if activity == "" {
			activity = f.Activity
		}
		return []string{kind, f.EventID, stamp(f.OccurredAt), f.Pseudonym, f.Organization, f.Team, f.Role, employee, activity, f.Reason}
	}
	for _, f := range bg {
		judgement, at := s.t(l, "oversight.open"), ""
		if f.Reviewed {
			judgement = s.t(l, "oversight.justified")
			if !f.Justified {
				judgement = s.t(l, "oversight.unjustified")
			}
		}
		if f.ReviewedAt != nil {
			at = stamp(*f.ReviewedAt)
		}
		write(append(line(s.t(l, "oversight.csv.bg"), f), judgement, f.ReviewerName, at, f.Note, strings.Join(f.Objections, ", "),
			yes(f.Told), "", "", ""))
	}
	for _, f := range nc {
		write(append(line(s.t(l, "oversight.csv.consent"), f), "", "", "", "", "", "", "", "", ""))
	}
	for _, p := range flagged {
		employee := strings.TrimSpace(p.EmployeeName + " (" + p.EmployeeID + ")")
		write([]string{s.t(l, "oversight.csv.pattern"), "", stamp(per.PatternsFrom) + " – " + stamp(lastDay(per.PatternsBefore, now)), "",
			p.Organization, "", "", employee, "", "", "", "", "", "", "", "", strconv.Itoa(p.Views),
			strconv.Itoa(p.Share) + "%", strconv.Itoa(p.Categories)})
	}
	w.Flush()
	return w.Error()
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
	// Back to the list as it was filtered.
	to := "/toezicht"
	if qs := (oversightQuery{From: c.FormValue("van"), To: c.FormValue("tot"), Unjudged: c.FormValue("open") != ""}).Encode(); qs != "" {
		to += "?" + qs
	}
	return c.Redirect(to, fiber.StatusSeeOther)
}

// DisputeView is a representation the represented person disputed, as the privacy officer reads it.
type DisputeView struct {
	RepView
	Reason string
	At     time.Time
}

package web

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/inzicht/inzicht/portal"
	"github.com/inzicht/inzicht/portal/pdfexport"
)

// logStore reads a citizen's own processing log (the overview, /verwerkingen and its downloads).
type logStore interface {
	SubjectBSN(ctx context.Context, subjectID int64) (string, error)
	Events(ctx context.Context, subjectID int64, f portal.EventFilter) ([]portal.LoggedEvent, bool, error)
	Event(ctx context.Context, subjectID int64, id string) (portal.LoggedEvent, error)
	Summary(ctx context.Context, subjectID int64) (portal.Summary, error)
	// EventFor and SummaryFor read for someone who may see only financial processing (an
	// administrator acting for the person) when financialOnly.
	EventFor(ctx context.Context, subjectID int64, id string, acting *portal.Acting) (portal.LoggedEvent, error)
	SummaryFor(ctx context.Context, subjectID int64, acting *portal.Acting) (portal.Summary, error)
}

func (s *server) home(c *fiber.Ctx) error {
	if sess, ok := session(c); ok {
		if sess.Kind == portal.SessionCitizen {
			return c.Redirect("/overzicht", fiber.StatusSeeOther)
		}
		return c.Redirect("/medewerker", fiber.StatusSeeOther)
	}
	return s.page(c, "home", s.t(lang(c), "site.tagline"), nil)
}

// Row is one event as shown to the citizen, already in their language.
type Row struct {
	ID         string
	When       time.Time
	Org        string
	Team       string
	Role       string
	Employee   string
	Action     string
	Categories []string
	Level      string
	LevelLong  string
	Activity   string
	Purpose    string
	Legal      string
	Controller string
	Retention  string
	CaseRef    string
	Recipient  string
	Basis      string
	Marks      []string
	Sensitive  bool
	// ConsentLink leads to the consent a consent-based event was covered by.
	ConsentLink string
	// Origin says, on the detail page, that the processing was part of a request from another
	// organisation (LDV foreign operation), naming it when known.
	Origin string
	// OriginOrg names the organisation of the foreign operation for staff, when known.
	OriginOrg string
	// SourceName is the sending system's own name of the processing (VNG), for staff.
	SourceName string
	// System is the system the processing was done in, shown to staff (Staff rows).
	System string
	// Span is the OTLP span the event came from, shown to staff only.
	Span *portal.Span
	// ActionID is the event's action as stored ("view", …), for grouping.
	ActionID string
	// Times > 1: this row stands for that many consecutive views of the same case by the same person,
	// the earliest at First (the citizen's log groups them; every view stays recorded and downloadable);
	// Grouped says so in the reader's language.
	Times   int
	First   time.Time
	Grouped string
	// who is the employee behind the row (id and name), also when the citizen is not shown the name:
	// only views by the same person are grouped.
	who string
}

// viewGroupGap is how far apart two views of the same case by the same person may be to be shown as one
// row in the citizen's log.
const viewGroupGap = 30 * time.Minute

// groupViews folds consecutive rows (newest first) that are views of the same case by the same person,
// the same way, each within viewGroupGap of the next, into one row ("bekeken, 16 keer tussen … en …").
// Marked rows (emergency access, against the will, consent) are never folded.
func (s *server) groupViews(l string, rows []Row) []Row {
	out := make([]Row, 0, len(rows))
	for _, r := range rows {
		if n := len(out); n > 0 && sameView(out[n-1], r) {
			g := &out[n-1]
			if g.Times == 0 {
				g.Times, g.First = 1, g.When
			}
			if g.First.Sub(r.When) <= viewGroupGap {
				g.Times++
				g.First = r.When
				continue
			}
		}
		out = append(out, r)
	}
	for i := range out {
		if g := &out[i]; g.Times > 1 {
			from, to := FormatDateTime(l, g.First), FormatDateTime(l, g.When)
			if FormatDate(l, g.First) == FormatDate(l, g.When) {
				from, to = g.First.In(amsterdam).Format("15:04"), g.When.In(amsterdam).Format("15:04")
			}
			if from == to { // all in one minute: "2 keer om 10:04", not "tussen 10:04 en 10:04"
				g.Grouped = s.t(l, "log.grouped.at", g.Action, g.Times, to)
			} else {
				g.Grouped = s.t(l, "log.grouped", g.Action, g.Times, from, to)
			}
		}
	}
	return out
}

func sameView(a, b Row) bool {
	return a.ActionID == "view" && b.ActionID == "view" && !a.Sensitive && !b.Sensitive && len(a.Marks) == 0 && len(b.Marks) == 0 &&
		a.Org == b.Org && a.Team == b.Team && a.Role == b.Role && a.who == b.who && a.Activity == b.Activity &&
		a.CaseRef == b.CaseRef && a.Level == b.Level && a.Basis == b.Basis && a.Recipient == b.Recipient &&
		slices.Equal(a.Categories, b.Categories)
}

func (s *server) row(l string, e portal.LoggedEvent) Row {
	// An event from an OTLP span may leave these empty: the citizen reads "not stated", never a guess.
	stated := func(key, v, suffix string) string {
		if v == "" {
			return s.t(l, "field.not_stated")
		}
		return s.t(l, key+v+suffix)
	}
	role := e.Actor.Role
	if role == "" {
		role = s.t(l, "field.not_stated")
	}
	r := Row{ID: e.ID, ActionID: e.Action, who: e.Actor.EmployeeID + "\x00" + e.Actor.EmployeeName, When: e.OccurredAt, Org: e.Actor.Organization, Team: e.Actor.Team, Role: role,
		Action: stated("action.", e.Action, ""), Level: stated("level.", e.Level, ".short"), LevelLong: stated("level.", e.Level, ""),
		Activity: e.Activity.Name.In(l), Purpose: e.Activity.Purpose.In(l), Legal: e.Activity.LegalBasis.In(l),
		Controller: e.Activity.Controller, Retention: e.Activity.Retention, CaseRef: e.CaseRef, Recipient: e.Recipient,
		Basis: stated("basis.", e.AccessBasis, ""), Sensitive: e.Sensitive()}
	if e.Span != nil && e.Span.Failed {
		r.Marks = append(r.Marks, s.t(l, "mark.failed_attempt"))
	}
	r.Span = e.Span
	if e.Origin != nil {
		r.Origin = s.origin(l, e.OriginOrganization, e.Origin.Entity)
		r.OriginOrg = e.OriginOrganization
	}
	r.SourceName = e.SourceName
	if s.cfg.ShowEmployee {
		r.Employee = e.Actor.EmployeeName
	}
	for _, c := range e.DataCategories {
		r.Categories = append(r.Categories, s.category(l, c))
	}
	switch e.AccessBasis {
	case portal.BasisBreakGlass:
		r.Marks = append(r.Marks, s.t(l, "mark.break_glass", strings.TrimSpace(e.BreakGlassReason)))
	case portal.BasisConsent:
		// The line names the request by its TS reference, whether it cited that or the UUID.
		ref := e.ConsentRef
		if e.ConsentReference != "" {
			ref = e.ConsentReference
		}
		if e.ConsentCovered != nil && !*e.ConsentCovered {
			r.Marks = append(r.Marks, s.t(l, "mark.consent_uncovered", ref))
		} else {
			r.Marks = append(r.Marks, s.t(l, "mark.consent", ref))
			if e.ConsentCovered != nil && e.ConsentID != "" {
				r.ConsentLink = "/toestemmingen/" + e.ConsentID
			}
		}
	case portal.BasisAgainstWill:
		if aw := e.AgainstWill; aw != nil {
			// The approver is a staff member: named only where employees are.
			approver := s.t(l, "mark.second_staff")
			if s.cfg.ShowEmployee {
				approver = aw.ApprovedBy
			}
			r.Marks = append(r.Marks, s.t(l, "mark.against_will", aw.DecisionRef, strings.TrimRight(aw.Reason, ". "), approver))
		}
	}
	return r
}

// origin is the sentence that tells a citizen a processing was part of a request from another
// organisation: by name when known, else by the host of the organisation's URI, else unnamed.
func (s *server) origin(l, name, entity string) string {
	if name != "" {
		return s.t(l, "detail.origin", name)
	}
	if u, err := url.Parse(entity); err == nil && u.Hostname() != "" && (u.Scheme == "https" || u.Scheme == "http") {
		return s.t(l, "detail.origin.host", u.Hostname())
	}
	return s.t(l, "detail.origin.unknown")
}

func (s *server) overview(c *fiber.Ctx) error {
	sess, _ := session(c)
	ctx := c.UserContext()
	l := lang(c)
	fin := sess.Acting.FinancialOnly()
	sum, err := s.logStore.SummaryFor(ctx, sess.SubjectID, sess.Acting)
	if err != nil {
		return err
	}
	evs, _, err := s.logStore.Events(ctx, sess.SubjectID, portal.EventFilter{Limit: 5, For: sess.Acting})
	if err != nil {
		return err
	}
	bsn, err := s.logStore.SubjectBSN(ctx, sess.SubjectID)
	if err != nil {
		return err
	}
	rows := make([]Row, len(evs))
	for i, e := range evs {
		rows[i] = s.row(l, e)
	}
	data := fiber.Map{"Summary": sum, "Rows": s.groupViews(l, rows), "MaskedBSN": portal.MaskBSN(bsn), "Financial": fin,
		"Acting": sess.Acting != nil}
	if sess.Acting == nil {
		n, err := s.actableCount(ctx, sess.Self)
		if err != nil {
			return err
		}
		data["MayAct"] = n > 0
	}
	return s.page(c, "overzicht", s.t(l, "overview.title"), data)
}

// logQuery is the filter of /verwerkingen, parsed from the query string.
type logQuery struct {
	From, To     string // yyyy-mm-dd as typed
	Organization string
	Category     string
	Basis        string
	After        string // cursor
}

var dateRe = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

func parseLogQuery(c *fiber.Ctx) (logQuery, portal.EventFilter, error) {
	q := logQuery{From: c.Query("van"), To: c.Query("tot"), Organization: c.Query("organisatie"),
		Category: c.Query("categorie"), Basis: c.Query("grondslag"), After: c.Query("na")}
	var f portal.EventFilter
	bad := func(field string) error {
		return &portal.Error{Code: portal.EINVALID, Message: "invalid filter", Fields: []portal.FieldError{{Index: -1, Field: field, Message: "invalid"}}}
	}
	if q.From != "" {
		t, err := time.ParseInLocation("2006-01-02", q.From, amsterdam)
		if err != nil || !dateRe.MatchString(q.From) {
			return q, f, bad("van")
		}
		f.From = t
	}
	if q.To != "" {
		t, err := time.ParseInLocation("2006-01-02", q.To, amsterdam)
		if err != nil || !dateRe.MatchString(q.To) {
			return q, f, bad("tot")
		}
		f.To = t.AddDate(0, 0, 1) // inclusive of the whole day
	}
	if q.Basis != "" && !slices.Contains(portal.AccessBases, q.Basis) {
		return q, f, bad("grondslag")
	}
	if portal.CheckText(q.Organization, 500) != "" {
		return q, f, bad("organisatie")
	}
	if q.Category != "" && !portal.ValidCategory(q.Category) {
		return q, f, bad("categorie")
	}
	f.Organization, f.Category, f.AccessBasis = q.Organization, q.Category, q.Basis
	if q.After != "" {
		cur, err := parseCursor(q.After)
		if err != nil {
			return q, f, bad("na")
		}
		f.After = &cur
	}
	return q, f, nil
}

func parseCursor(s string) (portal.Cursor, error) {
	ts, id, ok := strings.Cut(s, "_")
	if !ok || !portal.ValidEventID(id) {
		return portal.Cursor{}, fmt.Errorf("bad cursor")
	}
	t, err := time.Parse(time.RFC3339Nano, ts)
	if err != nil {
		return portal.Cursor{}, err
	}
	return portal.Cursor{OccurredAt: t, ID: id}, nil
}

func formatCursor(e portal.LoggedEvent) string {
	return LogCursor(portal.Cursor{OccurredAt: e.OccurredAt, ID: e.ID})
}

// LogCursor is the value of /verwerkingen?na=… that continues the log after position c.
func LogCursor(c portal.Cursor) string {
	return c.OccurredAt.UTC().Format(time.RFC3339Nano) + "_" + c.ID
}

func (q logQuery) values() url.Values {
	v := url.Values{}
	for k, val := range map[string]string{"van": q.From, "tot": q.To, "organisatie": q.Organization, "categorie": q.Category, "grondslag": q.Basis} {
		if val != "" {
			v.Set(k, val)
		}
	}
	return v
}

// withQuery appends v to path as its query string, if v holds anything.
func withQuery(path string, v url.Values) string {
	if len(v) == 0 {
		return path
	}
	return path + "?" + v.Encode()
}

func (s *server) processingLog(c *fiber.Ctx) error {
	sess, _ := session(c)
	ctx := c.UserContext()
	l := lang(c)
	q, f, err := parseLogQuery(c)
	if err != nil {
		return err
	}
	f.Limit = 25
	f.For = sess.Acting
	evs, more, err := s.logStore.Events(ctx, sess.SubjectID, f)
	if err != nil {
		return err
	}
	sum, err := s.logStore.SummaryFor(ctx, sess.SubjectID, sess.Acting)
	if err != nil {
		return err
	}
	rows := make([]Row, len(evs))
	for i, e := range evs {
		rows[i] = s.row(l, e)
	}
	data := &logPage{Rows: s.groupViews(l, rows), Q: q, Summary: sum, Bases: portal.AccessBases, Filtered: len(q.values()) > 0}
	// Whole URLs, built here: html/template escapes a query string placed after "?" in an href as one
	// value ("=" becomes %3d), and the downloads then ignored the filter.
	base := q.values()
	data.PDF, data.CSV = withQuery("/verwerkingen.pdf", base), withQuery("/verwerkingen.csv", base)
	if more {
		next := q.values()
		next.Set("na", formatCursor(evs[len(evs)-1]))
		data.Next = "/verwerkingen?" + next.Encode()
	}
	if q.After != "" {
		data.First = withQuery("/verwerkingen", base)
	}
	return s.page(c, "verwerkingen", s.t(l, "log.title"), data)
}

// logPage is the data of the citizen's processing log (/verwerkingen).
type logPage struct {
	pageBase
	Rows     []Row
	Staff    bool // false: the rows link to the citizen's own detail pages
	Q        logQuery
	Summary  portal.Summary
	Bases    []string
	Filtered bool
	PDF, CSV string // the downloads, with the filter
	Next     string // the next page, when there is one
	First    string // back to the first page, when not on it
}

func (s *server) processingDetail(c *fiber.Ctx) error {
	sess, _ := session(c)
	id := strings.ToLower(c.Params("id"))
	if !portal.ValidEventID(id) {
		return portal.Errorf(portal.ENOTFOUND, "no such processing event")
	}
	e, err := s.logStore.EventFor(c.UserContext(), sess.SubjectID, id, sess.Acting)
	if err != nil {
		return err
	}
	l := lang(c)
	data := fiber.Map{"Row": s.row(l, e)}
	if e.Activity.ID == portal.RepresentativeActivity {
		// What the representative saw or did: the act this event records.
		acts, err := s.repStore.RepresentativeActs(c.UserContext(), portal.ActFilter{SubjectID: sess.SubjectID, EventID: e.ID, Limit: 1})
		if err != nil {
			return err
		}
		if len(acts) == 1 {
			data["Act"] = s.actView(l, acts[0])
		}
	}
	return s.page(c, "verwerking", s.t(l, "detail.title"), data)
}

// maxExport bounds one download; the citizen can narrow the period for more.
const maxExport = 20000

// allEvents walks the whole filtered log by keyset pages. A download never silently leaves events
// out: past maxExport the citizen is asked to choose a shorter period.
func (s *server) allEvents(c *fiber.Ctx, subjectID int64, f portal.EventFilter) ([]portal.LoggedEvent, error) {
	var out []portal.LoggedEvent
	f.Limit = 1000
	f.For = actingOf(c)
	for {
		evs, more, err := s.logStore.Events(c.UserContext(), subjectID, f)
		if err != nil {
			return nil, err
		}
		out = append(out, evs...)
		if !more {
			return out, nil
		}
		if len(out) >= maxExport {
			return nil, portal.Errorf(portal.EINVALID, "more than %d events: choose a shorter period", maxExport)
		}
		last := evs[len(evs)-1]
		f.After = &portal.Cursor{OccurredAt: last.OccurredAt, ID: last.ID}
	}
}

func (s *server) processingPDF(c *fiber.Ctx) error {
	sess, _ := session(c)
	_, f, err := parseLogQuery(c)
	if err != nil {
		return err
	}
	f.After = nil
	evs, err := s.allEvents(c, sess.SubjectID, f)
	if err != nil {
		return err
	}
	bsn, err := s.logStore.SubjectBSN(c.UserContext(), sess.SubjectID)
	if err != nil {
		return err
	}
	l := lang(c)
	doc := pdfexport.Document{Lang: l, Municipality: s.cfg.Municipality, MaskedBSN: portal.MaskBSN(bsn),
		From: f.From, To: f.To, IssuedAt: s.deps.Now()}
	if !f.To.IsZero() {
		doc.To = f.To.AddDate(0, 0, -1)
	}
	for _, e := range evs {
		r := s.row(l, e)
		doc.Rows = append(doc.Rows, pdfexport.Row{When: r.When, Organization: r.Org, Team: r.Team, Role: r.Role,
			Employee: r.Employee, Action: r.Action, Categories: r.Categories, Level: r.Level, Activity: r.Activity,
			Purpose: r.Purpose, LegalBasis: r.Legal, Marks: r.Marks})
	}
	c.Set(fiber.HeaderContentType, "application/pdf")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="verwerkingen.pdf"`)
	return s.pdf.Render(c.Response().BodyWriter(), doc)
}

// csvSafe keeps spreadsheet programs from running a cell as a formula.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func (s *server) processingCSV(c *fiber.Ctx) error {
	sess, _ := session(c)
	_, f, err := parseLogQuery(c)
	if err != nil {
		return err
	}
	f.After = nil
	evs, err := s.allEvents(c, sess.SubjectID, f)
	if err != nil {
		return err
	}
	l := lang(c)
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="verwerkingen.csv"`)
	w := csv.NewWriter(c.Response().BodyWriter())
	w.Comma = ';' // what Dutch spreadsheet settings expect
	head := []string{"id", s.t(l, "field.when"), s.t(l, "field.who"), "team", s.t(l, "field.role"), s.t(l, "field.action"),
		s.t(l, "field.categories"), s.t(l, "field.level"), s.t(l, "field.activity"), s.t(l, "field.purpose"), s.t(l, "field.legal"),
		s.t(l, "field.basis"), s.t(l, "field.case"), s.t(l, "field.recipient")}
	if s.cfg.ShowEmployee {
		head = append(head, s.t(l, "field.employee"))
	}
	_ = w.Write(append([]string{"\ufeff" + head[0]}, head[1:]...))
	for _, e := range evs {
		r := s.row(l, e)
		basis := r.Basis
		if len(r.Marks) > 0 {
			basis = strings.Join(r.Marks, " / ")
		}
		rec := []string{r.ID, r.When.In(amsterdam).Format("2006-01-02 15:04:05"), r.Org, r.Team, r.Role, r.Action,
			strings.Join(r.Categories, ", "), r.Level, r.Activity, r.Purpose, r.Legal, basis, r.CaseRef, r.Recipient}
		if s.cfg.ShowEmployee {
			rec = append(rec, r.Employee)
		}
		for i := range rec {
			rec[i] = csvSafe(rec[i])
		}
		_ = w.Write(rec)
	}
	w.Flush()
	return w.Error()
}

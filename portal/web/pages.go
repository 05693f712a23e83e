package web

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/inzicht/inzicht/portal"
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
	// CountEvents counts the events f selects up to max (max+1: more); LogOptions lists the actions
	// and recipients in the log as acting may see it.
	CountEvents(ctx context.Context, subjectID int64, f portal.EventFilter, max int) (int, error)
	LogOptions(ctx context.Context, subjectID int64, acting *portal.Acting) (actions, recipients []string, err error)
	SummaryFor(ctx context.Context, subjectID int64, acting *portal.Acting) (portal.Summary, error)
	// LogPage reads the summary, the options and a page of events (as f.For may see them) in one
	// round trip.
	LogPage(ctx context.Context, subjectID int64, f portal.EventFilter) (portal.LogPage, error)
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
	// Hidden says, for a line that was confidential and is no longer, that it was hidden from the
	// citizen, from when to when and why ("" for any other line).
	Hidden string
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
	// Heading ("1 december 2026, 10:04 — Organisation, Team"), CategoryList and the labels L are what
	// the rows template writes (rows.go).
	Heading, CategoryList string
	L                     *RowLabels
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
		a.Hidden == "" && b.Hidden == "" && a.CaseRef == b.CaseRef && a.Level == b.Level && a.Basis == b.Basis && a.Recipient == b.Recipient &&
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
	if e.Action == "disclose" && e.Recipient != "" {
		r.Action = s.t(l, "action.disclose.to", e.Recipient) // to whom, not only "Doorgegeven"
	}
	r.Hidden = s.hiddenText(l, e)
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
	s.setRowTexts(l, &r)
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

// hiddenText tells, for a line that was confidential and no longer is, that it was hidden from the
// citizen, from when (the processing) to when (the end of the confidentiality, or its release) and
// why: a signal the person was not told about yet, a confidential VNG processing, or the reason the
// reporting system gave. "" for a line that never was confidential or still is (staff read those),
// or whose confidentiality ended before the processing. A line reported after its confidentiality
// ended was hidden all the same: the organisation kept it from the person until then.
func (s *server) hiddenText(l string, e portal.LoggedEvent) string {
	until := e.ConfidentialUntil
	if until == nil || until.After(s.deps.Now()) || !until.After(e.OccurredAt) {
		return "" // still hidden (a staff reader), or it ended before the processing: never hidden
	}
	from, to := FormatDate(l, e.OccurredAt), FormatDate(l, *until)
	if from == to {
		from, to = FormatDateTime(l, e.OccurredAt), FormatDateTime(l, *until)
	}
	var why string
	switch reason := strings.TrimSpace(e.ConfidentialReason); {
	case e.Activity.ID == portal.SignalActivity && reason == "":
		why = s.t(l, "log.hidden.why.signal")
	case reason == portal.VNGConfidentialReason:
		why = s.t(l, "log.hidden.why.vng")
	case reason != "":
		why = s.t(l, "log.hidden.why", reason)
	default:
		why = s.t(l, "log.hidden.why.none")
	}
	return s.t(l, "log.hidden.line", from, to) + " " + why
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

// logQuery is the filter of /verwerkingen, parsed from the query string, as typed.
type logQuery struct {
	From, To     string // a date as typed: yyyy-mm-dd (what a date input sends) or d-m-yyyy
	Organization string
	Category     string
	Basis        string
	Action       string
	Recipient    string
	Search       string
	After        string // cursor: the page of older events after this position
	Before       string // cursor: the page of newer events before this position
	Last         bool   // the last page (the oldest events)
	Start        int    // the number of the page's first line (1-based), when the link knew it
}

// logInputs are the inputs of the log's filter form, in their order on the page.
var logInputs = []string{"zoek", "actie", "organisatie", "ontvanger", "categorie", "grondslag", "van", "tot"}

var (
	dateRe    = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	dateDMYRe = regexp.MustCompile(`^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$`)
)

// parseLogDate reads a date of the log's filter: the d-m-yyyy a person types (the form has text
// inputs, as GOV.UK advises: a browser's date picker is hard to use with a keyboard or a screen
// reader), or yyyy-mm-dd as older links and date inputs send it. It must be a real day.
func parseLogDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if m := dateDMYRe.FindStringSubmatch(s); m != nil {
		d, _ := strconv.Atoi(m[1])
		mo, _ := strconv.Atoi(m[2])
		s = fmt.Sprintf("%s-%02d-%02d", m[3], mo, d)
	}
	if !dateRe.MatchString(s) {
		return time.Time{}, false
	}
	t, err := time.ParseInLocation("2006-01-02", s, amsterdam)
	return t, err == nil
}

// logPageSize is the number of events on a page of /verwerkingen.
const logPageSize = 25

// logCountCap bounds the count of a filtered log: past it the page says "more than 1000".
const logCountCap = 1000

// parseLogQuery reads the log's filter from the query string. Mistakes in what the person chose or
// typed come back as messages at the form's inputs (fe); a malformed page position, which no form
// sends, as an error.
func (s *server) parseLogQuery(c *fiber.Ctx) (logQuery, portal.EventFilter, formErrors, error) {
	l := lang(c)
	q := logQuery{From: c.Query("van"), To: c.Query("tot"), Organization: c.Query("organisatie"),
		Category: c.Query("categorie"), Basis: c.Query("grondslag"), Action: c.Query("actie"),
		Recipient: c.Query("ontvanger"), Search: strings.TrimSpace(c.Query("zoek")), After: c.Query("na"),
		Before: c.Query("voor"), Last: c.Query("laatste") == "1"}
	var f portal.EventFilter
	fe := formErrors{}
	if q.From != "" {
		if t, ok := parseLogDate(q.From); ok {
			f.From = t
		} else {
			fe["van"] = s.t(l, "log.err.date")
		}
	}
	if q.To != "" {
		if t, ok := parseLogDate(q.To); ok {
			f.To = t.AddDate(0, 0, 1) // inclusive of the whole day
		} else {
			fe["tot"] = s.t(l, "log.err.date")
		}
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		fe["tot"] = s.t(l, "log.err.order")
	}
	if q.Basis != "" && !slices.Contains(portal.AccessBases, q.Basis) {
		fe["grondslag"] = s.t(l, "log.err.choice")
	}
	if q.Action != "" && !slices.Contains(portal.Actions, q.Action) {
		fe["actie"] = s.t(l, "log.err.choice")
	}
	if portal.CheckText(q.Organization, 500) != "" {
		fe["organisatie"] = s.t(l, "log.err.choice")
	}
	if portal.CheckText(q.Recipient, 500) != "" {
		fe["ontvanger"] = s.t(l, "log.err.choice")
	}
	if q.Category != "" && !portal.ValidCategory(q.Category) {
		fe["categorie"] = s.t(l, "log.err.choice")
	}
	if utf8.RuneCountInString(q.Search) > portal.MaxSearchLen || portal.CheckText(q.Search, 4*portal.MaxSearchLen) != "" {
		fe["zoek"] = s.t(l, "log.err.search", portal.MaxSearchLen)
	}
	f.Organization, f.Category, f.AccessBasis, f.Action, f.Recipient = q.Organization, q.Category, q.Basis, q.Action, q.Recipient
	if q.Search != "" {
		f.Search = s.logSearch(l, q.Search)
	}
	bad := func(field string) error {
		return &portal.Error{Code: portal.EINVALID, Message: "invalid page position", Fields: []portal.FieldError{{Index: -1, Field: field, Message: "invalid"}}}
	}
	for _, cur := range []struct {
		name, v string
		to      **portal.Cursor
	}{{"na", q.After, &f.After}, {"voor", q.Before, &f.Before}} {
		if cur.v == "" {
			continue
		}
		p, err := parseCursor(cur.v)
		if err != nil {
			return q, f, fe, bad(cur.name)
		}
		*cur.to = &p
	}
	if v := c.Query("vanaf"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return q, f, fe, bad("vanaf")
		}
		q.Start = n
	}
	if len(fe) == 0 {
		fe = nil
	}
	return q, f, fe, nil
}

// logSearch is the search for text on a line of the log in language l. The labels of actions and of
// data categories are the portal's own texts: the codes whose label holds the text are passed on.
func (s *server) logSearch(l, text string) *portal.LogSearch {
	ls := &portal.LogSearch{Text: text, Lang: l}
	needle := strings.ToLower(text)
	for _, a := range portal.Actions {
		if strings.Contains(strings.ToLower(s.t(l, "action."+a)), needle) {
			ls.Actions = append(ls.Actions, a)
		}
	}
	for _, k := range s.cat.Keys(l) {
		if id, ok := strings.CutPrefix(k, "category."); ok && strings.Contains(strings.ToLower(s.cat.Category(l, id)), needle) {
			ls.Categories = append(ls.Categories, id)
		}
	}
	return ls
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

// values is the filter as query parameters, without the position in the log.
func (q logQuery) values() url.Values {
	v := url.Values{}
	for k, val := range map[string]string{"zoek": q.Search, "actie": q.Action, "organisatie": q.Organization,
		"ontvanger": q.Recipient, "categorie": q.Category, "grondslag": q.Basis, "van": q.From, "tot": q.To} {
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

// logQueryCookie remembers the query of the log page last shown, for the language switch only (its
// path is /taal): the layout's switch link names the page's path, and the filters and the page then
// survive the switch. It holds nothing the address bar did not, lives for an hour at most and is
// cleared at logout, so the next person at a shared computer does not get the search.
const logQueryCookie = "inzicht_logq"

func (s *server) rememberLogQuery(c *fiber.Ctx) {
	v := string(c.Request().URI().QueryString())
	ck := &fiber.Cookie{Name: logQueryCookie, Value: url.QueryEscape(v), Path: "/taal", Secure: true, HTTPOnly: true,
		SameSite: "Lax", MaxAge: 3600}
	if v == "" || len(v) > 2000 {
		forgetLogQuery(c)
		return
	}
	c.Cookie(ck)
}

func forgetLogQuery(c *fiber.Ctx) {
	c.Cookie(&fiber.Cookie{Name: logQueryCookie, Value: "", Path: "/taal", Secure: true, HTTPOnly: true, SameSite: "Lax",
		Expires: time.Unix(1, 0)})
}

// processingLog is /verwerkingen: a page of the person's log, filtered and searched, with where the
// page is ("26–50 van 60"). It reads, in one round trip (LogPage), the summary (for the options of
// organisation and category and the unfiltered total), the options of action and recipient (the
// person's own rows) and the page (keyset, from either end of the (subject_id, occurred_at, id)
// index); only when a filter is set, a count of the filtered rows, bounded at logCountCap+1 (see
// docs/performance.md). The last page needs the count before the page, and a form with mistakes no
// page at all: those read the parts one by one.
func (s *server) processingLog(c *fiber.Ctx) error {
	sess, _ := session(c)
	ctx := c.UserContext()
	l := lang(c)
	q, f, fe, err := s.parseLogQuery(c)
	if err != nil {
		return err
	}
	s.rememberLogQuery(c)
	f.For = sess.Acting
	f.Limit = logPageSize
	var (
		sum                 portal.Summary
		actions, recipients []string
		evs                 []portal.LoggedEvent
		more, read          bool // read: evs and more hold the page f selects
	)
	if fe == nil && !q.Last {
		p, err := s.logStore.LogPage(ctx, sess.SubjectID, f)
		if err != nil {
			return err
		}
		sum, actions, recipients, evs, more, read = p.Summary, p.Actions, p.Recipients, p.Events, p.More, true
	} else {
		if sum, err = s.logStore.SummaryFor(ctx, sess.SubjectID, sess.Acting); err != nil {
			return err
		}
		if actions, recipients, err = s.logStore.LogOptions(ctx, sess.SubjectID, sess.Acting); err != nil {
			return err
		}
	}
	base := q.values()
	data := &logPage{Q: q, Summary: sum, Bases: portal.AccessBases, Filtered: len(base) > 0, Actions: actions,
		Recipients: recipients, Errors: fe, ErrSummary: fe.summary(logInputs)}
	data.PDF, data.CSV, data.Doc = withQuery("/verwerkingen.pdf", base), withQuery("/verwerkingen.csv", base), withQuery("/verwerkingen/overzicht", base)
	if fe != nil {
		c.Status(fiber.StatusUnprocessableEntity)
		return s.page(c, "verwerkingen", s.t(l, "log.title"), data)
	}
	// The count: the summary's total for the whole log; under a filter the matching rows, bounded at
	// logCountCap — or, when the whole match fits on the first page, that page itself (so a search that
	// finds little, the costly case, reads the person's rows once, not twice).
	total, capped, counted := sum.Total, false, !data.Filtered
	count := func() error {
		if counted {
			return nil
		}
		n, err := s.logStore.CountEvents(ctx, sess.SubjectID, f, logCountCap)
		total, capped, counted = min(n, logCountCap), n > logCountCap, true
		return err
	}
	if q.Last {
		if err := count(); err != nil {
			return err
		}
		if capped {
			return portal.Errorf(portal.EINVALID, "no last page of more than %d events", logCountCap)
		}
		f.Oldest, f.After, f.Before = true, nil, nil
		if r := total % logPageSize; r != 0 {
			f.Limit = r // the pages then line up with those counted from the newest
		}
	}
	if !read {
		if evs, more, err = s.logStore.Events(ctx, sess.SubjectID, f); err != nil {
			return err
		}
	}
	start := q.Start
	switch {
	case f.Before != nil && !more:
		// Back at the newest events: show the first page, whole.
		f.Before, f.Limit = nil, logPageSize
		if evs, more, err = s.logStore.Events(ctx, sess.SubjectID, f); err != nil {
			return err
		}
		start = 1
	case q.Last:
		start = total - len(evs) + 1
	case f.After == nil && f.Before == nil:
		start = 1
	}
	if !counted && f.After == nil && f.Before == nil && !f.Oldest && !more {
		total, counted = len(evs), true
	}
	if err := count(); err != nil {
		return err
	}
	// Whether there are older (next) and newer (previous) events than this page.
	older, newer := more, f.After != nil
	if f.Before != nil || q.Last {
		older, newer = f.Before != nil, more
	}
	if start < 1 || (len(evs) > 0 && start+len(evs)-1 > total && !capped) {
		start = 0 // a position from an old link that no longer fits: not shown
	}
	rows := make([]Row, len(evs))
	for i, e := range evs {
		rows[i] = s.row(l, e)
	}
	data.Rows = s.groupViews(l, rows)
	data.Total, data.Capped = total, capped
	if start > 0 && len(evs) > 0 {
		data.From, data.To = start, start+len(evs)-1
	}
	link := func(set map[string]string) string {
		v := q.values()
		for k, val := range set {
			v.Set(k, val)
		}
		return "/verwerkingen?" + v.Encode()
	}
	pos := func(n int) string {
		if start == 0 || n < 1 {
			return ""
		}
		return strconv.Itoa(n)
	}
	if newer && len(evs) > 0 {
		data.First = withQuery("/verwerkingen", base)
		set := map[string]string{"voor": formatCursor(evs[0])}
		if p := pos(start - logPageSize); p != "" {
			set["vanaf"] = p
		}
		data.Prev = link(set)
	}
	if older && len(evs) > 0 {
		set := map[string]string{"na": formatCursor(evs[len(evs)-1])}
		if p := pos(start + len(evs)); p != "" {
			set["vanaf"] = p
		}
		data.Next = link(set)
		if !capped {
			data.Last = link(map[string]string{"laatste": "1"})
		}
	}
	return s.page(c, "verwerkingen", s.t(l, "log.title"), data)
}

// logPage is the data of the citizen's processing log (/verwerkingen).
type logPage struct {
	pageBase
	Rows       []Row
	Staff      bool // false: the rows link to the citizen's own detail pages
	Q          logQuery
	Summary    portal.Summary
	Bases      []string
	Actions    []string // the actions in the person's log, for the filter
	Recipients []string // to whom their data were passed on, for the filter
	Filtered   bool
	Errors     formErrors
	ErrSummary []fieldMsg
	PDF, CSV   string // the downloads, with the filter
	Doc        string // the whole filtered log as one printable page (documents.go)
	// Where the page is: lines From–To of Total (Capped: of more than Total). From is 0 when the
	// position is not known (a link from elsewhere into the middle of the log).
	From, To, Total int
	Capped          bool
	First, Prev     string // to the newest page and the page before, when not on the first
	Next, Last      string // to the page after and the last page, when there are older events
}

func (s *server) processingDetail(c *fiber.Ctx) error {
	sess, _ := session(c)
	id := strings.ToLower(c.Params("id"))
	if !portal.ValidEventID(id) {
		return portal.Errorf(portal.ENOTFOUND, "no such processing event")
	}
	e, err := s.logStore.EventFor(c.UserContext(), sess.SubjectID, id, sess.Acting)
	if portal.ErrorCode(err) == portal.ENOTFOUND && sess.Acting == nil {
		return s.removedDetail(c, sess.SubjectID, id, err)
	}
	if err != nil {
		return err
	}
	l := lang(c)
	data := fiber.Map{"Row": s.row(l, e)}
	if err := s.logPosition(c, data, e.ID); err != nil {
		return err
	}
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

// downloadFilter is the filter of a download of the log: the page's own filter and search (a mistake
// in them is an error here: the page shows the messages), the whole log, not one page.
func (s *server) downloadFilter(c *fiber.Ctx) (portal.EventFilter, error) {
	_, f, fe, err := s.parseLogQuery(c)
	if err != nil {
		return f, err
	}
	if fe != nil {
		fields := make([]portal.FieldError, 0, len(fe))
		for _, in := range logInputs {
			if _, ok := fe[in]; ok {
				fields = append(fields, portal.FieldError{Index: -1, Field: in, Message: "invalid"})
			}
		}
		return f, &portal.Error{Code: portal.EINVALID, Message: "invalid filter", Fields: fields}
	}
	f.After, f.Before, f.Oldest = nil, nil, false
	return f, nil
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

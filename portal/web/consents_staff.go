package web

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/inzicht/inzicht/portal"
)

// Consent requests for staff (issue 17): every request with its TS reference, the citizen (masked
// BSN), what is asked, by whom, its state, the citizen's remark, the child's own answer and who
// decided on the person's behalf; filters on state, period and reference. Opening one is a view of
// the citizen's data and is recorded in their log (postgres.DB.OpenConsent).

// StaffConsentView is a consent request as staff see it, in the reader's language.
type StaffConsentView struct {
	portal.StaffConsent
	State, StateText string
	Until            time.Time
	Requester        string
	DecidedByText    string
	WithdrawnByText  string
	OwnAnswerText    string
}

func (s *server) staffConsentView(l string, x portal.StaffConsent) StaffConsentView {
	st := x.StatusAt(s.deps.Now())
	r := x.RequestedBy
	v := StaffConsentView{StaffConsent: x, State: st, StateText: s.t(l, "sconsent.state."+st), Until: x.ValidUntilTime(),
		Requester:     strings.Join(nonBlank(r.Organization, r.Team, r.Role, r.Employee), ", "),
		DecidedByText: s.onBehalfText(l, x.DecidedBy), WithdrawnByText: s.onBehalfText(l, x.WithdrawnBy)}
	if x.OwnAnswer != "" && x.OwnAnswerAt != nil {
		v.OwnAnswerText = s.t(l, "sconsent.own."+x.OwnAnswer, FormatDateTime(l, *x.OwnAnswerAt))
	}
	return v
}

// staffConsentFilter is the list's filter as typed, with its errors.
type staffConsentFilter struct {
	State, From, To, Search string
	Page                    int
	Errors                  formErrors
}

var staffConsentFilterOrder = []string{"status", "van", "tot", "zoek"}

// decodeStaffConsentFilter reads the filter from the query, as typed and as a selection; a value that
// is not one gives a message at its field and is left out of the selection.
func (s *server) decodeStaffConsentFilter(c *fiber.Ctx) (staffConsentFilter, portal.ConsentFilter) {
	l := lang(c)
	f := staffConsentFilter{State: c.Query("status"), From: strings.TrimSpace(c.Query("van")),
		To: strings.TrimSpace(c.Query("tot")), Search: strings.TrimSpace(c.Query("zoek"))}
	errs := formErrors{}
	var out portal.ConsentFilter
	switch {
	case f.State == "":
	case containsString(portal.ConsentStates, f.State):
		out.State = f.State
	default:
		errs["status"] = s.t(l, "sconsent.filter.err.status")
	}
	for _, d := range []struct {
		in, v string
		to    *time.Time
		days  int
	}{{"van", f.From, &out.From, 0}, {"tot", f.To, &out.To, 1}} { // the last day counts
		if d.v == "" {
			continue
		}
		t, err := time.ParseInLocation("2006-01-02", d.v, amsterdam)
		if err != nil {
			errs[d.in] = s.t(l, "sconsent.filter.err."+d.in)
			continue
		}
		*d.to = t.AddDate(0, 0, d.days)
	}
	if m := portal.CheckText(f.Search, 200); m != "" {
		errs["zoek"] = s.t(l, "sconsent.filter.err.zoek")
	} else {
		out.Search = f.Search
	}
	f.Page = 1
	if p := c.Query("pagina"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 100000 {
			errs[formInvalid] = s.t(l, "sconsent.filter.err.page")
		} else {
			f.Page = n
		}
	}
	out.Offset, out.Limit = (f.Page-1)*staffConsentPage, staffConsentPage+1
	if len(errs) > 0 {
		f.Errors = errs
	}
	return f, out
}

// staffConsentPage is how many consent requests one page of the staff list shows.
const staffConsentPage = 100

func containsString(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// staffConsents lists the consent requests. A filter value that is not one is named at its field
// (422) and the list shows without it.
func (s *server) staffConsents(c *fiber.Ctx) error {
	l := lang(c)
	f, cf := s.decodeStaffConsentFilter(c)
	xs, err := s.consentStore.StaffConsents(c.UserContext(), cf)
	if err != nil {
		return err
	}
	more := len(xs) > staffConsentPage
	if more {
		xs = xs[:staffConsentPage]
	}
	rows := make([]StaffConsentView, len(xs))
	for i, x := range xs {
		rows[i] = s.staffConsentView(l, x)
	}
	if f.Errors != nil {
		c.Status(fiber.StatusUnprocessableEntity)
	}
	sent := ""
	if ref := c.Query("toestemming"); portal.IsConsentReference(ref) {
		sent = strings.ToUpper(ref)
	}
	return s.page(c, "mw_toestemmingen", s.t(l, "sconsent.title"), fiber.Map{"Rows": rows, "States": portal.ConsentStates,
		"Filter": f, "Summary": f.Errors.summary(staffConsentFilterOrder), "Sent": sent,
		"More": more, "Page": f.Page, "PrevURL": f.pageURL(f.Page - 1), "NextURL": f.pageURL(f.Page + 1)})
}

// staffConsent shows one consent request; opening it is recorded in the citizen's log.
func (s *server) staffConsent(c *fiber.Ctx) error {
	l := lang(c)
	me := staffOf(c)
	x, err := s.consentStore.OpenConsent(c.UserContext(), strings.ToLower(c.Params("id")), me, s.cfg.Municipality)
	if err != nil {
		return err
	}
	s.deps.Log.Info("consent opened", "consent", x.ID, "reference", x.Reference, "staff", me.Sub, "role", me.Role())
	v := s.staffConsentView(l, x)
	return s.page(c, "mw_toestemming", s.t(l, "sconsent.detail", x.Reference), fiber.Map{"C": v})
}

// pageURL is the address of page n of the list as filtered.
func (f staffConsentFilter) pageURL(n int) string {
	v := url.Values{"pagina": {strconv.Itoa(n)}}
	for k, x := range map[string]string{"status": f.State, "van": f.From, "tot": f.To, "zoek": f.Search} {
		if x != "" {
			v.Set(k, x)
		}
	}
	return "/medewerker/toestemmingen?" + v.Encode()
}

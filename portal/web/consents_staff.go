package web

import (
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
	Errors                  formErrors
}

var staffConsentFilterOrder = []string{"status", "van", "tot", "zoek"}

// decode reads the filter from the query; a value that is not one gives a message at its field and
// is left out of the selection.
func (f *staffConsentFilter) decode(s *server, c *fiber.Ctx) portal.ConsentFilter {
	l := lang(c)
	f.State, f.From, f.To = c.Query("status"), strings.TrimSpace(c.Query("van")), strings.TrimSpace(c.Query("tot"))
	f.Search = strings.TrimSpace(c.Query("zoek"))
	var out portal.ConsentFilter
	bad := func(in string) {
		if f.Errors == nil {
			f.Errors = formErrors{}
		}
		f.Errors[in] = s.t(l, "sconsent.filter.err."+in)
	}
	switch {
	case f.State == "":
	case containsString(portal.ConsentStates, f.State):
		out.State = f.State
	default:
		bad("status")
	}
	day := func(in, v string) time.Time {
		if v == "" {
			return time.Time{}
		}
		t, err := time.ParseInLocation("2006-01-02", v, amsterdam)
		if err != nil {
			bad(in)
		}
		return t
	}
	out.From = day("van", f.From)
	if to := day("tot", f.To); !to.IsZero() {
		out.To = to.AddDate(0, 0, 1) // the last day counts
	}
	if m := portal.CheckText(f.Search, 200); m != "" {
		bad("zoek")
	} else {
		out.Search = f.Search
	}
	return out
}

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
	var f staffConsentFilter
	cf := f.decode(s, c)
	xs, err := s.consentStore.StaffConsents(c.UserContext(), cf)
	if err != nil {
		return err
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
		"Filter": f, "Summary": f.Errors.summary(staffConsentFilterOrder), "Sent": sent})
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

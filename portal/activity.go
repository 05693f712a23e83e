package portal

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Text is a plain-language text in Dutch and English.
type Text struct {
	NL string `json:"nl"`
	EN string `json:"en"`
}

// In returns the text in lang ("en" or anything else for Dutch), falling back to Dutch.
func (t Text) In(lang string) string {
	if lang == "en" && t.EN != "" {
		return t.EN
	}
	return t.NL
}

// Activity is an entry of the register of processing activities (verwerkingsregister, AVG art. 30):
// why data are processed, on which legal basis, which categories, how long they are kept, by whom.
type Activity struct {
	ID             string   `json:"id"`
	Name           Text     `json:"name"`
	Purpose        Text     `json:"purpose"`
	LegalBasis     Text     `json:"legal_basis"`
	DataCategories []string `json:"data_categories"`
	Retention      string   `json:"retention"` // ISO 8601 duration, e.g. P5Y
	Controller     string   `json:"controller"`
	// URI is the entry's URI, optional and unique (dpl.core.processing_activity_id is usually one).
	// Kept apart from the entry's own columns: Activities does not fill it (see Register in portal/postgres).
	URI string `json:"uri,omitempty"`
	// Financial marks an entry about financial matters (Participatie income, debt help): an
	// administrator (bewindvoering) acts for a person in these only. Kept apart like URI.
	Financial bool `json:"financial,omitempty"`
}

var activityID = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

// Validate checks an activity and returns an EINVALID *Error listing every broken field.
func (a *Activity) Validate() error {
	var fe []FieldError
	add := func(field, msg string) { fe = append(fe, FieldError{Index: -1, Field: field, Message: msg}) }
	if !activityID.MatchString(a.ID) {
		add("id", "must be 1-64 characters of a-z, 0-9, '.', '_' or '-'")
	}
	for _, f := range []struct {
		name string
		t    Text
	}{{"name", a.Name}, {"purpose", a.Purpose}, {"legal_basis", a.LegalBasis}} {
		for _, l := range []struct{ lang, v string }{{"nl", f.t.NL}, {"en", f.t.EN}} {
			if strings.TrimSpace(l.v) == "" {
				add(f.name+"."+l.lang, "required")
			} else if msg := CheckText(l.v, 2000); msg != "" {
				add(f.name+"."+l.lang, msg)
			}
		}
	}
	if len(a.DataCategories) == 0 {
		add("data_categories", "at least one category is required")
	}
	for i, c := range a.DataCategories {
		if !categoryRe.MatchString(c) {
			add(fmt.Sprintf("data_categories[%d]", i), "must be 1-64 characters of a-z, 0-9, '_' or '-'")
		}
	}
	if _, err := ParseRetention(a.Retention); err != nil {
		add("retention", err.Error())
	}
	if strings.TrimSpace(a.Controller) == "" {
		add("controller", "required")
	} else if msg := CheckText(a.Controller, 200); msg != "" {
		add("controller", msg)
	}
	if a.URI != "" {
		if msg := CheckURI(a.URI); msg != "" {
			add("uri", msg)
		}
	}
	if len(fe) > 0 {
		return &Error{Code: EINVALID, Message: "invalid processing activity", Fields: fe}
	}
	return nil
}

// Retention is a calendar period parsed from an ISO 8601 duration (date part only).
type Retention struct{ Years, Months, Days int }

var durationRe = regexp.MustCompile(`^P(?:(\d{1,3})Y)?(?:(\d{1,4})M)?(?:(\d{1,4})W)?(?:(\d{1,5})D)?$`)

// ParseRetention parses an ISO 8601 duration with years, months, weeks and days, such as "P5Y" or
// "P1Y6M". Time parts are not meaningful for retention and are refused.
func ParseRetention(s string) (Retention, error) {
	m := durationRe.FindStringSubmatch(s)
	if m == nil || s == "P" {
		return Retention{}, fmt.Errorf("must be an ISO 8601 duration such as P5Y or P18M")
	}
	n := func(i int) int { v, _ := strconv.Atoi(m[i]); return v }
	r := Retention{Years: n(1), Months: n(2), Days: n(3)*7 + n(4)}
	if r == (Retention{}) {
		return Retention{}, fmt.Errorf("must be longer than zero")
	}
	return r, nil
}

// Cutoff is the moment before which events are older than the retention period, counted back from
// now in calendar terms (Europe/Amsterdam).
func (r Retention) Cutoff(now time.Time) time.Time {
	return now.In(Amsterdam).AddDate(-r.Years, -r.Months, -r.Days)
}

// RetentionRun records one removal of events past their retention period.
type RetentionRun struct {
	ActivityID     string
	Retention      string
	Cutoff         time.Time
	Removed        int64
	ReviewsRemoved int64
	StartedAt      time.Time
	FinishedAt     time.Time
}

// ParseRegister reads a register file: a JSON array of activities, each checked.
func ParseRegister(b []byte) ([]Activity, error) {
	var as []Activity
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(&as); err != nil {
		return nil, fmt.Errorf("register: %w", err)
	}
	for i := range as {
		if err := as[i].Validate(); err != nil {
			return nil, fmt.Errorf("register: activity %d (%s): %w", i, as[i].ID, err)
		}
	}
	return as, nil
}

// CheckURI returns why s is not an acceptable register entry URI (an absolute http or https URI
// with a host, at most 2000 characters), or "".
func CheckURI(s string) string {
	if msg := CheckText(s, 2000); msg != "" {
		return msg
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" ||
		!strings.HasPrefix(s, u.Scheme+"://") || strings.ContainsAny(s, " \t\n") {
		return "must be an absolute https or http URI"
	}
	return ""
}

package portal_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/inzicht/inzicht/portal"
)

// cnNow is 1 June 2025, 14:00 in Amsterdam.
var cnNow = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

func cnValid() portal.NewConsent {
	return portal.NewConsent{
		ID:         "0b6f3c1e-7a52-4c0e-9d3b-2f1a6c8e9d01",
		SubjectBSN: "999993653",
		CaseRef:    "WMO-2025-0042",
		RequestedBy: portal.ConsentRequester{Organization: "Gemeente Voorbeeldstad", Team: "Wmo",
			Role: "Consulent", Employee: "J. de Vries"},
		DataItem:    "Medische informatie over uw mobiliteit",
		DataHolder:  "Uw huisarts",
		Purpose:     "Bepalen welke vervoersvoorziening bij u past",
		Necessity:   "Zonder deze informatie kunnen we niet beoordelen welke hulp nodig is",
		LegalGround: "Uw huisarts heeft een beroepsgeheim; alleen met uw toestemming mag hij informatie delen",
		IfRefused:   "We beslissen op basis van de informatie die we al hebben",
		ValidUntil:  "2025-12-01",
	}
}

// cnFields returns the field names of err's field errors, failing unless err is EINVALID.
func cnFields(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	if portal.ErrorCode(err) != portal.EINVALID {
		t.Fatalf("error %v has code %q, want %q", err, portal.ErrorCode(err), portal.EINVALID)
	}
	var out []string
	for _, f := range portal.ErrorFields(err) {
		if f.Index != -1 {
			t.Errorf("field error %+v: index %d, want -1", f, f.Index)
		}
		if f.Message == "" {
			t.Errorf("field error %+v has no message", f)
		}
		out = append(out, f.Field)
	}
	return out
}

func TestNewConsentValidateComplete(t *testing.T) {
	c := cnValid()
	if err := c.Validate(cnNow); err != nil {
		t.Fatalf("a complete request is refused: %v %v", err, portal.ErrorFields(err))
	}
	// Without the optional team and employee it passes too.
	c = cnValid()
	c.RequestedBy.Team, c.RequestedBy.Employee = "", ""
	if err := c.Validate(cnNow); err != nil {
		t.Fatalf("without the optional fields: %v %v", err, portal.ErrorFields(err))
	}
}

func TestNewConsentValidateNormalizes(t *testing.T) {
	c := cnValid()
	c.ID = strings.ToUpper(c.ID)
	c.DataItem = "  " + c.DataItem + "\t"
	c.RequestedBy.Team = " Wmo "
	if err := c.Validate(cnNow); err != nil {
		t.Fatalf("%v %v", err, portal.ErrorFields(err))
	}
	want := cnValid()
	if c.ID != want.ID || c.DataItem != want.DataItem || c.RequestedBy.Team != "Wmo" {
		t.Errorf("not normalized: id %q, data_item %q, team %q", c.ID, c.DataItem, c.RequestedBy.Team)
	}
}

func TestNewConsentValidateEachRequiredField(t *testing.T) {
	cases := []struct {
		field string
		mod   func(*portal.NewConsent)
	}{
		{"id", func(c *portal.NewConsent) { c.ID = "" }},
		{"id", func(c *portal.NewConsent) { c.ID = "TOESTEMMING-1" }},
		{"subject_bsn", func(c *portal.NewConsent) { c.SubjectBSN = "" }},
		{"subject_bsn", func(c *portal.NewConsent) { c.SubjectBSN = "123456789" }}, // fails the 11-proef
		{"case_ref", func(c *portal.NewConsent) { c.CaseRef = "" }},
		{"requested_by.organization", func(c *portal.NewConsent) { c.RequestedBy.Organization = "" }},
		{"requested_by.role", func(c *portal.NewConsent) { c.RequestedBy.Role = "" }},
		{"data_item", func(c *portal.NewConsent) { c.DataItem = "" }},
		{"data_holder", func(c *portal.NewConsent) { c.DataHolder = "" }},
		{"purpose", func(c *portal.NewConsent) { c.Purpose = "" }},
		{"necessity", func(c *portal.NewConsent) { c.Necessity = "" }},
		{"legal_ground", func(c *portal.NewConsent) { c.LegalGround = "" }},
		{"if_refused", func(c *portal.NewConsent) { c.IfRefused = "" }},
		{"valid_until", func(c *portal.NewConsent) { c.ValidUntil = "" }},
		// Blank is missing too.
		{"purpose", func(c *portal.NewConsent) { c.Purpose = "  \t " }},
		{"data_item", func(c *portal.NewConsent) { c.DataItem = "\n" }},
		// Too long or holding control characters.
		{"case_ref", func(c *portal.NewConsent) { c.CaseRef = strings.Repeat("x", 201) }},
		{"necessity", func(c *portal.NewConsent) { c.Necessity = "a\x00b" }},
		{"requested_by.team", func(c *portal.NewConsent) { c.RequestedBy.Team = strings.Repeat("x", 501) }},
		{"requested_by.employee", func(c *portal.NewConsent) { c.RequestedBy.Employee = "a\x07b" }},
	}
	for _, tc := range cases {
		c := cnValid()
		tc.mod(&c)
		got := cnFields(t, c.Validate(cnNow))
		if !slices.Equal(got, []string{tc.field}) {
			t.Errorf("%s (%+v): field errors %v, want exactly [%s]", tc.field, c, got, tc.field)
		}
	}
	// All missing at once: every required field is named.
	var empty portal.NewConsent
	got := cnFields(t, empty.Validate(cnNow))
	want := []string{"id", "subject_bsn", "case_ref", "requested_by.organization", "requested_by.role", "data_item",
		"data_holder", "purpose", "necessity", "legal_ground", "if_refused", "valid_until"}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("empty request: field errors %v, want %v", got, want)
	}
}

func TestNewConsentValidateOneItemOneHolder(t *testing.T) {
	pluralItems := []string{
		"Medische gegevens en medicijngebruik",
		"alle gegevens",
		"all data",
		"Diagnose; behandelplan",
		"Diagnose/behandelplan",
		"Diagnose + behandelplan",
		"Diagnose & behandelplan",
		"Diagnose of behandelplan",
		"Diagnosis and treatment plan",
		"Everything in the file",
		"Alles uit het dossier",
		"Overige gegevens",
		"Diagnose\nbehandelplan",
		"ALLE GEGEVENS",
	}
	for _, v := range pluralItems {
		c := cnValid()
		c.DataItem = v
		if got := cnFields(t, c.Validate(cnNow)); !slices.Equal(got, []string{"data_item"}) {
			t.Errorf("data_item %q: field errors %v, want [data_item]", v, got)
		}
	}
	pluralHolders := []string{
		"huisarts, specialist",
		"GP/hospital",
		"huisarts en specialist",
		"GP or hospital",
		"alle zorgverleners",
		"Huisarts plus apotheek",
		"other care providers",
	}
	for _, v := range pluralHolders {
		c := cnValid()
		c.DataHolder = v
		if got := cnFields(t, c.Validate(cnNow)); !slices.Equal(got, []string{"data_holder"}) {
			t.Errorf("data_holder %q: field errors %v, want [data_holder]", v, got)
		}
	}
	singularItems := []string{
		"Medische informatie over uw mobiliteit",
		"Uitslag van het bloedonderzoek",
		"Verslag van de bedrijfsarts",
		"Diagnose van uw knieklachten",
		"Allergie-informatie", // "all" inside a word is no list
		"Medicatieoverzicht",
	}
	for _, v := range singularItems {
		c := cnValid()
		c.DataItem = v
		if err := c.Validate(cnNow); err != nil {
			t.Errorf("singular data_item %q refused: %v", v, cnFields(t, err))
		}
	}
	singularHolders := []string{
		"Uw huisarts dr. Jansen",
		"Uw huisarts", // "Uw huisarts, dr. Jansen" is refused by design: a comma separates a list
		"Ziekenhuis Rijnstate afdeling orthopedie",
		"Apotheek De Linde",
		"Uw fysiotherapeut",
	}
	for _, v := range singularHolders {
		c := cnValid()
		c.DataHolder = v
		if err := c.Validate(cnNow); err != nil {
			t.Errorf("singular data_holder %q refused: %v", v, cnFields(t, err))
		}
	}
}

func TestNewConsentValidateValidUntil(t *testing.T) {
	cases := []struct {
		v  string
		ok bool
	}{
		{"2025-12-01", true},
		{"2025-06-01", true},  // today: valid until the end of the day
		{"2025-05-31", false}, // yesterday
		{"2024-06-01", false},
		{"2026-06-01", true},  // exactly 12 months
		{"2026-06-02", false}, // a day more
		{"2027-01-01", false},
		{"01-12-2025", false},
		{"2025-13-01", false},
		{"2025-02-30", false},
		{"2025-6-30", false},
		{"2025-06-30T00:00:00Z", false},
		{" 2025-06-30", false},
		{"morgen", false},
	}
	for _, tc := range cases {
		c := cnValid()
		c.ValidUntil = tc.v
		got := cnFields(t, c.Validate(cnNow))
		if tc.ok && got != nil {
			t.Errorf("valid_until %q refused: %v", tc.v, got)
		}
		if !tc.ok && !slices.Equal(got, []string{"valid_until"}) {
			t.Errorf("valid_until %q: field errors %v, want [valid_until]", tc.v, got)
		}
	}
}

// TestNewConsentValidateTwelveMonthsAtEveryHour: whatever the hour of the request (Amsterdam time,
// summer and winter, around midnight and the clock changes), the same date a year later is allowed
// and the day after it is refused.
func TestNewConsentValidateTwelveMonthsAtEveryHour(t *testing.T) {
	start := time.Date(2025, 1, 1, 0, 30, 0, 0, portal.Amsterdam)
	var bad []string
	for now := start; now.Year() == 2025; now = now.Add(time.Hour) {
		local := now.In(portal.Amsterdam)
		y, m, d := local.Date()
		last := time.Date(y+1, m, d, 12, 0, 0, 0, portal.Amsterdam)
		for _, tc := range []struct {
			until string
			ok    bool
		}{{last.Format("2006-01-02"), true}, {last.AddDate(0, 0, 1).Format("2006-01-02"), false}} {
			c := cnValid()
			c.ValidUntil = tc.until
			err := c.Validate(now)
			if (err == nil) != tc.ok {
				bad = append(bad, fmt.Sprintf("at %s valid_until %s: ok=%v, want %v", local.Format(time.RFC3339), tc.until, err == nil, tc.ok))
			}
		}
	}
	for i, b := range bad {
		if i == 10 {
			t.Errorf("... and %d more", len(bad)-10)
			break
		}
		t.Error(b)
	}
}

func TestNewConsentValidUntilTime(t *testing.T) {
	cases := []struct {
		v    string
		want time.Time
	}{
		{"2025-06-30", time.Date(2025, 6, 30, 21, 59, 59, 999999999, time.UTC)},  // CEST
		{"2025-12-31", time.Date(2025, 12, 31, 22, 59, 59, 999999999, time.UTC)}, // CET
		{"2025-03-30", time.Date(2025, 3, 30, 21, 59, 59, 999999999, time.UTC)},  // the day summer time starts
		{"2025-10-26", time.Date(2025, 10, 26, 22, 59, 59, 999999999, time.UTC)}, // the day it ends
		{"2025-03-29", time.Date(2025, 3, 29, 22, 59, 59, 999999999, time.UTC)},
		{"", time.Time{}},
		{"2025-02-30", time.Time{}},
		{"30-06-2025", time.Time{}},
		{"2025-06-30x", time.Time{}},
	}
	for _, tc := range cases {
		got := portal.NewConsent{ValidUntil: tc.v}.ValidUntilTime()
		if !got.Equal(tc.want) || got.IsZero() != tc.want.IsZero() {
			t.Errorf("ValidUntilTime(%q) = %v, want %v", tc.v, got.UTC(), tc.want)
		}
	}
}

func cnConsent(status, validUntil string) portal.Consent {
	c := portal.Consent{NewConsent: cnValid(), SubjectID: 7, Status: status}
	c.ValidUntil = validUntil
	return c
}

func TestConsentStatusAt(t *testing.T) {
	lastNs := time.Date(2025, 6, 30, 21, 59, 59, 999999999, time.UTC) // 30 June 23:59:59.999999999 CEST
	lastSec := time.Date(2025, 6, 30, 21, 59, 59, 0, time.UTC)
	midnight := time.Date(2025, 6, 30, 22, 0, 0, 0, time.UTC) // 1 July 00:00 CEST
	earlierUTC := time.Date(2025, 6, 30, 23, 30, 0, 0, time.UTC)
	cases := []struct {
		status string
		at     time.Time
		want   string
	}{
		{portal.ConsentPending, cnNow, portal.ConsentPending},
		{portal.ConsentPending, lastSec, portal.ConsentPending},
		{portal.ConsentPending, lastNs, portal.ConsentPending},
		{portal.ConsentPending, midnight, portal.ConsentExpired},
		{portal.ConsentPending, earlierUTC, portal.ConsentExpired}, // still 30 June in UTC, but not in Amsterdam
		{portal.ConsentGranted, lastSec, portal.ConsentGranted},
		{portal.ConsentGranted, midnight, portal.ConsentExpired},
		{portal.ConsentRefused, midnight, portal.ConsentRefused},
		{portal.ConsentWithdrawn, midnight, portal.ConsentWithdrawn},
		{portal.ConsentExpired, cnNow, portal.ConsentExpired},
	}
	for _, tc := range cases {
		if got := cnConsent(tc.status, "2025-06-30").StatusAt(tc.at); got != tc.want {
			t.Errorf("%s at %s: StatusAt = %s, want %s", tc.status, tc.at.In(portal.Amsterdam).Format(time.RFC3339Nano), got, tc.want)
		}
	}
	// Winter time: the day ends at 23:00 UTC.
	w := cnConsent(portal.ConsentGranted, "2025-12-31")
	if got := w.StatusAt(time.Date(2025, 12, 31, 22, 59, 59, 0, time.UTC)); got != portal.ConsentGranted {
		t.Errorf("winter, last second: %s", got)
	}
	if got := w.StatusAt(time.Date(2025, 12, 31, 23, 0, 0, 0, time.UTC)); got != portal.ConsentExpired {
		t.Errorf("winter, midnight: %s", got)
	}
}

func TestConsentCovers(t *testing.T) {
	at := func(h int) time.Time { return time.Date(2025, 6, 10, h, 0, 0, 0, time.UTC) }
	ptr := func(t time.Time) *time.Time { return &t }
	base := func() portal.Consent {
		c := cnConsent(portal.ConsentGranted, "2025-06-30")
		c.GrantedAt, c.DecidedAt = ptr(at(9)), ptr(at(9))
		return c
	}
	withdrawn := func(w time.Time) portal.Consent {
		c := base()
		c.Status, c.WithdrawnAt = portal.ConsentWithdrawn, ptr(w)
		return c
	}
	never := cnConsent(portal.ConsentPending, "2025-06-30")
	refused := cnConsent(portal.ConsentRefused, "2025-06-30")
	refused.DecidedAt = ptr(at(9))
	cases := []struct {
		name    string
		c       portal.Consent
		subject int64
		t       time.Time
		want    bool
	}{
		{"granted before t", base(), 7, at(10), true},
		{"granted at t", base(), 7, at(9), true},
		{"granted after t", base(), 7, at(8), false},
		{"withdrawn after t", withdrawn(at(12)), 7, at(10), true},
		{"withdrawn at t", withdrawn(at(10)), 7, at(10), false},
		{"withdrawn before t", withdrawn(at(10)), 7, at(11), false},
		{"last second of the end date", base(), 7, time.Date(2025, 6, 30, 21, 59, 59, 0, time.UTC), true},
		{"expired", base(), 7, time.Date(2025, 6, 30, 22, 0, 0, 0, time.UTC), false},
		{"long expired", base(), 7, time.Date(2025, 9, 1, 0, 0, 0, 0, time.UTC), false},
		{"other subject", base(), 8, at(10), false},
		{"never granted", never, 7, at(10), false},
		{"refused", refused, 7, at(10), false},
	}
	for _, tc := range cases {
		if got := tc.c.Covers(tc.subject, tc.t); got != tc.want {
			t.Errorf("%s: Covers = %v, want %v", tc.name, got, tc.want)
		}
	}
}

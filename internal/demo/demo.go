// Package demo holds Inzicht's demonstration data: a register of social-domain processing activities
// and four citizens with a year of processing across Wmo, Jeugd and Participatie, including
// break-the-glass, consent-based, against-the-will and confidential events.
package demo

import (
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"

	"github.com/inzicht/inzicht/portal"
)

//go:embed register.json
var registerJSON []byte

// Register returns the demo register of processing activities.
func Register() ([]portal.Activity, error) { return portal.ParseRegister(registerJSON) }

// Citizen is a demo person.
type Citizen struct {
	BSN   string
	Story string
}

// Citizens are the demo persons (BSNs from the range reserved for tests).
var Citizens = []Citizen{
	{"999993653", "Wmo: huishoudelijke hulp, noodtoegang, toestemming voor gegevens van de huisarts"},
	{"999990019", "Jeugd: jeugdhulp voor een kind, onderzoek na een zorgsignaal tegen de wil, vertrouwelijk onderzoek"},
	{"999991772", "Participatie: bijstand, controle bij UWV, begeleiding naar werk, schuldhulp"},
	{"999998456", "Alles samen: wijkteam met toestemming, Wmo, jeugd en bijstand"},
}

const municipality = "Gemeente Voorbeeldstad"

type step struct {
	activity, org, team, role, action, level, basis string
	cats                                            []string
}

var (
	brp        = step{"brp-raadpleging", municipality, "Team Toegang", "Medewerker toegang", "view", "that", "function", []string{"identity", "household"}}
	wmoIntake  = step{"wmo-onderzoek", municipality, "Wijkteam Noord", "Wmo-consulent", "view", "what", "assigned", []string{"care_needs", "household", "health"}}
	wmoReport  = step{"wmo-onderzoek", municipality, "Wijkteam Noord", "Wmo-consulent", "create", "what", "assigned", []string{"care_needs", "health"}}
	wmoDecide  = step{"wmo-maatwerkvoorziening", municipality, "Team Wmo-beschikkingen", "Beschikkingsmedewerker", "create", "what", "team", []string{"care_needs", "provisions"}}
	wmoSupply  = step{"zorgaanbieder-levering", "Thuiszorg De Linde", "Huishoudelijke hulp", "Planner", "view", "that", "assigned", []string{"identity", "contact", "provisions"}}
	wmoInvoice = step{"zorgaanbieder-levering", "Thuiszorg De Linde", "Administratie", "Declaratiemedewerker", "export", "that", "function", []string{"identity", "provisions"}}
	jgIntake   = step{"jeugd-toegang", municipality, "Jeugdteam Centrum", "Jeugdconsulent", "view", "what", "assigned", []string{"youth_care", "household", "education"}}
	jgPlan     = step{"jeugd-toegang", municipality, "Jeugdteam Centrum", "Jeugdconsulent", "update", "what", "assigned", []string{"youth_care", "health"}}
	jgTeam     = step{"jeugd-toegang", municipality, "Jeugdteam Centrum", "Gedragswetenschapper", "view", "what", "team", []string{"youth_care"}}
	jgSchool   = step{"jeugd-toegang", "Stichting Onderwijs Voorbeeldstad", "Zorgteam school", "Intern begeleider", "disclose", "that", "assigned", []string{"education", "youth_care"}}
	pwApply    = step{"pw-bijstand", municipality, "Team Werk en Inkomen", "Klantmanager inkomen", "view", "what", "assigned", []string{"income", "assets", "household"}}
	pwDecide   = step{"pw-bijstand", municipality, "Team Werk en Inkomen", "Klantmanager inkomen", "create", "what", "assigned", []string{"income", "household"}}
	pwCheck    = step{"pw-rechtmatigheid", municipality, "Team Handhaving", "Handhavingsspecialist", "view", "what", "function", []string{"income", "assets", "employment"}}
	pwWork     = step{"pw-reintegratie", "Werkbedrijf Regio Voorbeeldstad", "Team Werkfit", "Jobcoach", "view", "what", "assigned", []string{"employment", "education"}}
	pwWorkUpd  = step{"pw-reintegratie", "Werkbedrijf Regio Voorbeeldstad", "Team Werkfit", "Jobcoach", "update", "what", "assigned", []string{"employment"}}
	debt       = step{"schuldhulp", "Kredietbank Voorbeeldstad", "Schuldhulpverlening", "Schuldhulpverlener", "view", "what", "assigned", []string{"income", "debts"}}
	debtUpd    = step{"schuldhulp", "Kredietbank Voorbeeldstad", "Schuldhulpverlening", "Schuldhulpverlener", "update", "what", "assigned", []string{"debts"}}
	wijk       = step{"wijkteam-overleg", municipality, "Wijkteam Zuid", "Maatschappelijk werker", "view", "what", "team", []string{"household", "care_needs"}}
)

var employees = []string{"J. de Vries", "A. Bakker", "S. El Amrani", "M. Jansen", "R. Visser", "L. Smit", "K. Mulder", "D. Bos"}

// Events returns the demo events, dated in the year before now. Ids are derived from the citizen and
// position, so the same day's data loads only once.
func Events(now time.Time) []portal.Event {
	now = now.UTC().Truncate(24 * time.Hour).Add(-2 * time.Hour)
	var out []portal.Event
	for ci, c := range Citizens {
		r := rand.New(rand.NewPCG(uint64(ci+1), 42))
		var plan []step
		switch ci {
		case 0:
			plan = []step{brp, wmoIntake, wmoReport, wmoDecide, wmoSupply, wmoSupply, wmoInvoice}
		case 1:
			plan = []step{brp, jgIntake, jgPlan, jgTeam, jgSchool, jgIntake}
		case 2:
			plan = []step{brp, pwApply, pwDecide, pwCheck, pwWork, pwWorkUpd, debt, debtUpd}
		default:
			plan = []step{brp, wijk, wmoIntake, jgIntake, pwApply, pwWork, debt}
		}
		n := 90 + r.IntN(40)
		caseRef := fmt.Sprintf("Z-%d-%05d", now.Year()-1, 1000+ci*137)
		for i := 0; i < n; i++ {
			s := plan[r.IntN(len(plan))]
			at := now.Add(-time.Duration(r.Int64N(int64(365 * 24 * time.Hour)))).Truncate(time.Minute)
			emp := employees[r.IntN(len(employees))]
			e := portal.Event{
				ID:         uuid.NewSHA1(uuid.NameSpaceURL, []byte(fmt.Sprintf("inzicht-demo/%s/%d", c.BSN, i))).String(),
				OccurredAt: at, SubjectBSN: c.BSN, Activity: s.activity, Action: s.action,
				DataCategories: s.cats, Level: s.level, AccessBasis: s.basis,
				Actor: portal.Actor{Organization: s.org, Team: s.team, Role: s.role,
					EmployeeID: fmt.Sprintf("mw-%04d", 100+r.IntN(900)), EmployeeName: emp},
				System: "Suite Sociaal Domein", CaseRef: caseRef,
			}
			if s.action == "disclose" {
				e.Recipient = "Jeugdteam Centrum, Gemeente Voorbeeldstad"
			}
			out = append(out, e)
		}
		out = append(out, special(ci, c.BSN, now, caseRef)...)
	}
	return out
}

// special adds the events every demo must show: break-the-glass, consent, against-will, confidential.
func special(ci int, bsn string, now time.Time, caseRef string) []portal.Event {
	id := func(tag string) string {
		return uuid.NewSHA1(uuid.NameSpaceURL, []byte("inzicht-demo/"+bsn+"/"+tag)).String()
	}
	base := func(tag string, daysAgo int, s step) portal.Event {
		return portal.Event{ID: id(tag), OccurredAt: now.AddDate(0, 0, -daysAgo), SubjectBSN: bsn, Activity: s.activity,
			Action: s.action, DataCategories: s.cats, Level: s.level, AccessBasis: s.basis, CaseRef: caseRef,
			Actor:  portal.Actor{Organization: s.org, Team: s.team, Role: s.role, EmployeeID: "mw-0042", EmployeeName: "P. de Boer"},
			System: "Suite Sociaal Domein"}
	}
	var out []portal.Event
	switch ci {
	case 0, 3:
		bg := base("break-glass", 12, step{"wmo-onderzoek", municipality, "Wijkteam West", "Wmo-consulent", "view", "what", "break_glass", []string{"care_needs", "health"}})
		bg.BreakGlassReason = "Uw vaste consulent was ziek. U belde met een dringende vraag over uw zorg, daarom keek een collega van een ander team mee."
		out = append(out, bg)
		cs := base("consent", 40, step{"wijkteam-overleg", municipality, "Wijkteam Zuid", "Wijkverpleegkundige", "view", "what", "consent", []string{"health", "care_needs"}})
		cs.ConsentRef = "TS-2026-0193"
		out = append(out, cs)
	}
	switch ci {
	case 1, 3:
		aw := base("against-will", 60, step{"jeugd-veiligheid", municipality, "Team Veiligheid", "Jeugdbeschermer", "view", "what", "against_will", []string{"safety", "household", "youth_care"}})
		aw.AgainstWill = &portal.AgainstWill{DecisionRef: "BT-2026-017", Reason: "Er waren ernstige zorgen over de veiligheid van uw kind. Daarom onderzochten wij dit, ook al wilde u dat niet.", ApprovedBy: "Teamleider Veiligheid"}
		out = append(out, aw)
		conf := base("confidential-future", 20, step{"jeugd-veiligheid", municipality, "Team Veiligheid", "Jeugdbeschermer", "view", "what", "function", []string{"safety"}})
		until := now.AddDate(0, 3, 0)
		conf.ConfidentialUntil, conf.ConfidentialReason = &until, "Lopend onderzoek naar de veiligheid van een kind"
		out = append(out, conf)
	}
	switch ci {
	case 2, 3:
		conf := base("confidential-past", 200, step{"pw-rechtmatigheid", municipality, "Team Handhaving", "Handhavingsspecialist", "disclose", "what", "function", []string{"income", "employment"}})
		conf.Recipient = "UWV"
		until := now.AddDate(0, -2, 0)
		conf.ConfidentialUntil, conf.ConfidentialReason = &until, "Onderzoek naar de rechtmatigheid van de uitkering"
		out = append(out, conf)
		bg := base("break-glass-pw", 90, step{"pw-bijstand", municipality, "Team Werk en Inkomen", "Klantmanager inkomen", "view", "what", "break_glass", []string{"income", "household"}})
		bg.BreakGlassReason = "Spoedaanvraag voor een voorschot: uw eigen klantmanager was niet bereikbaar."
		out = append(out, bg)
		// Received as Logboek Dataverwerkingen spans (OTLP): a check done at UWV's request (a foreign
		// operation at another organisation), and a look-up that failed.
		uwv := base("ldv-uwv", 33, pwCheck)
		uwv.System = "Suite Sociaal Domein 4.2"
		uwv.Span = &portal.Span{TraceID: hexID(bsn+"/ldv-uwv", 16), SpanID: hexID(bsn+"/ldv-uwv/span", 8),
			Name: "rechtmatigheid.controleren", Foreign: &portal.ForeignOperation{TraceID: hexID(bsn+"/uwv", 16),
				SpanID: hexID(bsn+"/uwv/span", 8), Entity: "urn:nl:oin:" + DemoOIN}}
		out = append(out, uwv)
		failed := base("ldv-failed", 8, brp)
		failed.System = "Suite Sociaal Domein 4.2"
		failed.Span = &portal.Span{TraceID: hexID(bsn+"/ldv-failed", 16), SpanID: hexID(bsn+"/ldv-failed/span", 8),
			Name: "brp.bevragen", Failed: true}
		out = append(out, failed)
	}
	return out
}

// DemoOIN is the made-up OIN (organisatie-identificatienummer) of the demo's other organisation,
// UWV, named in the organisations table so that a chain it started shows its name.
const DemoOIN = "00000009876543210000"

// hexID returns n bytes derived from tag, in hex: stable trace and span ids for demo spans.
func hexID(tag string, n int) string {
	sum := sha256.Sum256([]byte("inzicht-demo/" + tag))
	return hex.EncodeToString(sum[:n])
}

// Store is what loading the demo needs.
type Store interface {
	PutActivity(ctx context.Context, a portal.Activity) (bool, error)
	PutOrganisation(ctx context.Context, o portal.Organisation) (bool, error)
	Ingest(ctx context.Context, apiKeyID int64, events []portal.Event) (portal.IngestResult, error)
}

// LoadResult counts what Load stored.
type LoadResult struct {
	Activities int // new register entries
	Events     int // new events
	Existing   int // events (or batches of an earlier day) already there
}

// Load stores the register and the events; running it again adds nothing.
func Load(ctx context.Context, st Store, now time.Time) (LoadResult, error) {
	var res LoadResult
	reg, err := Register()
	if err != nil {
		return res, err
	}
	for _, a := range reg {
		created, err := st.PutActivity(ctx, a)
		if err != nil {
			return res, err
		}
		if created {
			res.Activities++
		}
	}
	if _, err := st.PutOrganisation(ctx, portal.Organisation{OIN: DemoOIN, Name: "UWV"}); err != nil {
		return res, err
	}
	known := map[string]bool{}
	for _, a := range reg {
		known[a.ID] = true
	}
	events := Events(now)
	// One batch per citizen: a batch loaded on an earlier day has the same ids with other dates and is
	// refused as a conflict, which for demo data means "already there".
	byBSN := map[string][]portal.Event{}
	for _, e := range events {
		byBSN[e.SubjectBSN] = append(byBSN[e.SubjectBSN], e)
	}
	for _, c := range Citizens {
		batch := byBSN[c.BSN]
		if err := portal.ValidateBatch(batch, now, func(id string) bool { return known[id] }); err != nil {
			return res, fmt.Errorf("demo: generated events are invalid: %w", err)
		}
		r, err := st.Ingest(ctx, 0, batch)
		if portal.ErrorCode(err) == portal.ECONFLICT {
			res.Existing += len(batch)
			continue
		}
		if err != nil {
			return res, err
		}
		res.Events += r.Accepted
		res.Existing += r.Duplicates
	}
	return res, nil
}

package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/inzicht/inzicht/portal"
)

// The demo family (issue 16): two parents with authority over a child of 10 with youth care and a
// child of 14; and an adult with an administrator (bewindvoerder) for their income and debts.
const (
	BSNParentEva   = "999990093"
	BSNParentMark  = "999990111"
	BSNChildDaan   = "999990123"
	BSNChildNoor   = "999990135"
	BSNAdultHenk   = "999990147"
	BSNBewindSanne = "999990159"
)

// Family are the demo persons of the family, for the login hints.
var Family = []Citizen{
	{BSNParentEva, "Ouder met gezag (Eva de Vries): kies bij 'Namens wie' voor Daan (10) of Noor (14)"},
	{BSNParentMark, "Tweede ouder met gezag (Mark de Vries) voor Daan en Noor"},
	{BSNChildDaan, "Daan de Vries (10): jeugdhulp, een melding van school, een melding over veiligheid die ouders niet zien"},
	{BSNChildNoor, "Noor de Vries (14): een vraag om toestemming die zij en haar ouders beantwoorden"},
	{BSNAdultHenk, "Henk Jansen: bijstand, schuldhulp en Wmo; heeft een bewindvoerder"},
	{BSNBewindSanne, "Bewindvoerder (Sanne Bakker) van Henk Jansen: ziet alleen geldzaken"},
}

// RepresentationStore is what loading the family's representations needs.
type RepresentationStore interface {
	PutRepresentation(ctx context.Context, r portal.Representation, apiKeyID int64) (portal.StoredRepresentation, bool, error)
}

// birthIn returns a date of birth (yyyy-mm-dd) years before now's year, on a fixed day, so the
// demo's representations are the same all year and the child has that age for most of it.
func birthIn(now time.Time, years int, month time.Month, day int) string {
	return time.Date(now.In(portal.Amsterdam).Year()-years, month, day, 0, 0, 0, 0, portal.Amsterdam).Format("2006-01-02")
}

// FamilyRepresentations are the family's representations as the municipality's systems would
// register them. Ids are fixed, so loading again changes nothing within a year.
func FamilyRepresentations(now time.Time) []portal.Representation {
	daan, noor := birthIn(now, 10, time.January, 15), birthIn(now, 14, time.February, 3)
	henk := birthIn(now, 47, time.June, 9)
	id := func(tag string) string {
		return uuid.NewSHA1(uuid.NameSpaceURL, []byte("inzicht-demo/representation/"+tag)).String()
	}
	gezag := portal.LegalBasis{Kind: portal.BasisBRPAuthority, Reference: "BRP: gezag ouders (indicatie 1D)"}
	all := []string{portal.PartConsent, portal.PartLog, portal.PartRequests, portal.PartSignals}
	return []portal.Representation{
		{ID: id("eva-daan"), RepresentativeBSN: BSNParentEva, RepresentativeName: "Eva de Vries", SubjectBSN: BSNChildDaan,
			SubjectName: "Daan de Vries", SubjectBirthDate: daan, Kind: portal.RepParentalAuthority, Parts: all, LegalBasis: gezag, ValidFrom: daan},
		{ID: id("mark-daan"), RepresentativeBSN: BSNParentMark, RepresentativeName: "Mark de Vries", SubjectBSN: BSNChildDaan,
			SubjectName: "Daan de Vries", SubjectBirthDate: daan, Kind: portal.RepParentalAuthority, Parts: all, LegalBasis: gezag, ValidFrom: daan},
		{ID: id("eva-noor"), RepresentativeBSN: BSNParentEva, RepresentativeName: "Eva de Vries", SubjectBSN: BSNChildNoor,
			SubjectName: "Noor de Vries", SubjectBirthDate: noor, Kind: portal.RepParentalAuthority, Parts: all, LegalBasis: gezag, ValidFrom: noor},
		{ID: id("mark-noor"), RepresentativeBSN: BSNParentMark, RepresentativeName: "Mark de Vries", SubjectBSN: BSNChildNoor,
			SubjectName: "Noor de Vries", SubjectBirthDate: noor, Kind: portal.RepParentalAuthority, Parts: all, LegalBasis: gezag, ValidFrom: noor},
		{ID: id("sanne-henk"), RepresentativeBSN: BSNBewindSanne, RepresentativeName: "Sanne Bakker", SubjectBSN: BSNAdultHenk,
			SubjectName: "Henk Jansen", SubjectBirthDate: henk, Kind: portal.RepAdministration,
			Parts: []string{portal.PartLog, portal.PartRequests}, ValidFrom: birthIn(now, 2, time.March, 1),
			LegalBasis: portal.LegalBasis{Kind: portal.BasisCourtDecision, Reference: "Rb. Voorbeeldstad, beschikking C/01/123456 BW"}},
	}
}

// familyEvents are the family's processing: youth care for Daan, youth care and school for Noor,
// income, debt help and Wmo for Henk (so the administrator's view leaves the Wmo out).
func familyEvents(now time.Time) []portal.Event {
	now = now.UTC().Truncate(24 * time.Hour).Add(-3 * time.Hour)
	plans := []struct {
		bsn   string
		steps []step
	}{
		{BSNChildDaan, []step{brp, jgIntake, jgPlan, jgTeam, jgSchool}},
		{BSNChildNoor, []step{brp, jgIntake, jgSchool}},
		{BSNAdultHenk, []step{brp, pwApply, pwDecide, pwCheck, debt, debtUpd, wmoIntake, wmoDecide}},
	}
	var out []portal.Event
	for _, p := range plans {
		for i := 0; i < 3*len(p.steps); i++ {
			s := p.steps[i%len(p.steps)]
			at := now.Add(-time.Duration(i*53+7) * time.Hour).Truncate(time.Minute)
			e := portal.Event{ID: uuid.NewSHA1(uuid.NameSpaceURL, []byte(fmt.Sprintf("inzicht-demo/family/%s/%d", p.bsn, i))).String(),
				OccurredAt: at, SubjectBSN: p.bsn, Activity: s.activity, Action: s.action, DataCategories: s.cats,
				Level: s.level, AccessBasis: s.basis, System: "Suite Sociaal Domein", CaseRef: "Z-2026-0" + p.bsn[6:],
				Actor: portal.Actor{Organization: s.org, Team: s.team, Role: s.role, EmployeeID: fmt.Sprintf("mw-%04d", 200+i),
					EmployeeName: employees[i%len(employees)]}}
			if s.action == "disclose" {
				e.Recipient = "Jeugdteam Centrum, Gemeente Voorbeeldstad"
			}
			out = append(out, e)
		}
	}
	return out
}

// LoadFamily stores the family's events and representations; running it again adds nothing.
func LoadFamily(ctx context.Context, st interface {
	Store
	RepresentationStore
}, now time.Time) (events, reps int, err error) {
	reg, err := Register()
	if err != nil {
		return 0, 0, err
	}
	known := map[string]bool{}
	for _, a := range reg {
		known[a.ID] = true
	}
	batch := familyEvents(now)
	if err := portal.ValidateBatch(batch, now, func(id string) bool { return known[id] }); err != nil {
		return 0, 0, fmt.Errorf("demo: family events are invalid: %w", err)
	}
	r, err := st.Ingest(ctx, 0, batch)
	switch {
	case portal.ErrorCode(err) == portal.ECONFLICT: // loaded on an earlier day
	case err != nil:
		return 0, 0, err
	default:
		events = r.Accepted
	}
	for _, rep := range FamilyRepresentations(now) {
		if err := rep.Validate(); err != nil {
			return events, reps, fmt.Errorf("demo representation %s: %w", rep.ID, err)
		}
		_, created, err := st.PutRepresentation(ctx, rep, 0)
		if err != nil {
			return events, reps, err
		}
		if created {
			reps++
		}
	}
	return events, reps, nil
}

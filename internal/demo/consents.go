package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/inzicht/inzicht/portal"
)

// ConsentStore is what loading the demo consent requests needs.
type ConsentStore interface {
	CreateConsent(ctx context.Context, nc portal.NewConsent, source string, apiKeyID int64) (portal.Consent, bool, error)
}

// LoadConsents asks two demo citizens for specific consent, the PIA's own example among them. Running
// it again on the same day adds nothing; on a later day the stored requests are left as they are.
func LoadConsents(ctx context.Context, st ConsentStore, now time.Time) (int, error) {
	until := portal.AddMonths(now.In(portal.Amsterdam), 3).Format("2006-01-02")
	reqs := []portal.NewConsent{{
		SubjectBSN: "999993653", CaseRef: "Z-2026-01234",
		RequestedBy: portal.ConsentRequester{Organization: "Gemeente Voorbeeldstad", Team: "Wijkteam Noord", Role: "Wmo-consulent"},
		DataItem:    "Medische informatie over wat u lichamelijk kunt", DataHolder: "Uw huisarts",
		Purpose:     "We denken aan dagbesteding voor u. Zijn er medische zaken waar we rekening mee moeten houden?",
		Necessity:   "Zo kiezen we een dagbesteding die bij u past en die niet te zwaar voor u is.",
		LegalGround: "Uw huisarts heeft een beroepsgeheim. Hij mag ons alleen iets vertellen als u dat goed vindt.",
		IfRefused:   "Dan kiezen we samen met u, zonder informatie van uw huisarts. U kunt dan nog steeds dagbesteding krijgen.",
		ValidUntil:  until,
	}, {
		SubjectBSN: "999998456", CaseRef: "Z-2026-04711",
		RequestedBy: portal.ConsentRequester{Organization: "Gemeente Voorbeeldstad", Team: "Schuldhulp", Role: "Schuldhulpverlener"},
		DataItem:    "Het overzicht van uw schulden", DataHolder: "Uw bewindvoerder",
		Purpose:     "We willen samen met u een plan maken om uw schulden af te lossen.",
		Necessity:   "Voor een goed plan moeten we weten welke schulden er zijn en bij wie.",
		LegalGround: "Uw bewindvoerder mag uw gegevens niet zonder uw toestemming aan ons geven.",
		IfRefused:   "Dan vragen we u zelf om het overzicht. Dat kost meer tijd.",
		ValidUntil:  until,
	}, {
		// The family: Noor (14) answers herself; her parents decide.
		SubjectBSN: BSNChildNoor, CaseRef: "Z-2026-05120",
		RequestedBy: portal.ConsentRequester{Organization: "Gemeente Voorbeeldstad", Team: "Jeugdteam Centrum", Role: "Jeugdconsulent"},
		DataItem:    "Wat de mentor op school weet over hoe het met Noor gaat", DataHolder: "De mentor van Noor op school",
		Purpose:     "We willen weten hoe het op school gaat, zodat de hulp thuis en op school bij elkaar past.",
		Necessity:   "Zonder het verhaal van school missen we een deel van wat Noor nodig heeft.",
		LegalGround: "De school mag dit alleen vertellen als Noor en haar ouders het goed vinden.",
		IfRefused:   "Dan praten we alleen met Noor en haar ouders. De hulp gaat gewoon door.",
		ValidUntil:  until,
	}}
	n := 0
	for i, nc := range reqs {
		nc.ID = uuid.NewSHA1(uuid.NameSpaceURL, []byte(fmt.Sprintf("inzicht-demo/consent/%d", i))).String()
		if err := nc.Validate(now); err != nil {
			return n, fmt.Errorf("demo consent %d: %w", i, err)
		}
		_, created, err := st.CreateConsent(ctx, nc, "staff", 0)
		if portal.ErrorCode(err) == portal.ECONFLICT {
			continue // asked on an earlier day
		}
		if err != nil {
			return n, err
		}
		if created {
			n++
		}
	}
	return n, nil
}

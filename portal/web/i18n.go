package web

import (
	"fmt"
	"time"

	"github.com/inzicht/inzicht/portal"
)

// Languages the portal speaks; the first is the default.
var Languages = []string{"nl", "en"}

// messages is the catalogue of citizen-facing text: Dutch at B1 level, and English.
var messages = map[string]map[string]string{
	"nl": {
		"site.name":            "Inzicht",
		"site.tagline":         "Zien wat er met uw gegevens gebeurt",
		"skip":                 "Naar de inhoud",
		"nav.overview":         "Overzicht",
		"nav.log":              "Wie bekeek mijn gegevens",
		"nav.logout":           "Uitloggen",
		"nav.lang":             "English",
		"home.title":           "Zien wat de gemeente met uw gegevens doet",
		"home.intro":           "Voor hulp bij zorg, jeugdhulp, werk en inkomen gebruikt de gemeente uw gegevens. In Inzicht ziet u wie uw gegevens bekeek of gebruikte, wanneer, en waarom.",
		"home.login":           "Inloggen met DigiD",
		"home.need":            "U logt in met DigiD. U heeft de DigiD app met ID-check nodig, of een identiteitskaart met chip (niveau Substantieel).",
		"overview.title":       "Uw overzicht",
		"overview.bsn":         "Uw burgerservicenummer",
		"overview.total":       "Verwerkingen in totaal",
		"overview.year":        "In de afgelopen 12 maanden",
		"overview.breakglass":  "Noodtoegang",
		"overview.againstwill": "Tegen uw wil",
		"overview.consent":     "Met uw toestemming",
		"overview.latest":      "Laatste verwerkingen",
		"overview.all":         "Alle verwerkingen bekijken",
		"overview.orgs":        "Organisaties die uw gegevens gebruikten",
		"log.title":            "Wie bekeek mijn gegevens",
		"log.intro":            "Hier staat elke keer dat iemand uw gegevens bekeek, wijzigde of doorgaf. De nieuwste staat bovenaan.",
		"log.filter":           "Filteren",
		"log.from":             "Van (datum)",
		"log.to":               "Tot en met (datum)",
		"log.org":              "Organisatie",
		"log.category":         "Soort gegevens",
		"log.basis":            "Waarom had deze persoon toegang",
		"log.all":              "Alles",
		"log.apply":            "Filter toepassen",
		"log.reset":            "Filters wissen",
		"log.none":             "Er zijn geen verwerkingen gevonden.",
		"log.older":            "Oudere verwerkingen",
		"log.first":            "Terug naar de nieuwste",
		"log.download":         "Downloaden",
		"log.pdf":              "Overzicht als PDF",
		"log.csv":              "Overzicht als CSV (voor Excel)",
		"log.details":          "Bekijk details",
		"log.hidden":           "Soms mag de gemeente een verwerking tijdelijk niet laten zien, bijvoorbeeld tijdens een onderzoek. U ziet die verwerking later alsnog.",
		"field.when":           "Wanneer",
		"field.who":            "Wie",
		"field.role":           "Functie",
		"field.employee":       "Medewerker",
		"field.action":         "Wat gebeurde er",
		"field.categories":     "Welke gegevens",
		"field.level":          "Hoeveel",
		"field.activity":       "Taak",
		"field.purpose":        "Waarom",
		"field.legal":          "Wettelijke grond",
		"field.case":           "Zaaknummer",
		"field.recipient":      "Ontvanger",
		"field.system":         "Systeem",
		"field.controller":     "Verantwoordelijk",
		"field.retention":      "Bewaartermijn",
		"field.basis":          "Toegang",
		"detail.title":         "Verwerking van uw gegevens",
		"detail.back":          "Terug naar het overzicht",
		"detail.explain":       "Uitleg",
		"detail.cando":         "Wat kunt u doen?",
		"detail.cando.text":    "Heeft u een vraag over deze verwerking? Of bent u het er niet mee eens? Dien dan hieronder een verzoek in bij %s. U mag altijd vragen welke gegevens de gemeente van u heeft (inzage), om een fout te verbeteren (correctie) of bezwaar maken. U krijgt binnen een maand een besluit.",
		"action.view":          "Bekeken",
		"action.create":        "Vastgelegd",
		"action.update":        "Gewijzigd",
		"action.delete":        "Verwijderd",
		"action.disclose":      "Doorgegeven",
		"action.export":        "Geëxporteerd",
		"level.that":           "Dat-informatie: alleen dát er iets is (bijvoorbeeld dat u een voorziening heeft)",
		"level.what":           "Wat-informatie: de inhoud (bijvoorbeeld wat uw situatie is)",
		"level.that.short":     "Dat-informatie",
		"level.what.short":     "Wat-informatie",
		"basis.assigned":       "Betrokken bij uw zaak",
		"basis.team":           "Lid van het team dat u helpt",
		"basis.function":       "Vanwege de functie",
		"basis.break_glass":    "Noodtoegang",
		"basis.consent":        "Met uw toestemming",
		"basis.against_will":   "Tegen uw wil",
		"mark.break_glass":     "Noodtoegang. Deze persoon was niet bij uw zaak betrokken en gaf deze reden op: %s",
		"mark.consent":         "Met uw toestemming (toestemming %s)",
		"mark.against_will":    "Tegen uw wil. Besluit %s: %s. Goedgekeurd door: %s",
		"mark.second_staff":    "een tweede medewerker",
		"logout.title":         "Uitloggen",
		"logout.ask":           "Wilt u uitloggen?",
		"logout.button":        "Uitloggen",
		"loggedout.title":      "U bent uitgelogd",
		"loggedout.text":       "U bent uitgelogd. Sluit ook uw browser als u een computer met anderen deelt.",
		"loggedout.again":      "Opnieuw inloggen",
		"error.title":          "Er ging iets mis",
		"error.404":            "Deze pagina bestaat niet, of u mag haar niet zien.",
		"error.401":            "U bent niet (meer) ingelogd. Log opnieuw in.",
		"error.403":            "U mag dit niet doen.",
		"error.422":            "Wat u invulde klopt niet. Kijk het na en probeer het opnieuw.",
		"error.429":            "U probeerde het te vaak. Wacht een minuut en probeer het opnieuw.",
		"error.500":            "Er ging bij ons iets mis. Probeer het later opnieuw.",
		"error.home":           "Naar de startpagina",
		"login.failed":         "Inloggen is niet gelukt. Probeer het opnieuw.",
		"login.lowloa":         "U logde in met DigiD niveau %s. Voor Inzicht is minimaal niveau %s nodig. Log in met de DigiD app met ID-check of met uw identiteitskaart.",
		"login.badbsn":         "DigiD gaf geen geldig burgerservicenummer door. Daarom kunt u niet inloggen.",
		"login.again":          "Opnieuw inloggen",
		"staff.title":          "Medewerkersportaal",
		"staff.as":             "Ingelogd als %s (%s)",
		"staff.next":           "De werkbakken voor verzoeken en meldingen komen in een volgende versie.",
		"footer.about":         "Inzicht laat zien welke gegevens de gemeente over u verwerkt, door wie en waarom.",
		"period.from":          "vanaf %s",
		"date.none":            "geen",
	},
	"en": {
		"site.name":            "Inzicht",
		"site.tagline":         "See what happens to your personal data",
		"skip":                 "Skip to content",
		"nav.overview":         "Overview",
		"nav.log":              "Who viewed my data",
		"nav.logout":           "Log out",
		"nav.lang":             "Nederlands",
		"home.title":           "See what the municipality does with your data",
		"home.intro":           "To help you with care, youth support, work and income, the municipality uses your personal data. Inzicht shows who viewed or used your data, when, and why.",
		"home.login":           "Log in with DigiD",
		"home.need":            "You log in with DigiD. You need the DigiD app with ID check, or an identity card with a chip (level Substantial).",
		"overview.title":       "Your overview",
		"overview.bsn":         "Your citizen service number",
		"overview.total":       "Processing in total",
		"overview.year":        "In the last 12 months",
		"overview.breakglass":  "Emergency access",
		"overview.againstwill": "Against your will",
		"overview.consent":     "With your consent",
		"overview.latest":      "Latest processing",
		"overview.all":         "See all processing",
		"overview.orgs":        "Organisations that used your data",
		"log.title":            "Who viewed my data",
		"log.intro":            "Every time someone viewed, changed or passed on your data is listed here. The newest is at the top.",
		"log.filter":           "Filter",
		"log.from":             "From (date)",
		"log.to":               "Up to and including (date)",
		"log.org":              "Organisation",
		"log.category":         "Kind of data",
		"log.basis":            "Why this person had access",
		"log.all":              "All",
		"log.apply":            "Apply filter",
		"log.reset":            "Clear filters",
		"log.none":             "No processing found.",
		"log.older":            "Older processing",
		"log.first":            "Back to the newest",
		"log.download":         "Download",
		"log.pdf":              "Overview as PDF",
		"log.csv":              "Overview as CSV (for Excel)",
		"log.details":          "See details",
		"log.hidden":           "Sometimes the municipality may not show a processing for a while, for example during an investigation. You will see it later.",
		"field.when":           "When",
		"field.who":            "Who",
		"field.role":           "Role",
		"field.employee":       "Employee",
		"field.action":         "What happened",
		"field.categories":     "Which data",
		"field.level":          "How much",
		"field.activity":       "Task",
		"field.purpose":        "Why",
		"field.legal":          "Legal basis",
		"field.case":           "Case number",
		"field.recipient":      "Recipient",
		"field.system":         "System",
		"field.controller":     "Responsible",
		"field.retention":      "Kept for",
		"field.basis":          "Access",
		"detail.title":         "Processing of your data",
		"detail.back":          "Back to the overview",
		"detail.explain":       "Explanation",
		"detail.cando":         "What can you do?",
		"detail.cando.text":    "Do you have a question about this processing, or do you disagree with it? Then file a request with %s below. You may always ask which data the municipality holds about you (access), to correct a mistake (correction), or object. You get a decision within one month.",
		"action.view":          "Viewed",
		"action.create":        "Recorded",
		"action.update":        "Changed",
		"action.delete":        "Deleted",
		"action.disclose":      "Passed on",
		"action.export":        "Exported",
		"level.that":           "'That' information: only that something exists (for example that you receive a service)",
		"level.what":           "'What' information: the content (for example what your situation is)",
		"level.that.short":     "'That' information",
		"level.what.short":     "'What' information",
		"basis.assigned":       "Involved in your case",
		"basis.team":           "Member of the team helping you",
		"basis.function":       "Because of their role",
		"basis.break_glass":    "Emergency access",
		"basis.consent":        "With your consent",
		"basis.against_will":   "Against your will",
		"mark.break_glass":     "Emergency access. This person was not involved in your case and gave this reason: %s",
		"mark.consent":         "With your consent (consent %s)",
		"mark.against_will":    "Against your will. Decision %s: %s. Approved by: %s",
		"mark.second_staff":    "a second staff member",
		"logout.title":         "Log out",
		"logout.ask":           "Do you want to log out?",
		"logout.button":        "Log out",
		"loggedout.title":      "You are logged out",
		"loggedout.text":       "You are logged out. Also close your browser if you share this computer.",
		"loggedout.again":      "Log in again",
		"error.title":          "Something went wrong",
		"error.404":            "This page does not exist, or you may not see it.",
		"error.401":            "You are not logged in (any more). Please log in again.",
		"error.403":            "You are not allowed to do this.",
		"error.422":            "What you entered is not right. Please check it and try again.",
		"error.429":            "You tried too often. Wait a minute and try again.",
		"error.500":            "Something went wrong on our side. Please try again later.",
		"error.home":           "To the start page",
		"login.failed":         "Logging in did not work. Please try again.",
		"login.lowloa":         "You logged in with DigiD level %s. Inzicht needs at least level %s. Log in with the DigiD app with ID check or with your identity card.",
		"login.badbsn":         "DigiD did not pass on a valid citizen service number, so you cannot log in.",
		"login.again":          "Log in again",
		"staff.title":          "Staff portal",
		"staff.as":             "Logged in as %s (%s)",
		"staff.next":           "The work queues for requests and signals come in a next version.",
		"footer.about":         "Inzicht shows which of your data the municipality processes, by whom and why.",
		"period.from":          "from %s",
		"date.none":            "none",
	},
}

// categoryLabels names the data categories of the register in plain language.
var categoryLabels = map[string]map[string]string{
	"nl": {
		"identity": "Persoonsgegevens (naam, adres, geboortedatum)", "contact": "Contactgegevens",
		"household": "Gezinssituatie", "health": "Gezondheid", "care_needs": "Zorg- en ondersteuningsbehoefte",
		"income": "Inkomen", "assets": "Vermogen", "debts": "Schulden", "employment": "Werk en re-integratie",
		"education": "School en opleiding", "youth_care": "Jeugdhulp", "safety": "Veiligheid en zorgsignalen",
		"justice": "Justitiële gegevens", "housing": "Wonen", "provisions": "Voorzieningen",
	},
	"en": {
		"identity": "Personal details (name, address, date of birth)", "contact": "Contact details",
		"household": "Household", "health": "Health", "care_needs": "Care and support needs",
		"income": "Income", "assets": "Assets", "debts": "Debts", "employment": "Work and re-integration",
		"education": "School and education", "youth_care": "Youth care", "safety": "Safety and care signals",
		"justice": "Judicial data", "housing": "Housing", "provisions": "Provisions",
	},
}

// T returns the message key in lang, formatted with args; a missing key shows as the key itself so
// that it is noticed (and the catalogue test catches it).
func T(lang, key string, args ...any) string {
	m, ok := messages[lang]
	if !ok {
		m = messages["nl"]
	}
	s, ok := m[key]
	if !ok {
		return key
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// Category returns the plain-language name of a data category.
func Category(lang, id string) string {
	if l, ok := categoryLabels[lang][id]; ok {
		return l
	}
	return id
}

var amsterdam = portal.Amsterdam

var monthsNL = []string{"januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober", "november", "december"}

// FormatDateTime shows a time in Europe/Amsterdam in the language's style.
func FormatDateTime(lang string, t time.Time) string {
	t = t.In(amsterdam)
	if lang == "en" {
		return t.Format("2 January 2006, 15:04")
	}
	return fmt.Sprintf("%d %s %d, %s", t.Day(), monthsNL[t.Month()-1], t.Year(), t.Format("15:04"))
}

// FormatDate shows a date in Europe/Amsterdam in the language's style.
func FormatDate(lang string, t time.Time) string {
	t = t.In(amsterdam)
	if lang == "en" {
		return t.Format("2 January 2006")
	}
	return fmt.Sprintf("%d %s %d", t.Day(), monthsNL[t.Month()-1], t.Year())
}

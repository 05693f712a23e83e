package pdfexport

// labels are the fixed texts of the document in one language.
type labels struct {
	title     string
	continued string
	heading   string
	period    string
	periodFmt string // from, to
	start     string
	issued    string
	page      string // page number, total alias
	empty     string
	explain   []string

	role, employee, action, categories, level, activity, purpose, legal, marks string
}

func (l labels) rowLabels() []string {
	return []string{l.role, l.employee, l.action, l.categories, l.level, l.activity, l.purpose, l.legal, l.marks}
}

var labelsNL = labels{
	title:     "Overzicht van verwerkingen van uw gegevens",
	continued: "(vervolg)",
	heading:   "Verwerkingen",
	period:    "Periode",
	periodFmt: "%s tot en met %s",
	start:     "vanaf het begin",
	issued:    "Uitgegeven op",
	page:      "Pagina %d van %s",
	empty:     "Geen verwerkingen in deze periode.",
	explain: []string{
		"In dit overzicht ziet u welke gegevens van u zijn gebruikt. U ziet ook door wie, wanneer en waarom. " +
			"Het overzicht gaat over de periode hierboven.",
		"Soms mag de gemeente een verwerking tijdelijk niet laten zien, bijvoorbeeld tijdens een onderzoek. " +
			"U ziet die verwerking later alsnog.",
		"Heeft u een vraag? Of bent u het niet eens met een verwerking? Log dan in op het portaal en open de verwerking. " +
			"Daar leest u hoe u een vraag stelt of bezwaar maakt.",
	},
	role:       "Functie",
	employee:   "Medewerker",
	action:     "Wat is er gedaan",
	categories: "Gegevens",
	level:      "Soort informatie",
	activity:   "Verwerking",
	purpose:    "Doel",
	legal:      "Wettelijke grondslag",
	marks:      "Let op",
}

var labelsEN = labels{
	title:     "Overview of the processing of your personal data",
	continued: "(continued)",
	heading:   "Processing",
	period:    "Period",
	periodFmt: "%s up to and including %s",
	start:     "from the start",
	issued:    "Issued on",
	page:      "Page %d of %s",
	empty:     "No processing in this period.",
	explain: []string{
		"This overview shows which of your personal data were used, by whom, when and why. " +
			"It covers the period shown above.",
		"Sometimes the municipality may not show a processing for a while, for example during an investigation. " +
			"You will see it later.",
		"Do you have a question, or do you disagree with a processing? Log in to the portal and open the processing. " +
			"There you can read how to ask a question or object.",
	},
	role:       "Role",
	employee:   "Employee",
	action:     "What was done",
	categories: "Data",
	level:      "Type of information",
	activity:   "Processing activity",
	purpose:    "Purpose",
	legal:      "Legal basis",
	marks:      "Please note",
}

// labelsFor returns the English labels for "en" (also "en-GB" and the like)
// and the Dutch labels otherwise.
func labelsFor(lang string) labels {
	if len(lang) >= 2 && (lang[:2] == "en" || lang[:2] == "EN" || lang[:2] == "En") {
		return labelsEN
	}
	return labelsNL
}

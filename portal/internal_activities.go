package portal

// Inzicht's own register entries: the processing its staff do in Inzicht itself, under which their
// views of a person's data are recorded (StaffView). Storage adds them when serving
// (postgres.DB.EnsureInternalActivities).

// RequestActivity is the register entry for handling rights requests.
const RequestActivity = "inzicht-rechtenverzoeken"

// InternalActivities are the register entries under which Inzicht records its own staff's views of a
// person's data: handling rights requests, handling signals, and the privacy officer's oversight;
// and the reads of a person's log by other systems through the API (APIRead). controller is the
// municipality.
func InternalActivities(controller string) []Activity {
	return []Activity{RequestHandlingActivity(controller), SignalHandlingActivity(controller), OversightActivityEntry(controller),
		APIReadActivityEntry(controller), RepresentativeActivityEntry(controller), ConsentActivityEntry(controller)}
}

// RequestHandlingActivity is the register entry under which the municipality handles rights
// requests; Inzicht records the clerks' views of a citizen's data under it. A register loaded by the
// municipality may replace its texts.
func RequestHandlingActivity(controller string) Activity {
	return Activity{
		ID:   RequestActivity,
		Name: Text{NL: "Uw privacyverzoek behandelen", EN: "Handling your privacy request"},
		Purpose: Text{
			NL: "U vroeg om inzage, om een correctie, of u maakte bezwaar. Een medewerker bekijkt daarvoor uw gegevens en besluit over uw verzoek.",
			EN: "You asked to see or correct your data, or you objected. A member of staff looks at your data to decide on your request.",
		},
		LegalBasis: Text{
			NL: "Algemene verordening gegevensbescherming, artikelen 12 tot en met 21: de gemeente moet uw verzoek behandelen.",
			EN: "General Data Protection Regulation, articles 12 to 21: the municipality must handle your request.",
		},
		DataCategories: []string{"identity", "rights_request", "contact", "household", "housing", "health", "care_needs",
			"provisions", "youth_care", "safety", "income", "assets", "debts", "employment", "education", "justice"},
		Retention:  "P5Y",
		Controller: controller,
	}
}

// SignalActivity is the register entry under which Inzicht records staff views of signals.
const SignalActivity = "inzicht-meldingen"

// SignalHandlingActivity is that register entry.
func SignalHandlingActivity(controller string) Activity {
	return Activity{
		ID:   SignalActivity,
		Name: Text{NL: "Een melding over u behandelen", EN: "Handling a report about you"},
		Purpose: Text{
			NL: "Iemand maakte zich zorgen over u en meldde dat bij de gemeente. Een medewerker bekijkt de melding en besluit wat er moet gebeuren.",
			EN: "Someone was worried about you and told the municipality. A member of staff looks at the report and decides what needs to happen.",
		},
		LegalBasis: Text{
			NL: "Wet maatschappelijke ondersteuning 2015, artikel 2.3.2, en Jeugdwet, artikel 2.1: de gemeente moet onderzoeken welke hulp nodig is.",
			EN: "Social Support Act 2015, article 2.3.2, and Youth Act, article 2.1: the municipality must look into what help is needed.",
		},
		DataCategories: []string{"identity", "signals", "safety", "health", "household", "care_needs"},
		Retention:      "P5Y",
		Controller:     controller,
	}
}

// OversightActivity is the register entry under which the privacy officer's views are recorded.
const OversightActivity = "inzicht-toezicht"

// OversightActivityEntry is that register entry.
func OversightActivityEntry(controller string) Activity {
	return Activity{
		ID:   OversightActivity,
		Name: Text{NL: "Toezicht op het gebruik van uw gegevens", EN: "Oversight of the use of your data"},
		Purpose: Text{
			NL: "De functionaris gegevensbescherming controleert of medewerkers uw gegevens alleen bekijken als dat mag, bijvoorbeeld bij noodtoegang.",
			EN: "The data protection officer checks that staff only look at your data when they may, for example after emergency access.",
		},
		LegalBasis: Text{
			NL: "Algemene verordening gegevensbescherming, artikelen 38 en 39: de functionaris houdt toezicht op de naleving.",
			EN: "General Data Protection Regulation, articles 38 and 39: the data protection officer monitors compliance.",
		},
		DataCategories: []string{"identity", "health", "care_needs", "household", "income", "youth_care", "safety"},
		Retention:      "P5Y",
		Controller:     controller,
	}
}

// APIReadActivity is the register entry under which Inzicht records that another system read a
// person's processing log through the API (the LDV read extension, VNG verwerkte-objecten).
const APIReadActivity = "inzicht-inzage-api"

// APIReadActivityEntry is that register entry.
func APIReadActivityEntry(controller string) Activity {
	return Activity{
		ID:   APIReadActivity,
		Name: Text{NL: "Uw overzicht delen met een andere dienst", EN: "Sharing your overview with another service"},
		Purpose: Text{
			NL: "Een andere dienst van de overheid, zoals MijnOverheid, vroeg welke verwerkingen van uw gegevens hier staan. Wij gaven dat overzicht door, zodat u het ook daar kunt zien.",
			EN: "Another government service, such as MijnOverheid, asked which processing of your data is listed here. We passed on that overview, so that you can see it there too.",
		},
		LegalBasis: Text{
			NL: "Algemene verordening gegevensbescherming, artikel 15: u mag zien wat er met uw gegevens gebeurt. En artikel 6, eerste lid, onder e: een taak van de overheid.",
			EN: "General Data Protection Regulation, article 15: you may see what happens to your data. And article 6(1)(e): a task of the government.",
		},
		DataCategories: []string{"identity", "care_needs", "health", "household", "housing", "income", "youth_care", "safety",
			"provisions", "employment", "debts", "assets", "education", "justice", "signals", "rights_request", "contact"},
		Retention:  "P5Y",
		Controller: controller,
	}
}

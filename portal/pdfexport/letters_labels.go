package pdfexport

// letterLabels are the fixed texts of the letters in one language. Dutch is
// written at B1 level: short sentences, plain words.
type letterLabels struct {
	dutch bool

	date, reference, bsn string // the facts under the sender
	footerRef            string // "Kenmerk %s" in the footer

	receiptTitle  string
	decisionTitle string
	salutation    string
	closing       string

	// The request as the citizen filed it.
	receiptRequest  string // section heading in the receipt
	decisionRequest string // section heading in the decision
	kind            string
	received        string
	scope           string
	words           string

	// Receipt only.
	receiptIntro     string
	deadlineFmt      string // date
	deadlineUnknown  string // no deadline given: the legal month
	nextHeading      string
	next             []string
	followHeading    string
	follow           string
	followEmail      string
	followInbox      string
	questionsFmt     string // reference
	questionsNoRef   string
	decisionIntro    string
	outcomeFmt       string // outcome
	decidedFmt       string // date
	why              string
	corrections      string
	extensionHeading string
	extensionFmt     string // reason
	overview         string
	overviewIntro    string
	overviewEmpty    string

	// How to object; objectFmt takes the college phrase and the reference
	// phrase.
	objectHeading string
	objectFmt     string
	refPhraseFmt  string // reference
	refPhraseNone string
	lastDayFmt    string // date
	complaint     string
}

var letterNL = letterLabels{
	dutch:     true,
	date:      "Datum",
	reference: "Ons kenmerk",
	bsn:       "BSN",
	footerRef: "Kenmerk %s",

	receiptTitle:  "Ontvangstbevestiging van uw verzoek",
	decisionTitle: "Besluit op uw verzoek",
	salutation:    "Geachte heer of mevrouw,",
	closing:       "Met vriendelijke groet,",

	receiptRequest:  "Wat wij van u hebben ontvangen",
	decisionRequest: "Uw verzoek",
	kind:            "Soort verzoek",
	received:        "Ontvangen op",
	scope:           "Over welke gegevens",
	words:           "Uw uitleg",

	receiptIntro:    "Wij hebben uw verzoek ontvangen. Dank u wel. In deze brief leest u wat er nu gebeurt.",
	deadlineFmt:     "U krijgt uiterlijk op %s een besluit.",
	deadlineUnknown: "U krijgt binnen een maand een besluit.",
	nextHeading:     "Wat gebeurt er nu?",
	next: []string{
		"Een medewerker van de gemeente behandelt uw verzoek.",
		"Soms hebben wij meer tijd nodig. Dan mogen wij de termijn één keer verlengen, met maximaal twee maanden. " +
			"Dat laten wij u dan weten. Wij vertellen u ook waarom.",
	},
	followHeading:  "Hoe volgt u uw verzoek?",
	follow:         "Log in op Inzicht. Kies daar Mijn verzoeken (Inzicht > Mijn verzoeken). Daar ziet u hoe het met uw verzoek gaat.",
	followEmail:    "U krijgt ook een e-mail als er nieuws is.",
	followInbox:    "Kijk in uw berichtenbox in Inzicht. Daar krijgt u bericht als er nieuws is.",
	questionsFmt:   "Heeft u een vraag? Noem dan altijd het kenmerk %s.",
	questionsNoRef: "Heeft u een vraag? Neem dan contact op met de gemeente.",

	decisionIntro:    "U heeft ons een verzoek gestuurd over uw persoonsgegevens. Wij hebben een besluit genomen. In deze brief leest u ons besluit, en waarom.",
	outcomeFmt:       "Ons besluit: %s",
	decidedFmt:       "Besloten op %s",
	why:              "Waarom",
	corrections:      "Wat is verbeterd",
	extensionHeading: "Wij hadden meer tijd nodig",
	extensionFmt:     "Wij hebben de termijn voor dit besluit verlengd. De reden is: %s",
	overview:         "Overzicht van uw gegevens",
	overviewIntro:    "Hieronder ziet u elke keer dat uw gegevens zijn gebruikt. Het gaat om de gegevens waar uw verzoek over gaat.",
	overviewEmpty:    "Wij hebben geen verwerkingen van uw gegevens gevonden die bij uw verzoek horen.",

	objectHeading: "Bezwaar maken",
	objectFmt: "Bent u het niet eens met dit besluit? Dan kunt u bezwaar maken. " +
		"Doe dit binnen zes weken na de datum van deze brief (artikel 6:7 Algemene wet bestuursrecht). " +
		"Stuur uw bezwaar naar het college van burgemeester en wethouders van %s. " +
		"Zet in uw bezwaar: uw naam en adres, de datum, %s, waarom u het niet eens bent, en uw handtekening.",
	refPhraseFmt:  "het kenmerk %s",
	refPhraseNone: "het kenmerk van deze brief",
	lastDayFmt:    "De laatste dag om bezwaar te maken is %s.",
	complaint:     "U kunt ook een klacht indienen bij de Autoriteit Persoonsgegevens. Kijk op autoriteitpersoonsgegevens.nl.",
}

var letterEN = letterLabels{
	date:      "Date",
	reference: "Our reference",
	bsn:       "BSN",
	footerRef: "Reference %s",

	receiptTitle:  "Confirmation of receipt of your request",
	decisionTitle: "Decision on your request",
	salutation:    "Dear Sir or Madam,",
	closing:       "Kind regards,",

	receiptRequest:  "What we received from you",
	decisionRequest: "Your request",
	kind:            "Kind of request",
	received:        "Received on",
	scope:           "Which data",
	words:           "Your explanation",

	receiptIntro:    "We have received your request. Thank you. This letter tells you what happens next.",
	deadlineFmt:     "You will receive a decision by %s at the latest.",
	deadlineUnknown: "You will receive a decision within one month.",
	nextHeading:     "What happens next?",
	next: []string{
		"A member of staff of the municipality handles your request.",
		"Sometimes we need more time. We may then extend the deadline once, by at most two months. " +
			"We will let you know if we do. We will also tell you why.",
	},
	followHeading:  "How can you follow your request?",
	follow:         "Log in to Inzicht and choose My requests (Inzicht > My requests). There you can see how your request is going.",
	followEmail:    "You will also receive an e-mail when there is news.",
	followInbox:    "Look in your message box in Inzicht. You will get a message there when there is news.",
	questionsFmt:   "Do you have a question? Then always mention reference %s.",
	questionsNoRef: "Do you have a question? Then please contact the municipality.",

	decisionIntro:    "You sent us a request about your personal data. We have taken a decision. This letter tells you our decision, and why.",
	outcomeFmt:       "Our decision: %s",
	decidedFmt:       "Decided on %s",
	why:              "Why",
	corrections:      "What was corrected",
	extensionHeading: "We needed more time",
	extensionFmt:     "We extended the deadline for this decision. The reason: %s",
	overview:         "Overview of your data",
	overviewIntro:    "Below you see every time your data were used, for the data your request is about.",
	overviewEmpty:    "We found no processing of your data that falls within your request.",

	objectHeading: "How to object",
	objectFmt: "Do you disagree with this decision? Then you can object (bezwaar maken). " +
		"Do this within six weeks of the date of this letter (article 6:7 of the General Administrative Law Act, Algemene wet bestuursrecht). " +
		"Send your objection to the Municipal Executive (college van burgemeester en wethouders) of %s. " +
		"Put in your objection: your name and address, the date, %s, why you disagree, and your signature.",
	refPhraseFmt:  "reference %s",
	refPhraseNone: "the reference of this letter",
	lastDayFmt:    "The last day to object is %s.",
	complaint:     "You can also complain to the Dutch Data Protection Authority (Autoriteit Persoonsgegevens). See autoriteitpersoonsgegevens.nl.",
}

// letterLabelsFor makes the same language choice as labelsFor, so the letter
// text and the labels of the overview blocks never mix languages.
func letterLabelsFor(lang string) *letterLabels {
	if labelsFor(lang).title == labelsEN.title {
		return &letterEN
	}
	return &letterNL
}

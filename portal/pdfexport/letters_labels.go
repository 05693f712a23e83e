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
	ground           string
	cosignedHeading  string
	cosigned         string
	extensionHeading string
	extensionFmt     string // reason
	overview         string
	overviewIntro    string
	overviewEmpty    string
	notesHeading     string
	notesIntro       string
	notesEmpty       string
	noteLineFmt      string // date, author, reference

	// How to object; objectFmt takes the college phrase and the reference
	// phrase.
	objectHeading string
	objectFmt     string
	refPhraseFmt  string // reference
	refPhraseNone string
	lastDayFmt    string // date
	complaint     string
	collegeNone   string // the addressee of an objection when no municipality is set
	objectAddress string // address: where to send an objection

	// The decision's signatory line (college phrase) and the team's contact under every letter.
	signatoryFmt   string
	contactHeading string
	phone, email   string // labels, shared with the portal's footer and contact page
	address, hours string

	// After a decision on an Awb objection the next step is an appeal to the court (Awb 8:1).
	appealHeading    string
	appealFmt        string // reference phrase
	appealLastDayFmt string // date
}

// letterLabelsFrom reads the letter texts of one language. The facts of the request share their
// keys with the request page (req.*), so the letter and the page use the same words.
func letterLabelsFrom(dutch bool, t func(key string) string) *letterLabels {
	return &letterLabels{
		dutch:     dutch,
		date:      t("pdf.letter.date"),
		reference: t("pdf.letter.reference"),
		bsn:       t("pdf.letter.bsn"),
		footerRef: t("pdf.letter.footer.ref"),

		receiptTitle:  t("pdf.letter.receipt.title"),
		decisionTitle: t("pdf.letter.decision.title"),
		salutation:    t("pdf.letter.salutation"),
		closing:       t("pdf.letter.closing"),

		receiptRequest:  t("pdf.letter.receipt.request"),
		decisionRequest: t("pdf.letter.decision.request"),
		kind:            t("req.kind"),
		received:        t("req.received"),
		scope:           t("req.scope"),
		words:           t("req.description"),

		receiptIntro:    t("pdf.letter.receipt.intro"),
		deadlineFmt:     t("pdf.letter.deadline.fmt"),
		deadlineUnknown: t("pdf.letter.deadline.unknown"),
		nextHeading:     t("pdf.letter.next.heading"),
		next:            []string{t("pdf.letter.next.1"), t("pdf.letter.next.2")},
		followHeading:   t("pdf.letter.follow.heading"),
		follow:          t("pdf.letter.follow"),
		followEmail:     t("pdf.letter.follow.email"),
		followInbox:     t("pdf.letter.follow.inbox"),
		questionsFmt:    t("pdf.letter.questions.fmt"),
		questionsNoRef:  t("pdf.letter.questions.noref"),

		decisionIntro:    t("pdf.letter.decision.intro"),
		outcomeFmt:       t("pdf.letter.outcome.fmt"),
		decidedFmt:       t("pdf.letter.decided.fmt"),
		why:              t("req.motivation"),
		corrections:      t("req.corrections"),
		ground:           t("pdf.letter.ground"),
		cosignedHeading:  t("pdf.letter.cosigned.heading"),
		cosigned:         t("pdf.letter.cosigned"),
		extensionHeading: t("pdf.letter.extension.heading"),
		extensionFmt:     t("pdf.letter.extension.fmt"),
		overview:         t("pdf.letter.overview"),
		overviewIntro:    t("pdf.letter.overview.intro"),
		overviewEmpty:    t("pdf.letter.overview.empty"),
		notesHeading:     t("pdf.letter.notes"),
		notesIntro:       t("pdf.letter.notes.intro"),
		notesEmpty:       t("pdf.letter.notes.empty"),
		noteLineFmt:      t("pdf.letter.notes.line"),

		objectHeading: t("pdf.letter.object.heading"),
		objectFmt:     t("pdf.letter.object.fmt"),
		refPhraseFmt:  t("pdf.letter.refphrase.fmt"),
		refPhraseNone: t("pdf.letter.refphrase.none"),
		objectAddress: t("pdf.letter.object.address"),

		signatoryFmt:   t("pdf.letter.signatory"),
		contactHeading: t("pdf.letter.contact.heading"),
		phone:          t("contact.phone"),
		email:          t("contact.email"),
		address:        t("contact.address"),
		hours:          t("contact.hours"),
		lastDayFmt:     t("pdf.letter.lastday.fmt"),
		complaint:      t("pdf.letter.complaint"),
		collegeNone:    t("pdf.letter.college.none"),

		appealHeading:    t("pdf.letter.appeal.heading"),
		appealFmt:        t("pdf.letter.appeal.fmt"),
		appealLastDayFmt: t("pdf.letter.appeal.lastday.fmt"),
	}
}

// letterLabelsFor makes the same language choice as labelsFor.
func (e *Exporter) letterLabelsFor(lang string) *letterLabels {
	if isEnglish(lang) {
		return e.letterEN
	}
	return e.letterNL
}

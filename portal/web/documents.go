package web

import (
	"encoding/csv"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/inzicht/inzicht/portal"
	"github.com/inzicht/inzicht/portal/pdfexport"
)

// The documents the portal makes: the processing log, the receipt and the decision of a request, the
// receipt of a consent decision and the council's report. Each is built once (a pdfexport struct) and
// shown either as an HTML page, the primary and accessible version (printable with the print style
// sheet), or as a PDF (gofpdf cannot make a tagged PDF, so a screen reader gets little from it).
// pdfexport turns both into the same Content, so the page and the PDF carry the same words.

// documentPage is an HTML document: the content, the link to the same document as PDF and the way back.
type documentPage struct {
	pageBase
	Doc      pdfexport.Content
	PDF      string // the same document as PDF
	Back     string // the page the document belongs to
	BackText string
	Log      bool // the processing log: the events as one table
}

// showDocument renders content as the HTML version of a document.
func (s *server) showDocument(c *fiber.Ctx, doc pdfexport.Content, pdf, back, backKey string) error {
	l := lang(c)
	return s.page(c, "doc_document", doc.Title, &documentPage{Doc: doc, PDF: pdf, Back: back, BackText: s.t(l, backKey)})
}

// withRawQuery is path with the request's own query string (the log's filters).
func withRawQuery(c *fiber.Ctx, path string) string {
	if q := string(c.Request().URI().QueryString()); q != "" {
		return path + "?" + q
	}
	return path
}

// logRow is a log line as the documents show it: the same fields and words as the page and the CSV.
func logRow(r Row) pdfexport.Row {
	return pdfexport.Row{When: r.When, Organization: r.Org, Team: r.Team, Role: r.Role, Employee: r.Employee,
		Action: r.Action, Categories: r.Categories, Level: r.Level, Activity: r.Activity, Purpose: r.Purpose,
		LegalBasis: r.Legal, AccessBasis: r.Basis, Recipient: r.Recipient, CaseRef: r.CaseRef, Marks: r.notes()}
}

// notes are the line's marks (emergency access, consent, against the will …) and, for a line that was
// confidential, that it was hidden and why: the "Let op" of the documents and the CSV.
func (r Row) notes() []string {
	if r.Hidden == "" {
		return r.Marks
	}
	return append(slices.Clip(r.Marks), r.Hidden)
}

// logDocument is the whole filtered log (the filters of /verwerkingen, up to maxExport events).
func (s *server) logDocument(c *fiber.Ctx) (pdfexport.Document, error) {
	sess, _ := session(c)
	f, err := s.downloadFilter(c)
	if err != nil {
		return pdfexport.Document{}, err
	}
	evs, err := s.allEvents(c, sess.SubjectID, f)
	if err != nil {
		return pdfexport.Document{}, err
	}
	bsn, err := s.logStore.SubjectBSN(c.UserContext(), sess.SubjectID)
	if err != nil {
		return pdfexport.Document{}, err
	}
	l := lang(c)
	doc := pdfexport.Document{Lang: l, Municipality: s.cfg.Municipality, MaskedBSN: portal.MaskBSN(bsn),
		From: f.From, To: f.To, IssuedAt: s.deps.Now()}
	if !f.To.IsZero() {
		doc.To = f.To.AddDate(0, 0, -1)
	}
	for _, e := range evs {
		doc.Rows = append(doc.Rows, logRow(s.row(l, e)))
	}
	return doc, nil
}

// processingDocument is the filtered log as one printable HTML page (/verwerkingen/overzicht).
func (s *server) processingDocument(c *fiber.Ctx) error {
	doc, err := s.logDocument(c)
	if err != nil {
		return err
	}
	l := lang(c)
	return s.page(c, "doc_document", s.t(l, "pdf.log.title"), &documentPage{Doc: s.pdf.LogContent(doc),
		PDF: withRawQuery(c, "/verwerkingen.pdf"), Back: withRawQuery(c, "/verwerkingen"), BackText: s.t(l, "doc.back.log"), Log: true})
}

func (s *server) processingPDF(c *fiber.Ctx) error {
	doc, err := s.logDocument(c)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/pdf")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="verwerkingen.pdf"`)
	return s.pdf.Render(c.Response().BodyWriter(), doc)
}

// csvSafe keeps spreadsheet programs from running a cell as a formula.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// processingCSV writes the filtered log as CSV, under the labels of the page and the documents.
func (s *server) processingCSV(c *fiber.Ctx) error {
	sess, _ := session(c)
	f, err := s.downloadFilter(c)
	if err != nil {
		return err
	}
	evs, err := s.allEvents(c, sess.SubjectID, f)
	if err != nil {
		return err
	}
	l := lang(c)
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="verwerkingen.csv"`)
	w := csv.NewWriter(c.Response().BodyWriter())
	w.Comma = ';' // what Dutch spreadsheet settings expect
	head := []string{"id", s.t(l, "field.when"), s.t(l, "field.who"), s.t(l, "field.team"), s.t(l, "field.role"), s.t(l, "field.action"),
		s.t(l, "field.categories"), s.t(l, "field.level"), s.t(l, "field.activity"), s.t(l, "field.purpose"), s.t(l, "field.legal"),
		s.t(l, "field.basis"), s.t(l, "field.case"), s.t(l, "field.recipient"), s.t(l, "field.marks")}
	if s.cfg.ShowEmployee {
		head = append(head, s.t(l, "field.employee"))
	}
	_ = w.Write(append([]string{"\ufeff" + head[0]}, head[1:]...))
	for _, e := range evs {
		r := s.row(l, e)
		rec := []string{r.ID, r.When.In(amsterdam).Format("2006-01-02 15:04:05"), r.Org, r.Team, r.Role, r.Action,
			strings.Join(r.Categories, ", "), r.Level, r.Activity, r.Purpose, r.Legal, r.Basis, r.CaseRef, r.Recipient,
			strings.Join(r.notes(), " / ")}
		if s.cfg.ShowEmployee {
			rec = append(rec, r.Employee)
		}
		for i := range rec {
			rec[i] = csvSafe(rec[i])
		}
		_ = w.Write(rec)
	}
	w.Flush()
	return w.Error()
}

func sendPDF(c *fiber.Ctx, name string) {
	c.Set(fiber.HeaderContentType, "application/pdf")
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="%s"`, name))
}

// receiptDocument is the confirmation of receipt of the request in the path.
func (s *server) receiptDocument(c *fiber.Ctx) (pdfexport.Receipt, portal.RightsRequest, error) {
	l := lang(c)
	r, err := s.citizenRequest(c, c.Params("id"))
	if err != nil {
		return pdfexport.Receipt{}, r, err
	}
	lt, err := s.letter(c, r)
	if err != nil {
		return pdfexport.Receipt{}, r, err
	}
	lt.IssuedAt = r.ReceivedAt
	evs, err := s.scopeEvents(c, r)
	if err != nil {
		return pdfexport.Receipt{}, r, err
	}
	return pdfexport.Receipt{Letter: lt, Kind: s.t(l, "kind.law."+string(r.Kind)), ReceivedAt: r.ReceivedAt,
		Deadline: r.FirstDeadline, Scope: s.scopeLines(l, r.Scope, evs), Description: r.Description, Email: r.HasEmail,
		FiledBy: s.letterFiledBy(l, r.FiledBy)}, r, nil
}

func (s *server) receiptPDF(c *fiber.Ctx) error {
	doc, r, err := s.receiptDocument(c)
	if err != nil {
		return err
	}
	sendPDF(c, "ontvangstbevestiging-"+r.Reference+".pdf")
	return s.pdf.RenderReceipt(c.Response().BodyWriter(), doc)
}

// receiptPage is the confirmation of receipt as an HTML page.
func (s *server) receiptPage(c *fiber.Ctx) error {
	doc, r, err := s.receiptDocument(c)
	if err != nil {
		return err
	}
	return s.showDocument(c, s.pdf.ReceiptContent(doc), "/verzoeken/"+r.ID+"/ontvangstbevestiging.pdf", "/verzoeken/"+r.ID, "doc.back.request")
}

// decidedRequest is the citizen's decided request in the path.
func (s *server) decidedRequest(c *fiber.Ctx) (portal.RightsRequest, error) {
	r, err := s.citizenRequest(c, c.Params("id"))
	if err != nil {
		return r, err
	}
	return r, hasDecisionLetter(r)
}

// hasDecisionLetter is nil when r was decided with a letter: a question is answered on its own page
// and has no decision letter.
func hasDecisionLetter(r portal.RightsRequest) error {
	if r.Kind == portal.KindQuestion {
		return portal.Errorf(portal.ENOTFOUND, "a question is answered on its page, without a letter")
	}
	if r.Status != portal.StatusDecided || r.DecidedAt == nil {
		return portal.Errorf(portal.ENOTFOUND, "no decision yet")
	}
	return nil
}

func (s *server) decisionPDF(c *fiber.Ctx) error {
	r, err := s.decidedRequest(c)
	if err != nil {
		return err
	}
	return s.writeDecisionPDF(c, r, "")
}

// decisionPage is the decision letter as an HTML page.
func (s *server) decisionPage(c *fiber.Ctx) error {
	r, err := s.decidedRequest(c)
	if err != nil {
		return err
	}
	doc, err := s.decisionDocument(c, r, "")
	if err != nil {
		return err
	}
	return s.showDocument(c, s.pdf.DecisionContent(doc), "/verzoeken/"+r.ID+"/besluit.pdf", "/verzoeken/"+r.ID, "doc.back.request")
}

// staffDecision is the decided request of the staff copy of a decision letter. Reading it is a view of
// the citizen's data: it is recorded as opening the case file is, and counts as the same visit when
// the clerk opens it from the request's page (ReopenCaseFile).
func (s *server) staffDecision(c *fiber.Ctx) (portal.RightsRequest, error) {
	cf, err := s.caseStore.ReopenCaseFile(c.UserContext(), c.Params("id"), staffOf(c), s.cfg.Municipality)
	if err != nil {
		return portal.RightsRequest{}, err
	}
	r := cf.Request
	return r, hasDecisionLetter(r)
}

// staffDecisionPDF is the decision letter of a decided request for staff, as the citizen received it.
func (s *server) staffDecisionPDF(c *fiber.Ctx) error {
	r, err := s.staffDecision(c)
	if err != nil {
		return err
	}
	return s.writeDecisionPDF(c, r, "")
}

// staffDecisionPage is the staff copy of the decision letter as an HTML page.
func (s *server) staffDecisionPage(c *fiber.Ctx) error {
	r, err := s.staffDecision(c)
	if err != nil {
		return err
	}
	doc, err := s.decisionDocument(c, r, "")
	if err != nil {
		return err
	}
	return s.showDocument(c, s.pdf.DecisionContent(doc), "/medewerker/verzoeken/"+r.ID+"/besluit.pdf", "/medewerker/verzoeken/"+r.ID, "doc.back.request")
}

// writeDecisionPDF writes the decision letter of r as decided (r.Outcome, r.Motivation, r.DecidedAt);
// draft, when set, marks it as a clerk's preview of a decision not yet taken.
func (s *server) writeDecisionPDF(c *fiber.Ctx, r portal.RightsRequest, draft string) error {
	doc, err := s.decisionDocument(c, r, draft)
	if err != nil {
		return err
	}
	name := "besluit-" + r.Reference + ".pdf"
	if draft != "" {
		name = "concept-" + name
	}
	sendPDF(c, name)
	return s.pdf.RenderDecision(c.Response().BodyWriter(), doc)
}

// decisionDocument is the decision letter of r, for the citizen, their representative (what the
// representation covers) or staff (a staff session acts for no one: the whole letter).
func (s *server) decisionDocument(c *fiber.Ctx, r portal.RightsRequest, draft string) (pdfexport.Decision, error) {
	sess, _ := session(c)
	l := lang(c)
	ctx := c.UserContext()
	lt, err := s.letter(c, r)
	if err != nil {
		return pdfexport.Decision{}, err
	}
	lt.IssuedAt = *r.DecidedAt
	evs, err := s.scopeEvents(c, r)
	if err != nil {
		return pdfexport.Decision{}, err
	}
	doc := pdfexport.Decision{Letter: lt, Kind: s.t(l, "kind.law."+string(r.Kind)), ReceivedAt: r.ReceivedAt,
		Scope: s.scopeLines(l, r.Scope, evs), Description: r.Description, Outcome: s.t(l, outcomeKey(r.Kind)+string(r.Outcome)),
		Motivation: r.Motivation, Corrections: r.Corrections, ExtensionReason: r.ExtensionReason, DecidedAt: *r.DecidedAt,
		Ground: s.groundLetter(l, r.Ground), CoSigned: r.CoSigned,
		Inspection: r.Kind == portal.KindInspection, Appeal: r.Kind == portal.KindAwbObjection, FiledBy: s.letterFiledBy(l, r.FiledBy), Draft: draft}
	if doc.Inspection {
		// The overview as the log stood at the decision: the letter does not change after it is sent.
		evs, more, err := s.requestStore.ScopeEventsAsOf(ctx, r.SubjectID, r.Scope, portal.MaxOverviewEvents, *r.DecidedAt)
		if err != nil {
			return doc, err
		}
		if more {
			return doc, portal.Errorf(portal.EINVALID, "more than %d events in scope", portal.MaxOverviewEvents)
		}
		if !sess.Acting.Covers(portal.PartLog) {
			evs = nil // a representation without the log part: the letter without the overview
		}
		if sess.Acting != nil && len(evs) > 0 {
			// A representative's copy holds what they may see (financial only for an administrator, no
			// record of views of a signal hidden from them).
			ids := make([]string, len(evs))
			for i, e := range evs {
				ids[i] = e.ID
			}
			ok, err := s.requestStore.VisibleTo(ctx, r.SubjectID, ids, sess.Acting)
			if err != nil {
				return doc, err
			}
			evs = slices.DeleteFunc(evs, func(e portal.LoggedEvent) bool { return !ok[e.ID] })
		}
		for _, e := range evs {
			doc.Overview = append(doc.Overview, logRow(s.row(l, e)))
		}
	}
	if err := s.letterNotes(c, r, &doc); err != nil { // issue 17: the internal notes (notes.go)
		return doc, err
	}
	return doc, nil
}

// consentReceiptDocument is the receipt of the citizen's decision on the consent request in the path.
func (s *server) consentReceiptDocument(c *fiber.Ctx) (pdfexport.ConsentReceipt, portal.Consent, error) {
	x, r, err := s.receipt(c)
	if err != nil {
		return pdfexport.ConsentReceipt{}, x, err
	}
	l := lang(c)
	decided := FormatDateTime(l, r.ConsentTime)
	var decision string
	switch {
	case r.Decision == portal.ConsentGranted && x.DecidedBy != nil:
		decision = s.t(l, "consent.receipt.granted.by", s.representativeText(l, x.DecidedBy), x.DecidedBy.SubjectName,
			decided, FormatDate(l, x.ValidUntilTime()))
	case r.Decision == portal.ConsentGranted:
		decision = s.t(l, "consent.receipt.granted", decided, FormatDate(l, x.ValidUntilTime()))
	case x.DecidedBy != nil:
		decision = s.t(l, "consent.receipt.refused.by", s.representativeText(l, x.DecidedBy), x.DecidedBy.SubjectName, decided)
	default:
		decision = s.t(l, "consent.receipt.refused", decided)
	}
	withdrawn := ""
	if x.WithdrawnAt != nil {
		withdrawn = s.t(l, "consent.receipt.withdrawn", FormatDateTime(l, *x.WithdrawnAt))
		if o := x.WithdrawnBy; o != nil {
			withdrawn = s.t(l, "consent.receipt.withdrawn.by", s.representativeText(l, o), o.SubjectName, FormatDateTime(l, *x.WithdrawnAt))
		}
	}
	// The child's own answer beside the decision, named by the represented person's name when a
	// representative decided (the receipt is the child's as much as the parent's).
	var ownLabel, ownAnswer, ownCommentLabel string
	if x.OwnAnswer != "" && x.OwnAnswerAt != nil {
		name := s.t(l, "consent.own.person")
		if x.DecidedBy != nil {
			name = x.DecidedBy.SubjectName
		}
		ownLabel, ownCommentLabel = s.t(l, "consent.own.label", name), s.t(l, "consent.own.comment", name)
		ownAnswer = s.t(l, "consent.own."+x.OwnAnswer, FormatDateTime(l, *x.OwnAnswerAt))
	}
	// The texts as the reader's pages show them: English when the request has them, else Dutch, said so.
	tx := x.Texts(l)
	intro := s.t(l, "consent.receipt.intro")
	if tx.DutchOnly(l) {
		intro += " " + s.t(l, "texts.dutch_only.receipt")
	}
	var dutchLabels []string
	if tx.DutchOnly(l) {
		dutchLabels = append(dutchLabels, s.t(l, "consent.item"), s.t(l, "consent.holder"), s.t(l, "consent.purpose"),
			s.t(l, "consent.necessity"), s.t(l, "consent.ground"), s.t(l, "consent.refuse"))
	}
	rb := x.RequestedBy
	requester := strings.Join(nonBlank(rb.Organization, rb.Team, tx.RequesterRole), ", ")
	return pdfexport.ConsentReceipt{
		Letter: pdfexport.Letter{Lang: l, Municipality: s.cfg.Municipality, Reference: x.Reference, IssuedAt: s.deps.Now(),
			MaskedBSN: r.Subject},
		Title: s.t(l, "consent.receipt.title"), Intro: intro, Decision: decision,
		Fields: [][2]string{{s.t(l, "consent.asker"), requester}, {s.t(l, "consent.item"), tx.DataItem},
			{s.t(l, "consent.holder"), tx.DataHolder}, {s.t(l, "consent.purpose"), tx.Purpose}, {s.t(l, "consent.necessity"), tx.Necessity},
			{s.t(l, "consent.ground"), tx.LegalGround}, {s.t(l, "consent.refuse"), tx.IfRefused}, {s.t(l, "consent.case"), x.CaseRef},
			{s.t(l, "consent.decidedby"), s.onBehalfText(l, x.DecidedBy)},
			{s.t(l, "consent.comment"), x.Comment}, {ownLabel, ownAnswer}, {ownCommentLabel, x.OwnAnswerComment},
			{s.t(l, "consent.withdrawn"), withdrawn}},
		Closing: s.t(l, "consent.receipt.closing"), DutchLabels: dutchLabels,
	}, x, nil
}

func (s *server) receiptPDFConsent(c *fiber.Ctx) error {
	doc, x, err := s.consentReceiptDocument(c)
	if err != nil {
		return err
	}
	sendPDF(c, "toestemmingsbewijs-"+x.Reference+".pdf")
	return s.pdf.RenderConsentReceipt(c.Response().BodyWriter(), doc)
}

// consentReceiptPage is the consent receipt as an HTML page.
func (s *server) consentReceiptPage(c *fiber.Ctx) error {
	doc, x, err := s.consentReceiptDocument(c)
	if err != nil {
		return err
	}
	return s.showDocument(c, s.pdf.ConsentReceiptContent(doc), "/toestemmingen/"+x.ID+"/bewijs.pdf", "/toestemmingen/"+x.ID, "doc.back.consent")
}

// reportDocument is the yearly report: the year's quarters as charts, then every figure of the year,
// suppressed like everywhere else.
func (s *server) reportDocument(c *fiber.Ctx) (pdfexport.Report, string, error) {
	l := lang(c)
	ps, snap, err := s.figures(c)
	if err != nil {
		return pdfexport.Report{}, "", err
	}
	year := c.Query("jaar", ps[0].Period)
	var yp *portal.Published
	for i := range ps {
		if ps[i].Period == year {
			yp = &ps[i]
		}
	}
	if yp == nil {
		return pdfexport.Report{}, "", portal.Errorf(portal.ENOTFOUND, "no figures for that year")
	}
	y, _ := strconv.Atoi(year)
	var quarters []portal.PeriodCounts
	for q := range 4 {
		// A quarter still to come has no figures: it counts nothing.
		pc := snap.stored[portal.Quarter(y, q+1).Label].Counts
		pc.Label = fmt.Sprintf("K%d", q+1)
		quarters = append(quarters, pc)
	}
	k := s.cfg.SuppressBelow
	doc := pdfexport.Report{Letter: pdfexport.Letter{Lang: l, Municipality: s.cfg.Municipality, IssuedAt: s.deps.Now()},
		Title: s.t(l, "council.report.title", year), Intro: s.t(l, "council.intro", k) + " " + s.t(l, "council.computed", FormatDateTime(l, snap.computed))}
	for _, tr := range trends(quarters, k) {
		ch := pdfexport.Chart{Title: s.t(l, tr.Key)}
		for i, cell := range tr.Cells {
			ch.Labels = append(ch.Labels, quarters[i].Label)
			ch.Values = append(ch.Values, cell.Value)
			ch.Suppressed = append(ch.Suppressed, cell.Suppressed)
			ch.Texts = append(ch.Texts, cell.Text(k))
		}
		doc.Charts = append(doc.Charts, ch)
	}
	// Every figure of the year next to the year before, when that is among the years shown.
	var prev *portal.Published
	for i := range ps {
		if ps[i].Period == strconv.Itoa(y-1) {
			prev = &ps[i]
		}
	}
	if prev != nil {
		doc.Intro += " " + s.t(l, "council.report.compare", strconv.Itoa(y-1))
		cols := []string{s.t(l, "council.col.what"), year, prev.Period, s.t(l, "council.col.change")}
		for _, g := range s.comparison(l, *yp, *prev, k) {
			sec := pdfexport.ReportSection{Heading: g.Heading, Columns: cols}
			for _, r := range g.Rows {
				sec.Table = append(sec.Table, []string{r.Label, r.This, r.Last, r.Change})
			}
			doc.Sections = append(doc.Sections, sec)
		}
	} else {
		// The oldest year shown: its figures alone.
		for _, g := range breakdowns(*yp) {
			sec := pdfexport.ReportSection{Heading: s.t(l, g.key)}
			for i, n := range g.b.Names {
				sec.Rows = append(sec.Rows, [2]string{s.t(l, g.prefix+n), g.b.Parts[i].Text(k)})
			}
			sec.Rows = append(sec.Rows, [2]string{s.t(l, "council.total"), g.b.Total.Text(k)})
			doc.Sections = append(doc.Sections, sec)
		}
		for _, g := range figureGroups(*yp) {
			sec := pdfexport.ReportSection{Heading: s.t(l, g.key)}
			for _, f := range g.figs {
				sec.Rows = append(sec.Rows, [2]string{s.t(l, f.key), f.c.Text(k)})
			}
			if g.key == "council.requests" {
				sec.Rows = append(sec.Rows, [2]string{s.t(l, "council.median"), medianText(s, l, *yp)})
			}
			doc.Sections = append(doc.Sections, sec)
		}
	}
	return doc, year, nil
}

// councilReport is the yearly report as PDF.
func (s *server) councilReport(c *fiber.Ctx) error {
	doc, year, err := s.reportDocument(c)
	if err != nil {
		return err
	}
	sendPDF(c, "inzicht-rapportage-"+year+".pdf")
	return s.pdf.RenderReport(c.Response().BodyWriter(), doc)
}

// councilReportPage is the yearly report as an HTML page.
func (s *server) councilReportPage(c *fiber.Ctx) error {
	doc, year, err := s.reportDocument(c)
	if err != nil {
		return err
	}
	return s.showDocument(c, s.pdf.ReportContent(doc), "/raad/rapportage.pdf?jaar="+year, "/raad", "doc.back.council")
}

// outcomeKey is the i18n prefix of a decision's outcome in a short label: an Awb objection is decided
// in the Awb's words (gegrond, ongegrond), the AVG rights in theirs (toegewezen, afgewezen).
func outcomeKey(k portal.RequestKind) string {
	if k == portal.KindAwbObjection {
		return "outcome.awb.short."
	}
	return "outcome.short."
}

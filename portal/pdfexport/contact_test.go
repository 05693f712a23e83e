package pdfexport

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/inzicht/inzicht/internal/pdftext"
	"github.com/inzicht/inzicht/portal"
	"github.com/inzicht/inzicht/portal/i18n"
)

var teamContact = portal.Contact{Phone: "14 0XX", Email: "privacy@voorbeeldstad.nl",
	Address: "Postbus 100, 1234 AB Voorbeeldstad", Hours: "maandag tot en met vrijdag van 9.00 tot 17.00 uur"}

// contactLetterText renders a letter with the Exporter e and returns its text as a reader would extract it.
func contactLetterText(t *testing.T, render func(*bytes.Buffer) error, name string) string {
	t.Helper()
	var buf bytes.Buffer
	if err := render(&buf); err != nil {
		t.Fatal(err)
	}
	if dir := os.Getenv("INZICHT_PDF_OUT"); dir != "" {
		if err := os.WriteFile(filepath.Join(dir, name), buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	txt, err := pdftext.Text(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	// The drawn strings in order, one line each, joined with spaces (a paragraph reads as one line).
	var lines []string
	for _, m := range drawnRe.FindAllStringSubmatch(txt, -1) {
		lines = append(lines, strings.NewReplacer(`\(`, "(", `\)`, ")", `\\`, `\`).Replace(m[1]))
	}
	return strings.Join(lines, " ")
}

var drawnRe = regexp.MustCompile(`\(((?:[^()\\]|\\.)*)\)Tj`)

// TestLettersCarryContactAndSignatory: the team's contact is under every letter (receipt, decision,
// consent receipt), the decision is signed on behalf of the college and says where an objection goes;
// without a contact no empty label is printed.
func TestLettersCarryContactAndSignatory(t *testing.T) {
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	withContact, err := New(cat, WithContact(teamContact))
	if err != nil {
		t.Fatal(err)
	}
	without := exporter(t)
	for _, lang := range []string{"nl", "en"} {
		t.Run(lang, func(t *testing.T) {
			tr := func(key string) string { return cat.T(lang, key) }
			receipt := contactLetterText(t, func(b *bytes.Buffer) error { return withContact.RenderReceipt(b, sampleReceipt(lang)) }, "receipt-"+lang+".pdf")
			decision := contactLetterText(t, func(b *bytes.Buffer) error { return withContact.RenderDecision(b, sampleDecision(lang, 2)) }, "decision-"+lang+".pdf")
			for name, txt := range map[string]string{"receipt": receipt, "decision": decision} {
				for _, want := range []string{
					tr("contact.phone") + ": 14 0XX", tr("contact.email") + ": privacy@voorbeeldstad.nl",
					tr("contact.address") + ": Postbus 100, 1234 AB Voorbeeldstad", tr("contact.hours") + ": maandag tot en met vrijdag",
					tr("pdf.letter.contact.heading"),
				} {
					if !strings.Contains(txt, want) {
						t.Errorf("%s lacks %q:\n%s", name, want, txt)
					}
				}
			}
			signatory := map[string]string{"nl": "namens het college van burgemeester en wethouders van de gemeente Voorbeeldstad,",
				"en": "on behalf of the Municipal Executive (college van burgemeester en wethouders) of Gemeente Voorbeeldstad,"}[lang]
			if !strings.Contains(decision, signatory) {
				t.Errorf("decision lacks the signatory %q:\n%s", signatory, decision)
			}
			if strings.Contains(receipt, signatory) {
				t.Errorf("a receipt is no decision: it must not carry the signatory line")
			}
			objectTo := map[string]string{"nl": "Stuur uw bezwaar naar: Postbus 100, 1234 AB Voorbeeldstad.",
				"en": "Send your objection to: Postbus 100, 1234 AB Voorbeeldstad."}[lang]
			if !strings.Contains(decision, objectTo) {
				t.Errorf("the objection paragraph does not say where to send it (%q):\n%s", objectTo, decision)
			}
			// The signatory and the contact follow the objection paragraph, in that order.
			if o, s, c := strings.Index(decision, objectTo), strings.Index(decision, signatory), strings.Index(decision, tr("pdf.letter.contact.heading")); !(o < s && s < c) {
				t.Errorf("order objection %d < signatory %d < contact %d broken", o, s, c)
			}

			// Without a configured contact: the signatory stays, no contact heading, no empty labels.
			bare := contactLetterText(t, func(b *bytes.Buffer) error { return without.RenderDecision(b, sampleDecision(lang, 0)) }, "decision-bare-"+lang+".pdf")
			if !strings.Contains(bare, signatory) {
				t.Errorf("decision without contact lacks the signatory")
			}
			for _, no := range []string{tr("pdf.letter.contact.heading"), tr("contact.phone") + ":", tr("contact.address") + ":", "Postbus 100"} {
				if strings.Contains(bare, no) {
					t.Errorf("decision without a configured contact shows %q", no)
				}
			}
			// Only an e-mail address: only that line.
			emailOnly, err := New(cat, WithContact(portal.Contact{Email: "avg@example.nl"}))
			if err != nil {
				t.Fatal(err)
			}
			one := contactLetterText(t, func(b *bytes.Buffer) error { return emailOnly.RenderReceipt(b, sampleReceipt(lang)) }, "receipt-email-"+lang+".pdf")
			if !strings.Contains(one, tr("contact.email")+": avg@example.nl") || strings.Contains(one, tr("contact.phone")+":") ||
				strings.Contains(one, tr("contact.hours")+":") {
				t.Errorf("receipt with only an e-mail address:\n%s", one)
			}
		})
	}
}

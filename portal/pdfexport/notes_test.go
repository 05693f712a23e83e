package pdfexport

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func sampleNotes() []InternalNote {
	return []InternalNote{
		{At: time.Date(2026, 3, 11, 23, 30, 0, 0, time.UTC), Author: "Medewerker privacyverzoeken", Reference: "AVG-2026-000040",
			Text: "Inwoner belde: wil de stukken per post.\nTerugbellen na 14.00 uur."},
		{At: time.Date(2026, 3, 20, 9, 0, 0, 0, time.UTC), Author: "Teamleider privacyverzoeken", Reference: letterRef,
			Text: "Overzicht gecontroleerd."},
	}
}

// TestDecisionListsInternalNotes: an inspection answer lists the internal notes about the person
// under their own heading, after the overview and before how to object, each with its date (in
// Amsterdam), author and request; without notes it says there are none; a letter that does not list
// them has no such section.
func TestDecisionListsInternalNotes(t *testing.T) {
	d := sampleDecision("nl", 1)
	d.NotesListed, d.Notes = true, sampleNotes()
	lt := readLetter(t, plainLetter(t, exporter(t).buildDecision(d)))
	lt.wantOrder(t,
		"Overzicht van uw gegevens",
		"Interne notities over u",
		"Medewerkers schrijven soms een korte notitie bij een verzoek. U ziet die notities niet in Inzicht.",
		"12-03-2026 — Medewerker privacyverzoeken — verzoek AVG-2026-000040",
		"Inwoner belde: wil de stukken per post.", "Terugbellen na 14.00 uur.",
		"20-03-2026 — Teamleider privacyverzoeken — verzoek "+letterRef,
		"Overzicht gecontroleerd.",
		"Bezwaar maken",
	)
	if strings.Contains(lt.flow, "geen interne notities") {
		t.Error("a letter with notes says there are none")
	}

	d.Notes = nil
	lt = readLetter(t, plainLetter(t, exporter(t).buildDecision(d)))
	lt.wantOrder(t, "Interne notities over u", "Er zijn geen interne notities over u.", "Bezwaar maken")

	e := sampleDecision("en", 0)
	e.NotesListed, e.Notes = true, sampleNotes()[1:]
	lt = readLetter(t, plainLetter(t, exporter(t).buildDecision(e)))
	lt.wantOrder(t, "Internal notes about you", "You do not see these notes in Inzicht.",
		"20-03-2026 — Teamleider privacyverzoeken — request "+letterRef, "Overzicht gecontroleerd.", "How to object")

	plain := sampleDecision("nl", 0)
	lt = readLetter(t, plainLetter(t, exporter(t).buildDecision(plain)))
	if strings.Contains(lt.flow, "Interne notities") {
		t.Error("a letter that does not list notes has the section")
	}
}

// Notes of every length at every spot of the page: nothing off the body, no heading alone at a
// page's foot, and every word of every note printed.
func TestNotesLayoutSweep(t *testing.T) {
	for extra := 0; extra <= 40; extra += 3 {
		d := sampleDecision("nl", 1)
		d.Description = strings.Repeat("Dit is een regel van mijn uitleg.\n", extra+1) + "Laatste regel."
		long := strings.Repeat("Een lange notitie over het gesprek. ", 20+extra)
		d.NotesListed, d.Notes = true, append(sampleNotes(), InternalNote{At: letterDecided, Author: "Medewerker privacyverzoeken",
			Reference: letterRef, Text: long})
		out := plainLetter(t, exporter(t).buildDecision(d))
		checkPlacement(t, fmt.Sprintf("notes %d", extra), out)
		lt := readLetter(t, out)
		checkNoOrphans(t, lt)
		lt.wantOrder(t, "Interne notities over u", "Overzicht gecontroleerd.", long, "Met vriendelijke groet,")
	}
}

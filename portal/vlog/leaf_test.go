package vlog

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func b64(b byte) string { return base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{b}, 32)) }

func sampleLeaf() Leaf {
	w := Withheld{Salt: b64(0xab), EmployeeName: "J. de Vries", EmployeeID: "e-17", System: "Suite"}
	return Leaf{
		Kind: KindEvent, ID: "3f1c1a9e-8a54-4f3c-9d1e-2b6f0f3f9a10", Subject: b64(0x5b),
		Salt:       b64(0x9e),
		OccurredAt: time.Date(2026, 3, 2, 10, 15, 0, 123456789, time.FixedZone("CET", 3600)),
		ReceivedAt: time.Date(2026, 3, 2, 9, 15, 2, 125000000, time.UTC),
		Activity:   "wmo-aanvraag", Action: "view", Categories: []string{"contact", "health"}, Level: "what",
		Organization: "Gemeente Voorbeeldstad", Team: "Wmo-loket", Role: "Wmo-consulent", CaseRef: "Z-2026-0042",
		AccessBasis: "break_glass", BreakGlassReason: "crisis\nat night \\ weekend\ttab",
		ConfidentialUntil: Infinity, Withheld: w.Digest(),
	}
}

// TestLeafEncodingGolden pins the bytes of docs/verifiable-log.md §1: a change to the encoding is a
// new version, never an edit, since every leaf already in a tree was hashed with it.
func TestLeafEncodingGolden(t *testing.T) {
	l := sampleLeaf()
	want := "inzicht-log-leaf/v1\n" +
		"kind event\n" +
		"id 3f1c1a9e-8a54-4f3c-9d1e-2b6f0f3f9a10\n" +
		"subject " + b64(0x5b) + "\n" +
		"salt " + b64(0x9e) + "\n" +
		"occurred_at 2026-03-02T09:15:00.123456Z\n" + // UTC, cut to the microsecond
		"received_at 2026-03-02T09:15:02.125000Z\n" +
		"activity wmo-aanvraag\n" +
		"action view\n" +
		"data_categories contact,health\n" +
		"level what\n" +
		"organization Gemeente Voorbeeldstad\n" +
		"team Wmo-loket\n" +
		"role Wmo-consulent\n" +
		"case_ref Z-2026-0042\n" +
		"recipient \n" +
		"access_basis break_glass\n" +
		"break_glass_reason crisis\\nat night \\\\ weekend\ttab\n" +
		"consent_ref \n" +
		"against_will_decision_ref \n" +
		"against_will_reason \n" +
		"confidential_until infinity\n" +
		"trace_id \n" +
		"span_id \n" +
		"failed false\n" +
		"withheld " + l.Withheld + "\n"
	if diff := cmp.Diff(want, string(l.Encode())); diff != "" {
		t.Fatalf("leaf bytes (-want +got):\n%s", diff)
	}
	wantHash := sha256.Sum256(append([]byte{0}, want...))
	if h := l.Hash(); hex.EncodeToString(h[:]) != hex.EncodeToString(wantHash[:]) {
		t.Errorf("leaf hash is not SHA-256(0x00 ‖ leaf)")
	}
	wb := "inzicht-log-withheld/v1\nsalt " + b64(0xab) + "\nemployee_id e-17\nemployee_name J. de Vries\n" +
		"against_will_approved_by \nsystem Suite\nparent_span_id \nspan_name \nforeign_trace_id \nforeign_span_id \n" +
		"foreign_entity \nvng_actie_id \n"
	d := sha256.Sum256([]byte(wb))
	if l.Withheld != base64.StdEncoding.EncodeToString(d[:]) {
		t.Errorf("withheld digest is not SHA-256 of the documented block")
	}
}

func TestLeafRoundTrip(t *testing.T) {
	for name, l := range map[string]Leaf{
		"sample":        sampleLeaf(),
		"no categories": func() Leaf { l := sampleLeaf(); l.Categories = nil; return l }(),
		"control bytes": func() Leaf { l := sampleLeaf(); l.Recipient = "a\x01b\rc\x7f\\x41"; return l }(),
		"span": func() Leaf {
			l := sampleLeaf()
			l.TraceID, l.SpanID, l.Failed = strings.Repeat("a", 32), strings.Repeat("b", 16), true
			return l
		}(),
		"until time": func() Leaf { l := sampleLeaf(); l.ConfidentialUntil = FormatTime(time.Unix(1e9, 5)); return l }(),
	} {
		t.Run(name, func(t *testing.T) {
			b := l.Encode()
			got, err := ParseLeaf(b)
			if err != nil {
				t.Fatal(err)
			}
			if string(got.Encode()) != string(b) {
				t.Fatalf("round trip changed the leaf:\n%s\n%s", b, got.Encode())
			}
			if got.Recipient != l.Recipient || got.BreakGlassReason != l.BreakGlassReason || got.Failed != l.Failed {
				t.Errorf("fields changed: %+v", got)
			}
		})
	}
}

func TestParseLeafRefuses(t *testing.T) {
	sl := sampleLeaf()
	good := string(sl.Encode())
	for name, b := range map[string]string{
		"empty":            "",
		"no final newline": strings.TrimSuffix(good, "\n"),
		"other header":     strings.Replace(good, "inzicht-log-leaf/v1", "inzicht-log-leaf/v2", 1),
		"missing field":    strings.Replace(good, "team Wmo-loket\n", "", 1),
		"extra field":      good + "extra x\n",
		"swapped fields":   strings.Replace(strings.Replace(good, "team Wmo-loket\n", "", 1), "role Wmo-consulent\n", "role Wmo-consulent\nteam Wmo-loket\n", 1),
		"unknown kind":     strings.Replace(good, "kind event", "kind amend", 1),
		"short salt":       strings.Replace(good, "salt "+b64(0x9e), "salt 9e", 1),
		"hex subject":      strings.Replace(good, "subject "+b64(0x5b), "subject "+strings.Repeat("5b", 32), 1),
		"unpadded base64":  strings.Replace(good, "subject "+b64(0x5b), "subject "+strings.TrimRight(b64(0x5b), "="), 1),
		"local time":       strings.Replace(good, "09:15:00.123456Z", "10:15:00.123456+01:00", 1),
		"millisecond time": strings.Replace(good, "09:15:02.125000Z", "09:15:02.125Z", 1),
		"bad failed":       strings.Replace(good, "failed false", "failed no", 1),
		"unneeded escape":  strings.Replace(good, "team Wmo-loket", `team \x57mo-loket`, 1),
		"unknown escape":   strings.Replace(good, "team Wmo-loket", `team Wmo\t`, 1),
		"lone backslash":   strings.Replace(good, "team Wmo-loket", `team Wmo\`, 1),
		"carriage return":  strings.Replace(good, "\n", "\r\n", 1),
		"bad confidential": strings.Replace(good, "confidential_until infinity", "confidential_until forever", 1),
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := ParseLeaf([]byte(b)); err == nil {
				t.Errorf("accepted:\n%s", b)
			}
		})
	}
}

func TestPseudonym(t *testing.T) {
	a, b := Pseudonym([]byte("lookup-a")), Pseudonym([]byte("lookup-b"))
	if a == b || a != Pseudonym([]byte("lookup-a")) || !Is32(a) {
		t.Errorf("pseudonyms %q %q", a, b)
	}
	want := sha256.Sum256([]byte("inzicht-log-subject/v1\x00lookup-a"))
	if a != base64.StdEncoding.EncodeToString(want[:]) {
		t.Errorf("pseudonym is not the documented hash")
	}
	if s1, s2 := NewSalt(), NewSalt(); s1 == s2 || !Is32(s1) {
		t.Errorf("salts %q %q", s1, s2)
	}
}

// FuzzParseLeaf checks that whatever ParseLeaf accepts encodes back to the same bytes.
func FuzzParseLeaf(f *testing.F) {
	sl := sampleLeaf()
	f.Add(sl.Encode())
	f.Fuzz(func(t *testing.T, b []byte) {
		l, err := ParseLeaf(b)
		if err != nil {
			return
		}
		if string(l.Encode()) != string(b) {
			t.Fatalf("accepted a non-canonical leaf:\n%q\n%q", b, l.Encode())
		}
	})
}

func TestAmendment(t *testing.T) {
	a := Amendment{Kind: KindConfidentiality, ID: "3f1c1a9e-8a54-4f3c-9d1e-2b6f0f3f9a10", Subject: b64(0x5b), Salt: b64(0x9e),
		At: time.Date(2026, 3, 2, 9, 15, 0, 0, time.UTC), ConfidentialUntil: Infinity}
	want := "inzicht-log-leaf/v1\nkind confidentiality\nid 3f1c1a9e-8a54-4f3c-9d1e-2b6f0f3f9a10\nsubject " + b64(0x5b) +
		"\nsalt " + b64(0x9e) + "\nat 2026-03-02T09:15:00.000000Z\nconfidential_until infinity\n"
	if got := string(a.Encode()); got != want {
		t.Fatalf("amendment bytes:\n%s\nwant\n%s", got, want)
	}
	if LeafKind(a.Encode()) != KindConfidentiality {
		t.Error("LeafKind of an amendment")
	}
	if sl := sampleLeaf(); LeafKind(sl.Encode()) != KindEvent || LeafKind([]byte("x")) != "" {
		t.Error("LeafKind of an event or of nothing")
	}
	got, err := ParseAmendment(a.Encode())
	if err != nil || got != a {
		t.Fatalf("ParseAmendment = %+v, %v", got, err)
	}
	for name, b := range map[string]string{
		"event leaf":    func() string { sl := sampleLeaf(); return string(sl.Encode()) }(),
		"other kind":    strings.Replace(want, "kind confidentiality", "kind event", 1),
		"bad until":     strings.Replace(want, "confidential_until infinity", "confidential_until soon", 1),
		"bad subject":   strings.Replace(want, "subject "+b64(0x5b), "subject x", 1),
		"missing field": strings.Replace(want, "at 2026-03-02T09:15:00.000000Z\n", "", 1),
	} {
		if _, err := ParseAmendment([]byte(b)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := ParseLeaf(a.Encode()); err == nil {
		t.Error("ParseLeaf accepted an amendment")
	}
}

// BenchmarkLeafEncode is the Go cost of one event's leaf at ingest: the withheld block's digest, the
// leaf's canonical bytes (docs/verifiable-log.md, figures).
func BenchmarkLeafEncode(b *testing.B) {
	w := Withheld{Salt: NewSalt(), EmployeeID: "mw-1", System: "Suite"}
	l := Leaf{Version: 2, Kind: KindEvent, ID: "3f1c1a9e-8a54-4f3c-9d1e-2b6f0f3f9a10", Subject: NewSalt(), Salt: NewSalt(),
		OccurredAt: time.Now(), ReceivedAt: time.Now(), Activity: "wmo-onderzoek", Action: "view",
		Categories: []string{"care_needs", "health"}, Level: "what", Organization: "Gemeente Voorbeeldstad",
		Team: "Wijkteam Noord", Role: "Wmo-consulent", CaseRef: "Z-2026-00001", AccessBasis: "assigned"}
	b.ReportAllocs()
	for b.Loop() {
		l.Withheld = w.Digest()
		_ = l.Encode()
	}
}

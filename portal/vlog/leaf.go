// Package vlog holds the formats of Inzicht's verifiable processing log (docs/verifiable-log.md): the
// canonical leaf encoding, RFC 6962 leaf hashes, C2SP tlog-tiles paths and signed tlog-checkpoint
// notes. It imports nothing of the portal and no database, so that it can be read on its own.
package vlog

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

// LeafHeader is the first line of a leaf of version 1 (events without a place in the person's
// sequence, and every amendment).
const LeafHeader = "inzicht-log-leaf/v1"

// LeafHeaderV2 is the first line of an event leaf of version 2, which carries subject_seq, the
// event's place in the person's own sequence (docs/verifiable-log.md §1).
const LeafHeaderV2 = "inzicht-log-leaf/v2"

// WithheldHeader is the first line of the withheld block.
const WithheldHeader = "inzicht-log-withheld/v1"

// KindEvent is the kind of a leaf that records one processing event.
const KindEvent = "event"

// TimeLayout is how every time is written in a leaf: UTC, six fractional digits.
const TimeLayout = "2006-01-02T15:04:05.000000Z"

// Infinity is the confidential_until value of an event hidden until further notice (a view of a
// signal the person has not been told of).
const Infinity = "infinity"

// Leaf is one line of the log as the leaf encoding carries it (docs/verifiable-log.md §1).
type Leaf struct {
	// Version is 1 or 2 (0 reads as 1). Only a version 2 leaf has SubjectSeq.
	Version int
	Kind    string
	ID      string
	Subject string // pseudonym, base64 of 32 bytes (Pseudonym)
	// SubjectSeq is the event's number in the person's own sequence (1, 2, 3, …, given by the
	// integrator), or 0 for an event that has none: one hidden from the person when it was recorded.
	SubjectSeq int64
	Salt       string // base64 of 32 random bytes (NewSalt)
	OccurredAt time.Time
	ReceivedAt time.Time
	Activity   string
	Action     string
	Categories []string
	Level      string
	// Organization, Team and Role are the actor as the person is shown it.
	Organization, Team, Role string
	CaseRef, Recipient       string
	AccessBasis              string
	BreakGlassReason         string
	ConsentRef               string
	AgainstWillDecisionRef   string
	AgainstWillReason        string
	// ConfidentialUntil is "" (not confidential), Infinity, or a time in TimeLayout (FormatTime).
	ConfidentialUntil string
	TraceID, SpanID   string
	Failed            bool
	Withheld          string // SHA-256 of the withheld block in base64 (Withheld.Digest)
}

// Withheld is what is recorded about an event but not shown to the person; the leaf commits to it
// through its digest.
type Withheld struct {
	Salt                  string // base64 of 32 random bytes, not the leaf's salt
	EmployeeID            string
	EmployeeName          string
	AgainstWillApprovedBy string
	System                string
	ParentSpanID          string
	SpanName              string
	ForeignTraceID        string
	ForeignSpanID         string
	ForeignEntity         string
	VNGActieID            string
}

// FormatTime writes t as a leaf does: UTC, cut (not rounded) to the microsecond PostgreSQL keeps.
func FormatTime(t time.Time) string {
	return t.UTC().Truncate(time.Microsecond).Format(TimeLayout)
}

// NewSalt returns 32 random bytes in standard base64 (44 characters). (Hashes and salts are written
// in base64 rather than hex: hex is full of runs of decimal digits, which a scan for BSNs in a
// database dump cannot tell from one.)
func NewSalt() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never returns an error; it crashes the program instead
	return base64.StdEncoding.EncodeToString(b)
}

// Pseudonym returns the person's pseudonym in the log from the keyed look-up HMAC of their BSN.
func Pseudonym(lookup []byte) string {
	h := sha256.New()
	h.Write([]byte("inzicht-log-subject/v1\x00"))
	h.Write(lookup)
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}

type field struct{ name, value string }

func (l *Leaf) fields() []field {
	head := []field{{"kind", l.Kind}, {"id", l.ID}, {"subject", l.Subject}}
	if l.Version == 2 {
		seq := ""
		if l.SubjectSeq > 0 {
			seq = strconv.FormatInt(l.SubjectSeq, 10)
		}
		head = append(head, field{"subject_seq", seq})
	}
	return append(head, []field{{"salt", l.Salt},
		{"occurred_at", FormatTime(l.OccurredAt)}, {"received_at", FormatTime(l.ReceivedAt)},
		{"activity", l.Activity}, {"action", l.Action}, {"data_categories", joinList(l.Categories)},
		{"level", l.Level}, {"organization", l.Organization}, {"team", l.Team}, {"role", l.Role},
		{"case_ref", l.CaseRef}, {"recipient", l.Recipient}, {"access_basis", l.AccessBasis},
		{"break_glass_reason", l.BreakGlassReason}, {"consent_ref", l.ConsentRef},
		{"against_will_decision_ref", l.AgainstWillDecisionRef}, {"against_will_reason", l.AgainstWillReason},
		{"confidential_until", l.ConfidentialUntil}, {"trace_id", l.TraceID}, {"span_id", l.SpanID},
		{"failed", fmt.Sprint(l.Failed)}, {"withheld", l.Withheld},
	}...)
}

// header is the leaf's first line.
func (l *Leaf) header() string {
	if l.Version == 2 {
		return LeafHeaderV2
	}
	return LeafHeader
}

func (w *Withheld) fields() []field {
	return []field{
		{"salt", w.Salt}, {"employee_id", w.EmployeeID}, {"employee_name", w.EmployeeName},
		{"against_will_approved_by", w.AgainstWillApprovedBy}, {"system", w.System},
		{"parent_span_id", w.ParentSpanID}, {"span_name", w.SpanName}, {"foreign_trace_id", w.ForeignTraceID},
		{"foreign_span_id", w.ForeignSpanID}, {"foreign_entity", w.ForeignEntity}, {"vng_actie_id", w.VNGActieID},
	}
}

// Encode returns the leaf's canonical bytes (docs/verifiable-log.md §1).
func (l *Leaf) Encode() []byte { return encode(l.header(), l.fields()) }

// Encode returns the withheld block's bytes.
func (w *Withheld) Encode() []byte { return encode(WithheldHeader, w.fields()) }

// Digest returns the SHA-256 of the withheld block in standard base64, the leaf's withheld field.
func (w *Withheld) Digest() string {
	h := sha256.Sum256(w.Encode())
	return base64.StdEncoding.EncodeToString(h[:])
}

// Hash returns the RFC 6962 leaf hash of the leaf's bytes: SHA-256(0x00 ‖ bytes).
func (l *Leaf) Hash() tlog.Hash { return tlog.RecordHash(l.Encode()) }

func encode(header string, fs []field) []byte {
	n := len(header) + 1
	for _, f := range fs {
		n += len(f.name) + len(f.value) + 2
	}
	var b bytes.Buffer
	b.Grow(n + 16) // room for a few escapes
	b.WriteString(header)
	b.WriteByte('\n')
	for _, f := range fs {
		b.WriteString(f.name)
		b.WriteByte(' ')
		b.WriteString(escape(f.value))
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// escape writes \ as \\, LF as \n, CR as \r, and other control bytes but tab as \xHH.
func escape(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return r == '\\' || r < 0x20 && r != '\t' || r == 0x7f }) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\':
			b.WriteString(`\\`)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c < 0x20 && c != '\t' || c == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func unescape(s string) (string, error) {
	if !strings.Contains(s, `\`) {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		if i+1 >= len(s) {
			return "", errors.New("a lone backslash at the end")
		}
		i++
		switch s[i] {
		case '\\':
			b.WriteByte('\\')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 'x':
			if i+2 >= len(s) {
				return "", errors.New(`a short \x escape`)
			}
			v, err := hex.DecodeString(s[i+1 : i+3])
			if err != nil || s[i+1:i+3] != strings.ToLower(s[i+1:i+3]) {
				return "", errors.New(`a \x escape without two lower-case hex digits`)
			}
			b.WriteByte(v[0])
			i += 2
		default:
			return "", fmt.Errorf(`an unknown escape \%c`, s[i])
		}
	}
	return b.String(), nil
}

// joinList joins data categories with ",". Ingest allows only [a-z0-9_-] in a category, so none
// holds a comma.
func joinList(items []string) string { return strings.Join(items, ",") }

// ParseLeaf reads a leaf's bytes (as Encode writes them) back into a Leaf. It refuses anything that
// Encode would not have written: another header, missing, extra or reordered fields, bad escapes,
// times or hex, so that ParseLeaf(b).Encode() equals b for every leaf it accepts.
func ParseLeaf(b []byte) (Leaf, error) {
	var l Leaf
	l.Version = 1
	if bytes.HasPrefix(b, []byte(LeafHeaderV2+"\n")) {
		l.Version = 2
	}
	vals, err := parse(b, l.header(), (&l).fields())
	if err != nil {
		return l, err
	}
	if l.Version == 2 { // subject_seq: empty, or a decimal number from 1 without leading zeros
		if v := vals[3]; v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 1 || strconv.FormatInt(n, 10) != v {
				return l, fmt.Errorf("vlog: leaf subject_seq: want a number from 1, got %q", v)
			}
			l.SubjectSeq = n
		}
		vals = slices.Delete(vals, 3, 4)
	}
	l.Kind, l.ID, l.Subject, l.Salt = vals[0], vals[1], vals[2], vals[3]
	if l.OccurredAt, err = parseTime(vals[4]); err != nil {
		return l, fmt.Errorf("vlog: leaf occurred_at: %w", err)
	}
	if l.ReceivedAt, err = parseTime(vals[5]); err != nil {
		return l, fmt.Errorf("vlog: leaf received_at: %w", err)
	}
	l.Activity, l.Action = vals[6], vals[7]
	if vals[8] != "" {
		l.Categories = strings.Split(vals[8], ",")
	}
	l.Level, l.Organization, l.Team, l.Role = vals[9], vals[10], vals[11], vals[12]
	l.CaseRef, l.Recipient, l.AccessBasis, l.BreakGlassReason = vals[13], vals[14], vals[15], vals[16]
	l.ConsentRef, l.AgainstWillDecisionRef, l.AgainstWillReason = vals[17], vals[18], vals[19]
	l.ConfidentialUntil, l.TraceID, l.SpanID = vals[20], vals[21], vals[22]
	switch vals[23] {
	case "true":
		l.Failed = true
	case "false":
	default:
		return l, fmt.Errorf("vlog: leaf failed: want true or false, got %q", vals[23])
	}
	l.Withheld = vals[24]
	if l.Kind != KindEvent {
		return l, fmt.Errorf("vlog: leaf kind %q is not known", l.Kind)
	}
	for _, h := range []struct{ name, v string }{{"subject", l.Subject}, {"salt", l.Salt}, {"withheld", l.Withheld}} {
		if !Is32(h.v) {
			return l, fmt.Errorf("vlog: leaf %s: want 32 bytes in standard base64", h.name)
		}
	}
	if c := l.ConfidentialUntil; c != "" && c != Infinity {
		if _, err := parseTime(c); err != nil {
			return l, fmt.Errorf("vlog: leaf confidential_until: %w", err)
		}
	}
	if !bytes.Equal(l.Encode(), b) { // e.g. an escape that was not needed (\x41 for A)
		return l, errors.New("vlog: leaf is not in canonical form")
	}
	return l, nil
}

// parse splits b into the values of the fields named by want, in order, after header.
func parse(b []byte, header string, want []field) ([]string, error) {
	if len(b) == 0 || b[len(b)-1] != '\n' {
		return nil, errors.New("vlog: leaf does not end in a line feed")
	}
	lines := strings.Split(string(b[:len(b)-1]), "\n")
	if lines[0] != header {
		return nil, fmt.Errorf("vlog: leaf starts with %q, want %q", lines[0], header)
	}
	lines = lines[1:]
	if len(lines) != len(want) {
		return nil, fmt.Errorf("vlog: leaf has %d fields, want %d", len(lines), len(want))
	}
	vals := make([]string, len(want))
	for i, line := range lines {
		name, v, ok := strings.Cut(line, " ")
		if !ok || name != want[i].name {
			return nil, fmt.Errorf("vlog: leaf line %d: want field %q", i+2, want[i].name)
		}
		u, err := unescape(v)
		if err != nil {
			return nil, fmt.Errorf("vlog: leaf field %s: %w", name, err)
		}
		vals[i] = u
	}
	return vals, nil
}

func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(TimeLayout, s)
	if err != nil || t.Format(TimeLayout) != s {
		return time.Time{}, fmt.Errorf("want a time such as %s, got %q", TimeLayout, s)
	}
	return t, nil
}

// Is32 reports whether s is 32 bytes in standard base64 with padding, written canonically.
func Is32(s string) bool {
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	return err == nil && len(b) == 32 && base64.StdEncoding.EncodeToString(b) == s
}

// KindConfidentiality is the kind of a leaf that records a change of an earlier event's
// confidentiality (lifted, extended, or a signal told): the event's leaf is never changed, a new
// leaf refers to it.
const KindConfidentiality = "confidentiality"

// Amendment is a leaf that refers to an event's leaf by the event's id and records a later change of
// what the person is shown for it: for now, until when it is hidden (docs/verifiable-log.md §1).
type Amendment struct {
	Kind    string // KindConfidentiality
	ID      string // the event's id
	Subject string // the person's pseudonym, as in the event's leaf
	Salt    string
	At      time.Time // when the change was made
	// ConfidentialUntil is the new value: "" (visible now), Infinity, or a time (FormatTime).
	ConfidentialUntil string
}

func (a *Amendment) fields() []field {
	return []field{{"kind", a.Kind}, {"id", a.ID}, {"subject", a.Subject}, {"salt", a.Salt},
		{"at", FormatTime(a.At)}, {"confidential_until", a.ConfidentialUntil}}
}

// Encode returns the amendment's canonical bytes.
func (a *Amendment) Encode() []byte { return encode(LeafHeader, a.fields()) }

// LeafKind returns the kind of an encoded leaf (its second line), or "" when it has none.
func LeafKind(b []byte) string {
	_, rest, _ := bytes.Cut(b, []byte("\n"))
	line, _, _ := bytes.Cut(rest, []byte("\n"))
	k, ok := bytes.CutPrefix(line, []byte("kind "))
	if !ok {
		return ""
	}
	return string(k)
}

// ParseAmendment reads an amendment leaf, refusing anything Encode would not have written.
func ParseAmendment(b []byte) (Amendment, error) {
	var a Amendment
	vals, err := parse(b, LeafHeader, (&a).fields())
	if err != nil {
		return a, err
	}
	a.Kind, a.ID, a.Subject, a.Salt = vals[0], vals[1], vals[2], vals[3]
	if a.At, err = parseTime(vals[4]); err != nil {
		return a, fmt.Errorf("vlog: amendment at: %w", err)
	}
	a.ConfidentialUntil = vals[5]
	if a.Kind != KindConfidentiality {
		return a, fmt.Errorf("vlog: amendment kind %q is not known", a.Kind)
	}
	if !Is32(a.Subject) || !Is32(a.Salt) {
		return a, errors.New("vlog: amendment subject and salt: want 32 bytes in standard base64")
	}
	if c := a.ConfidentialUntil; c != "" && c != Infinity {
		if _, err := parseTime(c); err != nil {
			return a, fmt.Errorf("vlog: amendment confidential_until: %w", err)
		}
	}
	if !bytes.Equal(a.Encode(), b) {
		return a, errors.New("vlog: amendment is not in canonical form")
	}
	return a, nil
}

package portal_test

import (
	"bytes"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/inzicht/inzicht/portal"
)

var testNow = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

func known(id string) bool { return id == "wmo-onderzoek" || id == "bijstand" }

func validEvent(i int) portal.Event {
	return portal.Event{
		ID:             fmt.Sprintf("0b7e5a3c-1d2f-4a6b-8c9d-%012x", i),
		OccurredAt:     testNow.Add(-time.Hour),
		SubjectBSN:     "999993653",
		Activity:       "wmo-onderzoek",
		Action:         "view",
		DataCategories: []string{"health"},
		Level:          "what",
		Actor:          portal.Actor{Organization: "Gemeente Voorbeeldstad", Role: "Consulent Wmo"},
		AccessBasis:    portal.BasisAssigned,
	}
}

func TestEventValidate(t *testing.T) {
	until := testNow.Add(24 * time.Hour)
	long := strings.Repeat("x", 501)
	tests := []struct {
		name string
		mod  func(*portal.Event)
		want []string // "index:field"
	}{
		{"valid", func(*portal.Event) {}, nil},
		{"upper-case uuid", func(e *portal.Event) { e.ID = strings.ToUpper(e.ID) }, nil},
		{"id empty", func(e *portal.Event) { e.ID = "" }, []string{"7:id"}},
		{"id not a uuid", func(e *portal.Event) { e.ID = "event-1" }, []string{"7:id"}},
		{"id uuid without dashes", func(e *portal.Event) { e.ID = "0b7e5a3c1d2f4a6b8c9d000000000001" }, []string{"7:id"}},
		{"id uuid with braces", func(e *portal.Event) { e.ID = "{" + e.ID + "}" }, []string{"7:id"}},
		{"occurred_at zero", func(e *portal.Event) { e.OccurredAt = time.Time{} }, []string{"7:occurred_at"}},
		{"occurred_at exactly 5 min ahead", func(e *portal.Event) { e.OccurredAt = testNow.Add(portal.MaxFuture) }, nil},
		{"occurred_at 5 min 1 s ahead", func(e *portal.Event) { e.OccurredAt = testNow.Add(portal.MaxFuture + time.Second) },
			[]string{"7:occurred_at"}},
		{"occurred_at next year", func(e *portal.Event) { e.OccurredAt = testNow.AddDate(1, 0, 0) }, []string{"7:occurred_at"}},
		{"occurred_at long ago", func(e *portal.Event) { e.OccurredAt = testNow.AddDate(-20, 0, 0) }, nil},
		{"bsn wrong check", func(e *portal.Event) { e.SubjectBSN = "123456789" }, []string{"7:subject_bsn"}},
		{"bsn 8 digits", func(e *portal.Event) { e.SubjectBSN = "12345678" }, []string{"7:subject_bsn"}},
		{"bsn 10 digits", func(e *portal.Event) { e.SubjectBSN = "1234567820" }, []string{"7:subject_bsn"}},
		{"bsn zeros", func(e *portal.Event) { e.SubjectBSN = "000000000" }, []string{"7:subject_bsn"}},
		{"bsn empty", func(e *portal.Event) { e.SubjectBSN = "" }, []string{"7:subject_bsn"}},
		{"other valid bsn", func(e *portal.Event) { e.SubjectBSN = "123456782" }, nil},
		{"activity empty", func(e *portal.Event) { e.Activity = "" }, []string{"7:activity"}},
		{"activity unknown", func(e *portal.Event) { e.Activity = "parkeren" }, []string{"7:activity"}},
		{"action empty", func(e *portal.Event) { e.Action = "" }, []string{"7:action"}},
		{"action unknown", func(e *portal.Event) { e.Action = "read" }, []string{"7:action"}},
		{"action upper case", func(e *portal.Event) { e.Action = "VIEW" }, []string{"7:action"}},
		{"categories nil", func(e *portal.Event) { e.DataCategories = nil }, []string{"7:data_categories"}},
		{"categories empty", func(e *portal.Event) { e.DataCategories = []string{} }, []string{"7:data_categories"}},
		{"category bad", func(e *portal.Event) { e.DataCategories = []string{"health", "Income", ""} },
			[]string{"7:data_categories[1]", "7:data_categories[2]"}},
		{"level empty", func(e *portal.Event) { e.Level = "" }, []string{"7:level"}},
		{"level unknown", func(e *portal.Event) { e.Level = "how" }, []string{"7:level"}},
		{"level that", func(e *portal.Event) { e.Level = "that" }, nil},
		{"actor organization", func(e *portal.Event) { e.Actor.Organization = "" }, []string{"7:actor.organization"}},
		{"actor role", func(e *portal.Event) { e.Actor.Role = "" }, []string{"7:actor.role"}},
		{"actor both", func(e *portal.Event) { e.Actor = portal.Actor{} }, []string{"7:actor.organization", "7:actor.role"}},
		{"disclose without recipient", func(e *portal.Event) { e.Action = "disclose" }, []string{"7:recipient"}},
		{"disclose with recipient", func(e *portal.Event) { e.Action = "disclose"; e.Recipient = "CAK" }, nil},
		{"access_basis empty", func(e *portal.Event) { e.AccessBasis = "" }, []string{"7:access_basis"}},
		{"access_basis unknown", func(e *portal.Event) { e.AccessBasis = "curiosity" }, []string{"7:access_basis"}},
		{"team", func(e *portal.Event) { e.AccessBasis = portal.BasisTeam }, nil},
		{"function", func(e *portal.Event) { e.AccessBasis = portal.BasisFunction }, nil},
		{"break_glass without reason", func(e *portal.Event) { e.AccessBasis = portal.BasisBreakGlass },
			[]string{"7:break_glass_reason"}},
		{"break_glass with reason", func(e *portal.Event) {
			e.AccessBasis = portal.BasisBreakGlass
			e.BreakGlassReason = "crisis"
		}, nil},
		{"break_glass reason naming a BSN", func(e *portal.Event) {
			e.AccessBasis = portal.BasisBreakGlass
			e.BreakGlassReason = "crisis bij 999 993 653"
		}, []string{"7:break_glass_reason"}},
		{"confidential reason naming a BSN", func(e *portal.Event) {
			e.ConfidentialUntil = &until
			e.ConfidentialReason = "onderzoek naar 999993653"
		}, []string{"7:confidential_reason"}},
		{"consent without ref", func(e *portal.Event) { e.AccessBasis = portal.BasisConsent }, []string{"7:consent_ref"}},
		{"consent with ref", func(e *portal.Event) { e.AccessBasis = portal.BasisConsent; e.ConsentRef = "TOE-1" }, nil},
		{"against_will missing", func(e *portal.Event) { e.AccessBasis = portal.BasisAgainstWill }, []string{"7:against_will"}},
		{"against_will empty", func(e *portal.Event) {
			e.AccessBasis = portal.BasisAgainstWill
			e.AgainstWill = &portal.AgainstWill{DecisionRef: " ", Reason: "", ApprovedBy: "\t"}
		}, []string{"7:against_will.decision_ref", "7:against_will.reason", "7:against_will.approved_by"}},
		{"against_will no decision_ref", func(e *portal.Event) {
			e.AccessBasis = portal.BasisAgainstWill
			e.AgainstWill = &portal.AgainstWill{Reason: "r", ApprovedBy: "a"}
		}, []string{"7:against_will.decision_ref"}},
		{"against_will no reason", func(e *portal.Event) {
			e.AccessBasis = portal.BasisAgainstWill
			e.AgainstWill = &portal.AgainstWill{DecisionRef: "d", ApprovedBy: "a"}
		}, []string{"7:against_will.reason"}},
		{"against_will no approved_by", func(e *portal.Event) {
			e.AccessBasis = portal.BasisAgainstWill
			e.AgainstWill = &portal.AgainstWill{DecisionRef: "d", Reason: "r"}
		}, []string{"7:against_will.approved_by"}},
		{"against_will complete", func(e *portal.Event) {
			e.AccessBasis = portal.BasisAgainstWill
			e.AgainstWill = &portal.AgainstWill{DecisionRef: "d", Reason: "r", ApprovedBy: "a"}
		}, nil},
		{"confidential_until without reason", func(e *portal.Event) { e.ConfidentialUntil = &until },
			[]string{"7:confidential_reason"}},
		{"confidential_reason without until", func(e *portal.Event) { e.ConfidentialReason = "fraud inquiry" },
			[]string{"7:confidential_until"}},
		{"confidential pair", func(e *portal.Event) { e.ConfidentialUntil = &until; e.ConfidentialReason = "fraud inquiry" }, nil},
		{"text 500 chars", func(e *portal.Event) { e.System = strings.Repeat("x", 500) }, nil},
		{"texts too long", func(e *portal.Event) {
			e.Actor = portal.Actor{Organization: long, Team: long, Role: long, EmployeeID: long, EmployeeName: long}
			e.System, e.CaseRef, e.Recipient, e.BreakGlassReason, e.ConsentRef = long, long, long, long, long
			e.ConfidentialUntil, e.ConfidentialReason = &until, long
		}, []string{"7:actor.organization", "7:actor.team", "7:actor.role", "7:actor.employee_id", "7:actor.employee_name",
			"7:system", "7:case_ref", "7:recipient", "7:break_glass_reason", "7:consent_ref", "7:confidential_reason"}},
		{"many at once", func(e *portal.Event) {
			*e = portal.Event{Action: "disclose", ConfidentialReason: "x"}
		}, []string{"7:id", "7:occurred_at", "7:subject_bsn", "7:activity", "7:data_categories", "7:level",
			"7:actor.organization", "7:actor.role", "7:recipient", "7:access_basis", "7:confidential_until"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := validEvent(1)
			tt.mod(&e)
			var got []string
			for _, f := range e.Validate(7, portal.EventRules{Now: testNow}, known) {
				got = append(got, fmt.Sprintf("%d:%s", f.Index, f.Field))
				if f.Message == "" {
					t.Errorf("field %s has no message", f.Field)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Validate (-want +got):\n%s", diff)
			}
		})
	}
}

func TestValidateBatch(t *testing.T) {
	batch := func(n int) []portal.Event {
		evs := make([]portal.Event, n)
		for i := range evs {
			evs[i] = validEvent(i)
		}
		return evs
	}
	tests := []struct {
		name   string
		events func() []portal.Event
		code   string   // "" means valid
		want   []string // "index:field"
	}{
		{"one valid", func() []portal.Event { return batch(1) }, "", nil},
		{"empty", func() []portal.Event { return nil }, portal.EINVALID, []string{"-1:events"}},
		{"1000 events", func() []portal.Event { return batch(portal.MaxBatch) }, "", nil},
		{"1001 events", func() []portal.Event { return batch(portal.MaxBatch + 1) }, portal.ETOOLARGE, nil},
		{"every invalid event listed", func() []portal.Event {
			evs := batch(6)
			evs[1].ID = "nope"
			evs[3].SubjectBSN = "123456789"
			evs[3].Level = ""
			evs[5].Action = "disclose"
			return evs
		}, portal.EINVALID, []string{"1:id", "3:subject_bsn", "3:level", "5:recipient"}},
		{"whitespace-only values are trimmed before the checks", func() []portal.Event {
			evs := batch(2)
			evs[1].Actor.Organization = "   "
			evs[1].SubjectBSN = " 999990019 "
			return evs
		}, portal.EINVALID, []string{"1:actor.organization"}},
		{"same id same content is a harmless repeat", func() []portal.Event {
			evs := batch(2)
			evs[1] = evs[0]
			return evs
		}, "", nil},
		{"same id in other case, same content", func() []portal.Event {
			evs := batch(2)
			evs[1] = evs[0]
			evs[1].ID = strings.ToUpper(evs[0].ID)
			return evs
		}, "", nil},
		{"same id other content", func() []portal.Event {
			evs := batch(3)
			evs[2] = evs[0]
			evs[2].Action = "update"
			return evs
		}, portal.EINVALID, []string{"2:id"}},
		{"same id other subject", func() []portal.Event {
			evs := batch(3)
			evs[2] = evs[0]
			evs[2].SubjectBSN = "999990019"
			return evs
		}, portal.EINVALID, []string{"2:id"}},
		{"same id three times, two different", func() []portal.Event {
			evs := batch(4)
			evs[1] = evs[0]
			evs[1].Level = "that"
			evs[3] = evs[0]
			evs[3].Action = "export"
			return evs
		}, portal.EINVALID, []string{"1:id", "3:id"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := portal.ValidateBatch(tt.events(), testNow, known)
			if got := portal.ErrorCode(err); got != tt.code {
				t.Fatalf("ErrorCode = %q, want %q (err %v)", got, tt.code, err)
			}
			if diff := cmp.Diff(tt.want, fieldNames(err)); diff != "" {
				t.Errorf("field errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestValidateBatchNormalizes(t *testing.T) {
	loc := time.FixedZone("CEST", 2*3600)
	e := validEvent(1)
	e.ID = "  " + strings.ToUpper(e.ID) + " "
	e.SubjectBSN = " 999993653\n"
	e.OccurredAt = testNow.Add(-time.Hour).In(loc)
	e.Actor.Organization = " Gemeente Voorbeeldstad "
	e.CaseRef = "\tZAAK-1 "
	evs := []portal.Event{e}
	if err := portal.ValidateBatch(evs, testNow, known); err != nil {
		t.Fatal(err)
	}
	want := validEvent(1)
	want.CaseRef = "ZAAK-1"
	got := evs[0]
	if got.OccurredAt.Location() != time.UTC {
		t.Errorf("OccurredAt location = %v, want UTC", got.OccurredAt.Location())
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("normalized event (-want +got):\n%s", diff)
	}
}

// hashMods changes exactly one field of an event each; together they cover every field but SubjectBSN.
var hashMods = map[string]func(*portal.Event){
	"ID":                   func(e *portal.Event) { e.ID = "0b7e5a3c-1d2f-4a6b-8c9d-ffffffffffff" },
	"OccurredAt":           func(e *portal.Event) { e.OccurredAt = e.OccurredAt.Add(time.Microsecond) },
	"Activity":             func(e *portal.Event) { e.Activity = "bijstand" },
	"Action":               func(e *portal.Event) { e.Action = "update" },
	"DataCategories":       func(e *portal.Event) { e.DataCategories = []string{"health", "income"} },
	"DataCategories order": func(e *portal.Event) { e.DataCategories = []string{"b", "a"} },
	"Level":                func(e *portal.Event) { e.Level = "that" },
	"Actor":                func(e *portal.Event) { e.Actor = portal.Actor{Organization: "X", Role: "Y"} },
	"Actor.Organization":   func(e *portal.Event) { e.Actor.Organization = "CAK" },
	"Actor.Team":           func(e *portal.Event) { e.Actor.Team = "Team Noord" },
	"Actor.Role":           func(e *portal.Event) { e.Actor.Role = "Teamleider" },
	"Actor.EmployeeID":     func(e *portal.Event) { e.Actor.EmployeeID = "E1" },
	"Actor.EmployeeName":   func(e *portal.Event) { e.Actor.EmployeeName = "J. Jansen" },
	"System":               func(e *portal.Event) { e.System = "Suite" },
	"CaseRef":              func(e *portal.Event) { e.CaseRef = "Z-2" },
	"Recipient":            func(e *portal.Event) { e.Recipient = "CAK" },
	"AccessBasis":          func(e *portal.Event) { e.AccessBasis = portal.BasisTeam },
	"BreakGlassReason":     func(e *portal.Event) { e.BreakGlassReason = "crisis" },
	"ConsentRef":           func(e *portal.Event) { e.ConsentRef = "TOE-1" },
	"AgainstWill":          func(e *portal.Event) { e.AgainstWill = &portal.AgainstWill{} },
	"AgainstWill.DecisionRef": func(e *portal.Event) {
		e.AgainstWill = &portal.AgainstWill{DecisionRef: "B-1", Reason: "r", ApprovedBy: "a"}
	},
	"AgainstWill.Reason": func(e *portal.Event) {
		e.AgainstWill = &portal.AgainstWill{DecisionRef: "B", Reason: "r2", ApprovedBy: "a"}
	},
	"AgainstWill.ApprovedBy": func(e *portal.Event) {
		e.AgainstWill = &portal.AgainstWill{DecisionRef: "B", Reason: "r", ApprovedBy: "a2"}
	},
	"ConfidentialUntil":  func(e *portal.Event) { u := testNow; e.ConfidentialUntil = &u },
	"ConfidentialReason": func(e *portal.Event) { e.ConfidentialReason = "inquiry" },
	// A span's fields are compared with those of testSpan in TestContentHashSpan; here, against none.
	"Span":              func(e *portal.Event) { e.Span = testSpan() },
	"Span.TraceID":      func(e *portal.Event) { e.Span = testSpan(); e.Span.TraceID = strings.Repeat("ab", 16) },
	"Span.SpanID":       func(e *portal.Event) { e.Span = testSpan(); e.Span.SpanID = strings.Repeat("ab", 8) },
	"Span.ParentSpanID": func(e *portal.Event) { e.Span = testSpan(); e.Span.ParentSpanID = "" },
	"Span.Name":         func(e *portal.Event) { e.Span = testSpan(); e.Span.Name = "other" },
	"Span.Failed":       func(e *portal.Event) { e.Span = testSpan(); e.Span.Failed = true },
	"VNG":               func(e *portal.Event) { e.VNG = &portal.VNGOrigin{ActieID: "7a22eb38-bca6-463f-9955-54ab040287cb"} },
	"VNG.ActieID":       func(e *portal.Event) { e.VNG = &portal.VNGOrigin{ActieID: "48086bf2-11b7-4603-9526-67d7c3bb6587"} },
	"Span.Foreign":      func(e *portal.Event) { e.Span = testSpan(); e.Span.Foreign = nil },
	"Span.Foreign.TraceID": func(e *portal.Event) {
		e.Span = testSpan()
		e.Span.Foreign.TraceID = strings.Repeat("ab", 16)
	},
	"Span.Foreign.SpanID": func(e *portal.Event) { e.Span = testSpan(); e.Span.Foreign.SpanID = strings.Repeat("ab", 8) },
	"Span.Foreign.Entity": func(e *portal.Event) { e.Span = testSpan(); e.Span.Foreign.Entity = "https://other.example" },
}

func TestContentHash(t *testing.T) {
	key := []byte("subject-key-A-0123456789abcdef01")
	base := func() portal.Event {
		e := validEvent(1)
		e.AgainstWill = &portal.AgainstWill{DecisionRef: "B", Reason: "r", ApprovedBy: "a"}
		return e
	}
	b := base()
	h := b.ContentHash(key)
	if len(h) != 32 {
		t.Fatalf("hash length %d, want 32", len(h))
	}

	t.Run("equal content", func(t *testing.T) {
		c := base()
		if !bytes.Equal(c.ContentHash(key), h) {
			t.Error("equal events hash differently")
		}
		if !bytes.Equal(b.ContentHash(key), h) {
			t.Error("hash not stable")
		}
	})
	t.Run("same instant after Normalize in another zone", func(t *testing.T) {
		c := base()
		c.OccurredAt = c.OccurredAt.In(time.FixedZone("X", 3600))
		c.Normalize()
		if !bytes.Equal(c.ContentHash(key), h) {
			t.Error("the same instant in another zone hashes differently after Normalize")
		}
	})
	t.Run("other subject key", func(t *testing.T) {
		c := base()
		if bytes.Equal(c.ContentHash([]byte("subject-key-B-0123456789abcdef01")), h) {
			t.Error("another subject key gives the same hash")
		}
	})
	t.Run("BSN text excluded when the key is the same", func(t *testing.T) {
		for _, bsn := range []string{"999990019", "", "123456782"} {
			c := base()
			c.SubjectBSN = bsn
			if !bytes.Equal(c.ContentHash(key), h) {
				t.Errorf("SubjectBSN %q changes the hash under the same key", bsn)
			}
		}
	})
	t.Run("does not modify the event", func(t *testing.T) {
		c := base()
		_ = c.ContentHash(key)
		if diff := cmp.Diff(base(), c); diff != "" {
			t.Errorf("ContentHash changed the event:\n%s", diff)
		}
	})
	for name, mod := range hashMods {
		t.Run("differs: "+name, func(t *testing.T) {
			c := base()
			mod(&c)
			if bytes.Equal(c.ContentHash(key), h) {
				t.Errorf("changing %s does not change the hash", name)
			}
		})
	}

	// Every field of Event (and of Actor and AgainstWill) except SubjectBSN must be covered above, so a
	// new field cannot slip out of the hash unnoticed.
	t.Run("every field covered", func(t *testing.T) {
		var missing []string
		var walk func(prefix string, typ reflect.Type)
		walk = func(prefix string, typ reflect.Type) {
			for i := 0; i < typ.NumField(); i++ {
				f := typ.Field(i)
				name := prefix + f.Name
				if name == "SubjectBSN" {
					continue
				}
				if _, ok := hashMods[name]; !ok {
					missing = append(missing, name)
				}
				ft := f.Type
				if ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if ft.Kind() == reflect.Struct && ft != reflect.TypeOf(time.Time{}) {
					walk(name+".", ft)
				}
			}
		}
		walk("", reflect.TypeOf(portal.Event{}))
		if len(missing) > 0 {
			t.Errorf("fields without a hash test: %v", missing)
		}
	})
}

func TestLoggedEventSensitive(t *testing.T) {
	want := map[string]bool{portal.BasisAssigned: false, portal.BasisTeam: false, portal.BasisFunction: false,
		portal.BasisBreakGlass: true, portal.BasisConsent: true, portal.BasisAgainstWill: true}
	for _, b := range portal.AccessBases {
		e := portal.LoggedEvent{Event: portal.Event{AccessBasis: b}}
		if got := e.Sensitive(); got != want[b] {
			t.Errorf("Sensitive() for %s = %v, want %v", b, got, want[b])
		}
	}
}

// TestValidateEventsRules: the configured time bounds and the list cap are refused by field.
func TestValidateEventsRules(t *testing.T) {
	rules := portal.EventRules{Now: testNow, NotBefore: time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC),
		MaxAhead: time.Minute, MaxConfidential: 366 * 24 * time.Hour}
	at := func(t time.Time) *time.Time { return &t }
	many := make([]string, portal.MaxCategories+1)
	for i := range many {
		many[i] = fmt.Sprintf("c%d", i)
	}
	tests := []struct {
		name string
		mod  func(*portal.Event)
		want []string
	}{
		{"valid", func(*portal.Event) {}, nil},
		{"year 1", func(e *portal.Event) { e.OccurredAt = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC) }, []string{"0:occurred_at"}},
		{"year 1900", func(e *portal.Event) { e.OccurredAt = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC) }, []string{"0:occurred_at"}},
		{"just before the floor", func(e *portal.Event) { e.OccurredAt = rules.NotBefore.Add(-time.Second) }, []string{"0:occurred_at"}},
		{"at the floor", func(e *portal.Event) { e.OccurredAt = rules.NotBefore }, nil},
		{"2 minutes ahead with 1 allowed", func(e *portal.Event) { e.OccurredAt = testNow.Add(2 * time.Minute) }, []string{"0:occurred_at"}},
		{"confidential at the cap", func(e *portal.Event) {
			e.ConfidentialUntil, e.ConfidentialReason = at(testNow.Add(rules.MaxConfidential)), "inquiry"
		}, nil},
		{"confidential past the cap", func(e *portal.Event) {
			e.ConfidentialUntil, e.ConfidentialReason = at(testNow.Add(rules.MaxConfidential+time.Second)), "inquiry"
		}, []string{"0:confidential_until"}},
		{"confidential 9999", func(e *portal.Event) {
			e.ConfidentialUntil, e.ConfidentialReason = at(time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)), "inquiry"
		}, []string{"0:confidential_until"}},
		{"50 categories", func(e *portal.Event) { e.DataCategories = many[:portal.MaxCategories] }, nil},
		{"51 categories", func(e *portal.Event) { e.DataCategories = many }, []string{"0:data_categories"}},
		{"10,000 equal categories are refused, not folded", func(e *portal.Event) {
			e.DataCategories = slices.Repeat([]string{"health"}, 10000)
		}, []string{"0:data_categories"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := validEvent(1)
			tt.mod(&e)
			err := portal.ValidateEvents([]portal.Event{e}, rules, known)
			if diff := cmp.Diff(tt.want, fieldNames(err)); diff != "" {
				t.Errorf("field errors (-want +got):\n%s\n%v", diff, portal.ErrorFields(err))
			}
		})
	}
}

func TestNormalizeDedupesCategories(t *testing.T) {
	e := validEvent(1)
	e.DataCategories = []string{"health", "income", "health", "identity", "income"}
	evs := []portal.Event{e}
	if err := portal.ValidateBatch(evs, testNow, known); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"health", "income", "identity"}, evs[0].DataCategories); diff != "" {
		t.Errorf("categories (-want +got):\n%s", diff)
	}
}

func TestConfidentialityExtensionValidate(t *testing.T) {
	max := 366 * 24 * time.Hour
	tests := []struct {
		name string
		x    portal.ConfidentialityExtension
		want []string
	}{
		{"valid", portal.ConfidentialityExtension{Until: testNow.Add(max), Reason: "inquiry goes on"}, nil},
		{"past the cap", portal.ConfidentialityExtension{Until: testNow.Add(max + time.Second), Reason: "x"}, []string{"-1:until"}},
		{"in the past", portal.ConfidentialityExtension{Until: testNow.Add(-time.Second), Reason: "x"}, []string{"-1:until"}},
		{"no until, blank reason", portal.ConfidentialityExtension{Reason: "  "}, []string{"-1:until", "-1:reason"}},
		{"reason with a control character", portal.ConfidentialityExtension{Until: testNow.Add(time.Hour), Reason: "a\x00b"}, []string{"-1:reason"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.x.Validate(testNow, max)
			if diff := cmp.Diff(tt.want, fieldNames(err)); diff != "" {
				t.Errorf("field errors (-want +got):\n%s", diff)
			}
		})
	}
}

func testSpan() *portal.Span {
	return &portal.Span{TraceID: strings.Repeat("0f", 16), SpanID: strings.Repeat("1e", 8),
		ParentSpanID: strings.Repeat("2d", 8), Name: "zaak bekijken", Foreign: &portal.ForeignOperation{
			TraceID: strings.Repeat("3c", 16), SpanID: strings.Repeat("4b", 8), Entity: "https://svb.example"}}
}

// TestContentHashSpan checks that every field of an event's span counts in its hash, so a span
// sent again with other content is told from a retry.
func TestContentHashSpan(t *testing.T) {
	key := []byte("subject-key-A-0123456789abcdef01")
	e := validEvent(1)
	e.Span = testSpan()
	h := e.ContentHash(key)
	for _, name := range []string{"Span.TraceID", "Span.SpanID", "Span.ParentSpanID", "Span.Name", "Span.Failed",
		"Span.Foreign", "Span.Foreign.TraceID", "Span.Foreign.SpanID", "Span.Foreign.Entity"} {
		c := validEvent(1)
		hashMods[name](&c)
		if bytes.Equal(c.ContentHash(key), h) {
			t.Errorf("changing %s does not change the hash", name)
		}
	}
}

// TestValidateSpanEvent checks that an event from a span may leave unstated what LDV does not carry,
// while a native event still may not, and that the span's ids are checked.
func TestValidateSpanEvent(t *testing.T) {
	unstated := func(e *portal.Event) { e.Action, e.Level, e.Actor.Role, e.AccessBasis = "", "", "", "" }
	tests := []struct {
		name string
		mod  func(*portal.Event)
		want []string
	}{
		{"native, unstated", unstated, []string{"0:action", "0:level", "0:actor.role", "0:access_basis"}},
		{"span, unstated", func(e *portal.Event) { unstated(e); e.Span = testSpan() }, nil},
		{"span, invalid level", func(e *portal.Event) { e.Span = testSpan(); e.Level = "all" }, []string{"0:level"}},
		{"span, bad ids", func(e *portal.Event) {
			e.Span = &portal.Span{TraceID: strings.Repeat("0", 32), SpanID: "abc", ParentSpanID: "xyz"}
		}, []string{"0:span.trace_id", "0:span.span_id", "0:span.parent_span_id"}},
		{"span, bad foreign operation", func(e *portal.Event) {
			e.Span = testSpan()
			e.Span.Foreign = &portal.ForeignOperation{TraceID: "ABC", SpanID: strings.Repeat("0", 16), Entity: "x\x00"}
		}, []string{"0:span.foreign_operation.trace_id", "0:span.foreign_operation.span_id", "0:span.foreign_operation.entity"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := validEvent(0)
			tt.mod(&e)
			var got []string
			for _, f := range e.Validate(0, portal.EventRules{Now: testNow}, known) {
				got = append(got, fmt.Sprintf("%d:%s", f.Index, f.Field))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
		})
	}
}

// TestDedupeLeavesItsInputAlone: Dedupe keeps the first of each entry in order and never writes into
// the list it is given (two demos loading at once share their fixed lists).
func TestDedupeLeavesItsInputAlone(t *testing.T) {
	in := []string{"health", "income", "health", "debts", "income"}
	orig := slices.Clone(in)
	if got := portal.Dedupe(in); !slices.Equal(got, []string{"health", "income", "debts"}) {
		t.Errorf("Dedupe = %v", got)
	}
	if !slices.Equal(in, orig) {
		t.Errorf("Dedupe wrote into its input: %v", in)
	}
	same := []string{"a", "b"}
	if got := portal.Dedupe(same); &got[0] != &same[0] || len(got) != 2 {
		t.Error("a list without repeats is not returned as is")
	}
}

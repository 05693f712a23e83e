package portal

import (
	"slices"
	"time"
)

// Staff roles, as the identity provider's role claim names them.
const (
	RoleClerk          = "clerk"
	RoleTeamLead       = "team_lead"
	RolePrivacyOfficer = "privacy_officer"
	RoleCouncil        = "council"
)

// RequestHandlerRoles may open requests, see the citizen's data in their scope and act on them.
var RequestHandlerRoles = []string{RoleClerk, RoleTeamLead}

// HasAnyRole reports whether roles holds one of want.
func HasAnyRole(roles []string, want ...string) bool {
	for _, w := range want {
		if slices.Contains(roles, w) {
			return true
		}
	}
	return false
}

// Staff is the employee doing something, from their login.
type Staff struct {
	Sub   string
	Name  string
	Roles []string
}

// Role is the staff member's role that counts for request handling: team lead over clerk.
func (s Staff) Role() string {
	for _, r := range []string{RoleTeamLead, RoleClerk, RolePrivacyOfficer, RoleCouncil} {
		if slices.Contains(s.Roles, r) {
			return r
		}
	}
	return ""
}

// RoleLabel is how a staff role appears in the citizen's processing log.
func RoleLabel(role string) string {
	switch role {
	case RoleClerk:
		return "Medewerker privacyverzoeken"
	case RoleTeamLead:
		return "Teamleider privacyverzoeken"
	case RolePrivacyOfficer:
		return "Functionaris gegevensbescherming"
	}
	return "Medewerker"
}

// StaffView describes a staff member looking at one person's data in Inzicht itself (a clerk opening
// a case file, a signal, the privacy officer's oversight list). Every such view is recorded in the
// person's processing log: no view without its log entry.
type StaffView struct {
	By Staff
	// RoleLabel is how the staff member's role appears in the log (RoleLabel, SignalRoleLabel).
	RoleLabel    string
	Municipality string // the organization that processed
	Activity     string // the register entry the view falls under
	Level        string // "that" or "what"
	Categories   []string
	AccessBasis  string
	CaseRef      string // the request's reference, or ""
	// Span is the span Inzicht records the view under (NewSpan per page request); when empty, the
	// storage starts a new trace for the view.
	Span Span
}

// CaseVisit is how long a staff member's visit to one case lasts after the view that was recorded:
// the case page shown again after their own action (ReopenCaseFile, ReopenSignal) within it records
// no second view. The gap this leaves in the log is at most CaseVisit after a recorded view, which
// names the same person, case and data.
const CaseVisit = 15 * time.Minute

// Event is the processing event that records the view at now under the id given: action view,
// system Inzicht, the municipality and the staff member as actor, and the view's span when set. It
// carries no BSN: the storage knows whose log it goes into.
func (v StaffView) Event(id string, now time.Time) Event {
	e := Event{ID: id, OccurredAt: now, Activity: v.Activity, Action: "view", DataCategories: v.Categories,
		Level: v.Level, Actor: Actor{Organization: v.Municipality, Role: v.RoleLabel, EmployeeID: v.By.Sub,
			EmployeeName: v.By.Name}, System: "Inzicht", CaseRef: v.CaseRef, AccessBasis: v.AccessBasis}
	if v.Span.TraceID != "" {
		span := v.Span
		e.Span = &span
	}
	return e
}

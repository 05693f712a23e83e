package portal

import "slices"

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

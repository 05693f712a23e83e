package portal

import "time"

// SessionKind says who is logged in: a citizen (through DigiD) or a staff member.
type SessionKind string

// The kinds of session, as stored.
const (
	SessionCitizen SessionKind = "citizen"
	SessionStaff   SessionKind = "staff"
)

// Session is a logged-in browser. The cookie holds a random id; only its SHA-256 is stored, so a
// database read does not yield usable session cookies.
type Session struct {
	Kind       SessionKind
	SubjectID  int64  // citizens
	StaffSub   string // staff
	StaffName  string
	StaffRoles []string
	LoA        string
	CSRFToken  string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time // absolute end
	IDToken    string    // the login's ID token, for the logout hint; stored encrypted, not read back per request
	// ActingFor is the representation a citizen acts under, or "" when acting for themselves. The
	// portal checks at every request that it is still in force.
	ActingFor string
}

// LoginTTL is how long a started OpenID Connect login may take.
const LoginTTL = 10 * time.Minute

// PendingLogin holds what a login must check when the provider sends the browser back.
type PendingLogin struct {
	Kind     SessionKind
	State    string
	Nonce    string
	Verifier string
	ReturnTo string
}

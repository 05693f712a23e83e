package portal

// Issue 18: what a person wants to hear about, chosen at /instellingen.

// MessageAccessAlert is the kind of the inbox message telling a person that their data were accessed
// in a way they asked to be told about; the message's status is the AlertReason.
const MessageAccessAlert StepKind = "access_alert"

// AlertReason is why an access alert was sent.
type AlertReason string

// The access alerts a person can switch on.
const (
	AlertBreakGlass  AlertReason = "break_glass"  // emergency access (break-the-glass)
	AlertAgainstWill AlertReason = "against_will" // access on the basis of a decision against their will
	AlertNewOrg      AlertReason = "new_org"      // an organisation that never processed their data before
	AlertAny         AlertReason = "any"          // any access at all
)

// AlertReasons lists the reasons in the order the settings page shows them.
var AlertReasons = []AlertReason{AlertBreakGlass, AlertAgainstWill, AlertNewOrg, AlertAny}

// Topics of the e-mails a person can choose.
const (
	TopicRequests = "requests"
	TopicSignals  = "signals"
	TopicConsent  = "consent"
)

// NotificationSettings are a person's choices. The zero value is not the default: use
// DefaultNotificationSettings.
type NotificationSettings struct {
	EmailRequests bool
	EmailSignals  bool
	EmailConsent  bool
	// Alerts holds the access alerts switched on.
	Alerts map[AlertReason]bool
	// AlertEmail: an access alert sends an e-mail too (with a confirmed address).
	AlertEmail bool
}

// DefaultNotificationSettings are the choices of a person who never chose: every e-mail on (it goes
// out only once an address is confirmed) and no access alert.
func DefaultNotificationSettings() NotificationSettings {
	return NotificationSettings{EmailRequests: true, EmailSignals: true, EmailConsent: true,
		Alerts: map[AlertReason]bool{}, AlertEmail: true}
}

// AnyAlert reports whether any access alert is on.
func (s NotificationSettings) AnyAlert() bool {
	for _, r := range AlertReasons {
		if s.Alerts[r] {
			return true
		}
	}
	return false
}

// AlertFor is the reason an event earns an alert under these settings, or "" for none. newOrg says
// whether the event's organisation never processed the person's data before. The most specific
// reason wins: break-the-glass, against the will, new organisation, any.
func (s NotificationSettings) AlertFor(e *Event, newOrg bool) AlertReason {
	switch {
	case s.Alerts[AlertBreakGlass] && e.AccessBasis == BasisBreakGlass:
		return AlertBreakGlass
	case s.Alerts[AlertAgainstWill] && e.AccessBasis == BasisAgainstWill:
		return AlertAgainstWill
	case s.Alerts[AlertNewOrg] && newOrg:
		return AlertNewOrg
	case s.Alerts[AlertAny]:
		return AlertAny
	}
	return ""
}

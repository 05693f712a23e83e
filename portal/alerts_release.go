package portal

import "time"

// Issue 18: access alerts for lines that were kept from the person for a while (confidential_until)
// and are now visible. They are raised by the periodic sweep (AlertReleasedLines in storage), at most
// once per line and person, under the person's choices at that moment, and only for lines released
// after the person last changed their alert choices.

// AlertReleased is the status of the access alert message about a line whose confidentiality ended;
// its note holds the reason (AlertReason) that made it alert. It is not a choice on the settings page.
const AlertReleased AlertReason = "released"

// AlertMailQuiet is how long an unread access alert keeps further alerts from sending another e-mail:
// the e-mail says only that there is a new message, which the person has not read yet. Each alert
// still gets its own inbox message.
const AlertMailQuiet = 24 * time.Hour

// ReleaseAlertResult counts what one release-alert sweep did.
type ReleaseAlertResult struct {
	Alerted int // messages written
}

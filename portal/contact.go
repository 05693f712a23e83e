package portal

import "strings"

// Contact is how a citizen reaches the municipality's team behind Inzicht (the privacy team): shown
// in the portal's footer and contact page and in the letters' sign-off. Every field is optional; a
// field left empty is left out, never shown as an empty label.
type Contact struct {
	Phone   string // e.g. "14 0XX"
	Email   string // e.g. "privacy@voorbeeldstad.nl"
	Address string // postal address on one line, e.g. "Postbus 100, 1234 AB Voorbeeldstad"
	Hours   string // opening hours in the municipality's words, e.g. "maandag tot en met vrijdag 9.00–17.00 uur"
}

// Set reports whether any way to reach the team is configured.
func (c Contact) Set() bool {
	return strings.TrimSpace(c.Phone+c.Email+c.Address+c.Hours) != ""
}

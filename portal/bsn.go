package portal

import (
	"regexp"
	"strings"
)

// ValidBSN reports whether s is a burgerservicenummer: exactly nine digits passing the 11-proef
// (9·d1 + 8·d2 + … + 2·d8 − 1·d9 divisible by 11), and not all zeros.
func ValidBSN(s string) bool {
	if len(s) != 9 {
		return false
	}
	sum := 0
	zero := true
	for i := 0; i < 9; i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return false
		}
		d := int(c - '0')
		if d != 0 {
			zero = false
		}
		if i == 8 {
			sum -= d
		} else {
			sum += (9 - i) * d
		}
	}
	return !zero && sum%11 == 0
}

// MaskBSN shows only the last four digits: "*****1234". Anything that is not a nine-digit string
// is masked entirely.
func MaskBSN(s string) string {
	if len(s) != 9 {
		return "*********"
	}
	return "*****" + s[5:]
}

// MsgBSNInText is the field message for free text that holds what looks like a BSN.
const MsgBSNInText = "holds what looks like a BSN: leave it out"

// digitGroups finds numbers written in groups separated by single spaces, dots or hyphens.
var digitGroups = regexp.MustCompile(`[0-9]+(?:[ .-][0-9]+)*`)

// HoldsBSN reports whether free text s holds what looks like a burgerservicenummer: nine digits
// passing the 11-proef, written as one number ("999993653") or in groups separated by single spaces,
// dots or hyphens ("999 993 653", "9999.93.653"), also right after a word ("BSN999993653"). Nine
// digits inside a longer number (a phone number, the account number in an IBAN) do not count: that is
// not how people write a BSN, and refusing them would refuse ordinary text.
func HoldsBSN(s string) bool {
	for _, loc := range digitGroups.FindAllStringIndex(s, -1) {
		groups := strings.FieldsFunc(s[loc[0]:loc[1]], func(r rune) bool { return r == ' ' || r == '.' || r == '-' })
		for i := range groups {
			var b strings.Builder
			for j := i; j < len(groups) && b.Len() < 9; j++ {
				b.WriteString(groups[j])
				if b.Len() == 9 && ValidBSN(b.String()) {
					return true
				}
			}
		}
	}
	return false
}

// containsBSNDigits is HoldsBSN that also looks inside longer runs of digits: for short identifying
// texts (a note, a court order's reference) where any nine-digit window passing the 11-proef is
// suspect.
func containsBSNDigits(s string) bool {
	if HoldsBSN(s) {
		return true
	}
	for _, run := range nineDigits.FindAllString(s, -1) {
		for i := 0; i+9 <= len(run); i++ {
			if ValidBSN(run[i : i+9]) {
				return true
			}
		}
	}
	return false
}

var nineDigits = regexp.MustCompile(`[0-9]{9,}`)

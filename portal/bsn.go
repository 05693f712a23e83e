package portal

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

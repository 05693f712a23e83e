package web

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/inzicht/inzicht/portal"
)

// siteInfo is what the layout shows of the municipality on every page: its name, its logo and the
// team's contact. It is built once from the configuration.
type siteInfo struct {
	Municipality string
	LogoURL      string // "" = no logo: the header shows the name as text
	Contact      portal.Contact
	PhoneHref    string // the phone number for a tel: link (digits and +); "" = no link
}

func newSiteInfo(cfg Config) *siteInfo {
	si := &siteInfo{Municipality: cfg.Municipality, Contact: cfg.Contact}
	var tel strings.Builder
	for _, ch := range cfg.Contact.Phone {
		if ch == '+' || (ch >= '0' && ch <= '9') {
			tel.WriteRune(ch)
		} else if ch != ' ' && ch != '-' && ch != '(' && ch != ')' && ch != '.' {
			tel.Reset() // a placeholder such as "14 0XX" is no number to dial
			break
		}
	}
	si.PhoneHref = tel.String()
	if len(cfg.Logo) > 0 {
		ext := ".png"
		if cfg.LogoType == "image/svg+xml" {
			ext = ".svg"
		}
		sum := sha256.Sum256(cfg.Logo)
		// The address changes with the file, so the logo can be cached for a year.
		si.LogoURL = "/logo/" + hex.EncodeToString(sum[:8]) + ext
	}
	return si
}

// logo serves the municipality's logo under an address that names its content.
func (s *server) logo(c *fiber.Ctx) error {
	h := &c.Response().Header
	h.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
	// An SVG opened on its own must not run anything.
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; sandbox")
	c.Set(fiber.HeaderContentType, s.cfg.LogoType)
	return c.Send(s.cfg.Logo)
}

// accessibilityChecked is the date of the accessibility statement: when the portal was last checked
// as the statement describes. Update it with the statement.
func accessibilityChecked() time.Time {
	return time.Date(2026, time.December, 1, 12, 0, 0, 0, portal.Amsterdam)
}

// infoData is the data of the public help and statement pages.
type infoData struct {
	pageBase
	Bases   []string  // every access basis, in display order (help)
	Checked time.Time // the date of the accessibility statement
	// IdleMinutes and MaxHours are the session limits the privacy statement names.
	IdleMinutes, MaxHours int
}

// infoPage renders one of the public pages (help, privacy, toegankelijkheid, contact): open to
// everyone, with or without a session, and recording nothing.
func (s *server) infoPage(name string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		return s.page(c, name, s.t(lang(c), "info."+name+".title"),
			&infoData{Bases: portal.AccessBases, Checked: accessibilityChecked(),
				IdleMinutes: int(s.cfg.IdleTimeout.Minutes()), MaxHours: int(s.cfg.AbsoluteTimeout.Hours())})
	}
}

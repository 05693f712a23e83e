package web

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/inzicht/inzicht/portal"
)

// primaryCookie marks a browser that changed something a moment ago: its pages read the primary
// until the cookie expires (Config.ReadYourWrites), so a citizen who files a request sees it at once
// even when the read replica lags.
const primaryCookie = "__Host-inzicht_primary"

// readPreference lets the storage read a GET or HEAD request's data from the read replica
// (portal.AllowReplica), unless the browser changed something within Config.ReadYourWrites: after a
// POST (and a login, whose callback writes the session) it sets primaryCookie for that long. The
// storage decides per query whether the replica is used at all (configured, reachable, not lagging
// more than its bound). Without ReadYourWrites (no replica configured) it does nothing.
func (s *server) readPreference(c *fiber.Ctx) error {
	if s.cfg.ReadYourWrites <= 0 {
		return c.Next()
	}
	m := c.Method()
	if (m == fiber.MethodGet || m == fiber.MethodHead) && !strings.HasSuffix(c.Path(), "/callback") {
		if c.Cookies(primaryCookie) == "" {
			c.SetUserContext(portal.AllowReplica(c.UserContext()))
		}
		return c.Next()
	}
	err := c.Next()
	s.setCookie(c, primaryCookie, "1", int(s.cfg.ReadYourWrites.Seconds()+0.999))
	return err
}

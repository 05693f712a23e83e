package web

import (
	"context"
	"errors"
	"math"
	"net/url"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/inzicht/inzicht/portal"
)

// emailStore keeps the address a citizen confirmed for notifications.
type emailStore interface {
	EmailStatus(ctx context.Context, subjectID int64) (portal.EmailStatus, error)
	ConfirmEmail(ctx context.Context, subjectID int64, token string) error
}

// limitMessage is the text for a person who reached a filing limit: what the limit is and when they
// can file again. ok is false when err is not a limit.
func (s *server) limitMessage(l string, err error) (msg string, retryAt time.Time, ok bool) {
	var le *portal.LimitError
	if !errors.As(err, &le) {
		return "", time.Time{}, false
	}
	window := s.t(l, "limit.window.hours", int(math.Ceil(le.Limit.Window.Hours())))
	return s.t(l, "limit."+string(le.Kind), window, le.Limit.Max, FormatDateTime(l, le.RetryAt)), le.RetryAt, true
}

// setRetryAfter tells the client in how many seconds it may try again.
func (s *server) setRetryAfter(c *fiber.Ctx, at time.Time) {
	secs := int(math.Ceil(at.Sub(s.deps.Now()).Seconds()))
	c.Set(fiber.HeaderRetryAfter, strconv.Itoa(max(secs, 1)))
}

// confirmEmailPage is where the link in a confirmation mail leads. It changes nothing (GET never
// changes state, and mail scanners follow links): a logged-in citizen gets a button that posts the
// token; anyone else is asked to log in first. Confirming needs the login of the same citizen who
// gave the address, so someone who merely receives the mail (the address was mistyped, or given
// to make the municipality write to a stranger) cannot confirm it, and a token of citizen A is
// worthless in citizen B's session.
func (s *server) confirmEmailPage(c *fiber.Ctx) error {
	l := lang(c)
	data := fiber.Map{}
	sess, ok := session(c)
	switch {
	case !ok || sess.Kind != portal.SessionCitizen:
		// After logging in, the citizen comes back here with the link's token.
		data["NeedLogin"] = true
		if tok := c.Query("token"); tok != "" && len(tok) <= 128 {
			s.setCookie(c, returnCookie, "/email/bevestigen?"+url.Values{"token": {tok}}.Encode(), int(portal.LoginTTL.Seconds()))
		}
	case c.Query("klaar") == "1":
		st, err := s.emailStore.EmailStatus(c.UserContext(), sess.Self)
		if err != nil {
			return err
		}
		data["Done"] = st.Confirmed
		data["Failed"] = !st.Confirmed
	default:
		data["Token"] = c.Query("token")
	}
	return s.page(c, "email_bevestigen", s.t(l, "email.confirm.title"), data)
}

// confirmEmail confirms the logged-in citizen's address with the posted token.
func (s *server) confirmEmail(c *fiber.Ctx) error {
	sess, _ := session(c)
	if sess.Acting != nil {
		// The address is the person's own: only they confirm it, never a representative.
		return portal.Errorf(portal.EFORBIDDEN, "switch back to yourself to confirm your own address")
	}
	err := s.emailStore.ConfirmEmail(c.UserContext(), sess.Self, c.FormValue("token"))
	if portal.ErrorCode(err) == portal.ENOTFOUND {
		c.Status(fiber.StatusNotFound)
		return s.page(c, "email_bevestigen", s.t(lang(c), "email.confirm.title"), fiber.Map{"Failed": true})
	}
	if err != nil {
		return err
	}
	s.deps.Log.Info("notification address confirmed")
	return c.Redirect("/email/bevestigen?klaar=1", fiber.StatusSeeOther)
}

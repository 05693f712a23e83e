package web

import (
	"context"
	"errors"

	"github.com/gofiber/fiber/v2"

	"github.com/inzicht/inzicht/portal"
)

// settingsStore keeps a citizen's notification address and choices (issue 18).
type settingsStore interface {
	EmailStatus(ctx context.Context, subjectID int64) (portal.EmailStatus, error)
	EmailAddress(ctx context.Context, subjectID int64) (string, error)
	SetEmail(ctx context.Context, subjectID int64, addr string) error
	DeleteEmail(ctx context.Context, subjectID int64) error
	NotificationSettings(ctx context.Context, subjectID int64) (portal.NotificationSettings, error)
	SetNotificationSettings(ctx context.Context, subjectID int64, s portal.NotificationSettings) error
}

// settingsPage is /instellingen: the citizen's own notification address and choices.
type settingsPage struct {
	pageBase
	Acting      bool // a representative: only an explanation
	MailEnabled bool
	Status      portal.EmailStatus
	Address     string
	Typed       string // the address as typed, shown again with an error
	Settings    portal.NotificationSettings
	Reasons     []portal.AlertReason
	Done        string // what was just saved: "email", "deleted", "choices"
	Error       string
}

func (s *server) renderSettings(c *fiber.Ctx, data *settingsPage, status int) error {
	sess, _ := session(c)
	l := lang(c)
	data.MailEnabled, data.Reasons = s.cfg.MailEnabled, portal.AlertReasons
	if sess.Acting != nil {
		data.Acting = true
		return s.page(c, "instellingen", s.t(l, "set.title"), data)
	}
	ctx := c.UserContext()
	var err error
	if data.Status, err = s.settingsStore.EmailStatus(ctx, sess.Self); err != nil {
		return err
	}
	if data.Address, err = s.settingsStore.EmailAddress(ctx, sess.Self); err != nil {
		return err
	}
	if data.Settings, err = s.settingsStore.NotificationSettings(ctx, sess.Self); err != nil {
		return err
	}
	c.Status(status)
	return s.page(c, "instellingen", s.t(l, "set.title"), data)
}

func (s *server) settings(c *fiber.Ctx) error {
	done := c.Query("klaar")
	switch done {
	case "email", "deleted", "choices":
	default:
		done = ""
	}
	return s.renderSettings(c, &settingsPage{Done: done}, fiber.StatusOK)
}

// ownSettings refuses a representative: the address and the choices are the person's own.
func ownSettings(c *fiber.Ctx) error {
	if sess, _ := session(c); sess.Acting != nil {
		return portal.Errorf(portal.EFORBIDDEN, "switch back to yourself to change your own settings")
	}
	return c.Next()
}

// setEmail adds or changes the citizen's address; a confirmation mail with a link goes to it.
func (s *server) setEmail(c *fiber.Ctx) error {
	sess, _ := session(c)
	l := lang(c)
	if !s.cfg.MailEnabled {
		return portal.Errorf(portal.EINVALID, "this municipality sends no e-mail")
	}
	typed := c.FormValue("email")
	err := s.settingsStore.SetEmail(c.UserContext(), sess.Self, typed)
	if err == nil {
		s.deps.Log.Info("notification address set")
		return c.Redirect("/instellingen?klaar=email", fiber.StatusSeeOther)
	}
	if msg, at, ok := s.limitMessage(l, err); ok {
		s.setRetryAfter(c, at)
		return s.renderSettings(c, &settingsPage{Typed: typed, Error: msg}, fiber.StatusTooManyRequests)
	}
	var pe *portal.Error
	if portal.ErrorCode(err) == portal.EINVALID && errors.As(err, &pe) {
		return s.renderSettings(c, &settingsPage{Typed: typed, Error: s.t(l, "set.email.invalid")}, fiber.StatusUnprocessableEntity)
	}
	return err
}

// deleteEmail removes the citizen's address: no e-mail goes out any more. Without one it changes
// nothing (a second click, or the back button and the button again).
func (s *server) deleteEmail(c *fiber.Ctx) error {
	sess, _ := session(c)
	if err := s.settingsStore.DeleteEmail(c.UserContext(), sess.Self); err != nil {
		return err
	}
	s.deps.Log.Info("notification address deleted")
	return c.Redirect("/instellingen?klaar=deleted", fiber.StatusSeeOther)
}

// saveChoices stores what the citizen wants to hear about.
func (s *server) saveChoices(c *fiber.Ctx) error {
	sess, _ := session(c)
	on := func(name string) bool { return c.FormValue(name) == "1" }
	st := portal.NotificationSettings{EmailRequests: on("mail_requests"), EmailSignals: on("mail_signals"),
		EmailConsent: on("mail_consent"), AlertEmail: on("alert_email"), Alerts: map[portal.AlertReason]bool{}}
	for _, r := range portal.AlertReasons {
		st.Alerts[r] = on("alert_" + string(r))
	}
	if err := s.settingsStore.SetNotificationSettings(c.UserContext(), sess.Self, st); err != nil {
		return err
	}
	s.deps.Log.Info("notification choices saved")
	return c.Redirect("/instellingen?klaar=choices", fiber.StatusSeeOther)
}

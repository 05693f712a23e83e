package web

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/inzicht/inzicht/portal"
	"github.com/inzicht/inzicht/portal/oidcrp"
)

// sessionStore keeps logins in progress, the sessions they become, and the subject a citizen's login resolves to.
type sessionStore interface {
	EnsureSubject(ctx context.Context, bsn string) (int64, error)
	CreateSession(ctx context.Context, rawID string, s portal.Session) error
	Session(ctx context.Context, rawID string, idle time.Duration) (portal.Session, error)
	// SessionWithUnread is Session with the unread messages of the session's citizen themselves, in
	// one round trip (the menu of every citizen's page shows that number).
	SessionWithUnread(ctx context.Context, rawID string, idle time.Duration) (portal.Session, int, error)
	DeleteSession(ctx context.Context, rawID string) error
	EndSession(ctx context.Context, rawID string) (idToken string, err error)
	CreateLogin(ctx context.Context, rawID string, l portal.PendingLogin) error
	TakeLogin(ctx context.Context, rawID string) (portal.PendingLogin, error)
}

type sessionLocal struct{}

type liveSession struct {
	portal.Session
	rawID string
	// Self is the logged-in citizen's own subject id. SubjectID is whose data the pages show: Self,
	// or the represented person's while Acting.
	Self int64
	// Acting is set while a citizen acts for someone else (portal.Session.ActingFor), checked at
	// every request: nil when they act for themselves.
	Acting *portal.Acting
	// ActingEnded is set on the request in which a representation the session acted under was found
	// no longer in force; the session then acts for the citizen themselves again.
	ActingEnded bool
	// unread is the citizen's own unread messages, read with the session; unreadOK says it holds for
	// the pages this request shows (a citizen acting for themselves; see server.page).
	unread   int
	unreadOK bool
}

// session returns the request's live session, if any.
func session(c *fiber.Ctx) (liveSession, bool) {
	s, ok := c.Locals(sessionLocal{}).(liveSession)
	return s, ok
}

// loadSession resolves the session cookie; an expired or unknown one is cleared.
func (s *server) loadSession(c *fiber.Ctx) error {
	raw := c.Cookies(sessionCookie)
	if raw == "" {
		return c.Next()
	}
	sess, unread, err := s.sessionStore.SessionWithUnread(c.UserContext(), raw, s.cfg.IdleTimeout)
	if portal.ErrorCode(err) == portal.ENOTFOUND {
		s.clearCookie(c, sessionCookie)
		return c.Next()
	}
	if err != nil {
		return err
	}
	live := liveSession{Session: sess, rawID: raw, Self: sess.SubjectID, unread: unread}
	if sess.Kind == portal.SessionCitizen && sess.ActingFor != "" {
		if err := s.resolveActing(c, &live); err != nil {
			return err
		}
	}
	// The count read with the session is the menu's number when the pages show the citizen's own
	// inbox, and only in a request that changes nothing (GET never changes state): a form's answer may
	// have just added or read messages, and then page asks again.
	live.unreadOK = sess.Kind == portal.SessionCitizen && live.Acting == nil && (c.Method() == fiber.MethodGet || c.Method() == fiber.MethodHead)
	c.Locals(sessionLocal{}, live)
	return c.Next()
}

// resolveActing checks, at every request, that the representation a session acts under is still the
// citizen's and in force (not ended, within its dates, not ended by the age rules); then the pages
// show the represented person's data. Otherwise the session acts for the citizen themselves again.
func (s *server) resolveActing(c *fiber.Ctx, live *liveSession) error {
	rep, err := s.repStore.RepresentationForPortal(c.UserContext(), live.ActingFor)
	if err != nil && portal.ErrorCode(err) != portal.ENOTFOUND {
		return err
	}
	if err == nil && rep.RepresentativeID == live.Self && rep.ActiveAt(s.deps.Now()) {
		live.Acting = &portal.Acting{Rep: rep, ActorID: live.Self}
		live.SubjectID = rep.SubjectID
		return nil
	}
	if err := s.repStore.SetSessionActing(c.UserContext(), live.rawID, ""); err != nil {
		return err
	}
	live.ActingFor, live.ActingEnded = "", true
	return nil
}

func (s *server) setCookie(c *fiber.Ctx, name, value string, maxAge int) {
	c.Cookie(&fiber.Cookie{Name: name, Value: value, Path: "/", Secure: true, HTTPOnly: true, SameSite: "Lax", MaxAge: maxAge})
}

func (s *server) clearCookie(c *fiber.Ctx, name string) {
	// A __Host- cookie is only replaced by one with the same attributes, so set them all again.
	c.Cookie(&fiber.Cookie{Name: name, Value: "", Path: "/", Secure: true, HTTPOnly: true, SameSite: "Lax",
		Expires: time.Unix(1, 0)})
}

// requireCitizen lets only a citizen's session through; others are sent to the login.
func (s *server) requireCitizen(c *fiber.Ctx) error {
	if sess, ok := session(c); ok && sess.Kind == portal.SessionCitizen {
		return c.Next()
	}
	if _, ok := session(c); ok {
		return portal.Errorf(portal.EFORBIDDEN, "citizens only")
	}
	return c.Redirect("/inloggen", fiber.StatusSeeOther)
}

// requireStaff lets only a staff session through.
func (s *server) requireStaff(c *fiber.Ctx) error {
	if sess, ok := session(c); ok && sess.Kind == portal.SessionStaff {
		return c.Next()
	}
	if _, ok := session(c); ok {
		return portal.Errorf(portal.EFORBIDDEN, "staff only")
	}
	return c.Redirect("/medewerker/inloggen", fiber.StatusSeeOther)
}

func (s *server) requireAny(c *fiber.Ctx) error {
	if _, ok := session(c); ok {
		return c.Next()
	}
	return c.Redirect("/", fiber.StatusSeeOther)
}

// checkCSRF compares the form's token with the session's (synchronizer token pattern). The token is
// taken from the form body or the X-CSRF-Token header only: in a query string it would leak through
// logs, history and Referer, and a crafted link could carry it.
func (s *server) checkCSRF(c *fiber.Ctx) error {
	sess, ok := session(c)
	tok := csrfToken(c)
	if !ok || tok == "" || subtle.ConstantTimeCompare([]byte(tok), []byte(sess.CSRFToken)) != 1 {
		return portal.Errorf(portal.EFORBIDDEN, "missing or wrong CSRF token")
	}
	return c.Next()
}

func csrfToken(c *fiber.Ctx) string {
	if h := c.Get("X-CSRF-Token"); h != "" {
		return h
	}
	if v := c.Request().PostArgs().Peek("csrf"); len(v) > 0 {
		return string(v)
	}
	if strings.HasPrefix(c.Get(fiber.HeaderContentType), fiber.MIMEMultipartForm) {
		if f, err := c.MultipartForm(); err == nil && len(f.Value["csrf"]) > 0 {
			return f.Value["csrf"][0]
		}
	}
	return ""
}

func (s *server) rp(kind portal.SessionKind) *oidcrp.RP {
	if kind == portal.SessionStaff {
		return s.deps.StaffRP
	}
	return s.deps.CitizenRP
}

// startLogin begins the code flow: fresh state, nonce and PKCE verifier, bound to this browser by a
// short-lived cookie whose hash keys the pending login.
func (s *server) startLogin(kind portal.SessionKind) fiber.Handler {
	return func(c *fiber.Ctx) error {
		rp := s.rp(kind)
		if rp == nil {
			return portal.Errorf(portal.ENOTFOUND, "no %s login configured", kind)
		}
		p := oidcrp.NewPending()
		u, err := rp.AuthURL(c.UserContext(), p)
		if err != nil {
			return err
		}
		raw := oidcrp.Random()
		if err := s.sessionStore.CreateLogin(c.UserContext(), raw, portal.PendingLogin{Kind: kind, State: p.State,
			Nonce: p.Nonce, Verifier: p.Verifier}); err != nil {
			return err
		}
		s.setCookie(c, loginCookie, raw, int(portal.LoginTTL.Seconds()))
		return c.Redirect(u, fiber.StatusSeeOther)
	}
}

// finishLogin checks what the provider sent back and makes a new session.
func (s *server) finishLogin(c *fiber.Ctx) error {
	ctx := c.UserContext()
	l := lang(c)
	raw := c.Cookies(loginCookie)
	s.clearCookie(c, loginCookie)
	fail := func(status int, msg string, cause error) error {
		s.deps.Log.Warn("web: login refused", "reason", cause.Error())
		c.Status(status)
		return s.page(c, "error", s.t(l, "error.title"), fiber.Map{"Status": status, "Message": msg, "Login": true})
	}
	if raw == "" {
		return fail(fiber.StatusBadRequest, s.t(l, "login.failed"), errors.New("no login cookie"))
	}
	pending, err := s.sessionStore.TakeLogin(ctx, raw)
	if err != nil {
		if portal.ErrorCode(err) == portal.ENOTFOUND {
			return fail(fiber.StatusBadRequest, s.t(l, "login.failed"), errors.New("no pending login"))
		}
		return err
	}
	if e := c.Query("error"); e != "" {
		return fail(fiber.StatusUnauthorized, s.t(l, "login.failed"), fmt.Errorf("provider error %q", truncate(e, 64)))
	}
	rp := s.rp(pending.Kind)
	if rp == nil {
		return fail(fiber.StatusBadRequest, s.t(l, "login.failed"), errors.New("login kind not configured"))
	}
	claims, idToken, err := rp.ExchangeToken(ctx, oidcrp.Pending{State: pending.State, Nonce: pending.Nonce, Verifier: pending.Verifier},
		c.Query("state"), c.Query("code"))
	if err != nil {
		return fail(fiber.StatusUnauthorized, s.t(l, "login.failed"), err)
	}
	now := s.deps.Now()
	sess := portal.Session{Kind: pending.Kind, CSRFToken: oidcrp.Random(), CreatedAt: now,
		ExpiresAt: now.Add(s.cfg.AbsoluteTimeout), IDToken: idToken}
	dest := "/overzicht"
	var acting *portal.StoredRepresentation // the representation the login acts under, if any
	if pending.Kind == portal.SessionStaff {
		sess.StaffSub, sess.StaffName, sess.StaffRoles = oidcrp.Staff(claims, s.cfg.StaffRolesClaim)
		if sess.StaffSub == "" || len(sess.StaffRoles) == 0 {
			return fail(fiber.StatusForbidden, s.t(l, "error.403"), errors.New("staff token without subject or roles"))
		}
		dest = "/medewerker"
	} else {
		cl, err := s.cfg.Citizen.Login(claims)
		loa := cl.LoA
		switch {
		case errors.Is(err, oidcrp.ErrLowLoA):
			min := s.cfg.Citizen.MinLoA
			if min == portal.LoAUnknown {
				min = portal.LoASubstantieel
			}
			return fail(fiber.StatusForbidden, s.t(l, "login.lowloa", loa.String(), min.String()), err)
		case errors.Is(err, oidcrp.ErrActingBSN):
			return fail(fiber.StatusForbidden, s.t(l, "login.acting.badbsn"), err)
		case errors.Is(err, oidcrp.ErrActingService):
			return fail(fiber.StatusForbidden, s.t(l, "login.acting.service"), err)
		case err != nil:
			return fail(fiber.StatusForbidden, s.t(l, "login.badbsn"), err)
		}
		sess.SubjectID, err = s.sessionStore.EnsureSubject(ctx, cl.BSN)
		if err != nil {
			return err
		}
		sess.LoA = loa.String()
		// Acting on behalf of someone (DigiD Machtigen style): only under a representation the
		// municipality registered and that is in force now.
		if cl.ActingBSN != "" {
			rep, err := s.actingAtLogin(ctx, sess.SubjectID, cl.ActingBSN)
			if portal.ErrorCode(err) == portal.ENOTFOUND {
				return fail(fiber.StatusForbidden, s.t(l, "login.acting.unknown"), errors.New("acting-on-behalf claim without a representation in force"))
			}
			if err != nil {
				return err
			}
			sess.ActingFor, acting, dest = rep.ID, &rep, firstPart(rep.Representation)
		} else if n, err := s.actableCount(ctx, sess.SubjectID); err != nil {
			return err
		} else if n > 0 {
			// Someone who may act for others chooses first whose data to see.
			dest = "/namens"
		}
	}
	// A new session id at every login: a session fixed before login is never promoted.
	if old, ok := session(c); ok {
		_ = s.sessionStore.DeleteSession(ctx, old.rawID)
	}
	id := oidcrp.Random()
	if err := s.sessionStore.CreateSession(ctx, id, sess); err != nil {
		return err
	}
	if acting != nil {
		// As for every act: no acting session without its record in the represented person's log.
		if err := s.recordLoginActing(c, sess.SubjectID, *acting); err != nil {
			_ = s.sessionStore.DeleteSession(ctx, id)
			return err
		}
	}
	s.setCookie(c, sessionCookie, id, 0)
	if back := c.Cookies(returnCookie); back != "" {
		s.clearCookie(c, returnCookie)
		// Only the confirmation link comes back this way; no other page needs it.
		if p := localPath(back); strings.HasPrefix(p, "/email/bevestigen?") && pending.Kind == portal.SessionCitizen && acting == nil {
			dest = p
		}
	}
	return c.Redirect(dest, fiber.StatusSeeOther)
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

func (s *server) logoutPage(c *fiber.Ctx) error {
	return s.page(c, "logout", s.t(lang(c), "logout.title"), nil)
}

// logout destroys the session server-side and, when the provider offers it, ends the session there.
func (s *server) logout(c *fiber.Ctx) error {
	sess, _ := session(c)
	idToken, err := s.sessionStore.EndSession(c.UserContext(), sess.rawID)
	if err != nil {
		return err
	}
	s.clearCookie(c, sessionCookie)
	forgetLogQuery(c)
	back := s.cfg.BaseURL + "/uitgelogd"
	if rp := s.rp(sess.Kind); rp != nil {
		if u := rp.EndSessionURL(c.UserContext(), back, idToken); u != "" {
			return c.Redirect(u, fiber.StatusSeeOther)
		}
	}
	return c.Redirect("/uitgelogd", fiber.StatusSeeOther)
}

func (s *server) loggedOut(c *fiber.Ctx) error {
	return s.page(c, "loggedout", s.t(lang(c), "loggedout.title"), nil)
}

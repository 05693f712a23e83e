// Package web is the citizen-facing portal: server-rendered pages in Dutch and English, the DigiD
// login, sessions and the security headers every page carries.
package web

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/gofiber/fiber/v2/middleware/filesystem"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/gofiber/template/html/v2"

	"github.com/inzicht/inzicht/portal"
	"github.com/inzicht/inzicht/portal/httpbody"
	"github.com/inzicht/inzicht/portal/i18n"
	"github.com/inzicht/inzicht/portal/oidcrp"
	"github.com/inzicht/inzicht/portal/pdfexport"
	"github.com/inzicht/inzicht/portal/ratelimit"
	"github.com/inzicht/inzicht/portal/tracectx"
	"github.com/inzicht/inzicht/static"
	"github.com/inzicht/inzicht/views"
)

// healthStore is what the readiness probe checks.
type healthStore interface {
	Ping(ctx context.Context) error
	SchemaUpToDate(ctx context.Context) (bool, error)
}

// Store is everything the portal needs from storage. Each feature declares its part beside the
// handlers that use it (sessionStore in auth.go, logStore in pages.go, signalStore in signals.go, …);
// the server keeps each part in its own field, so a handler file shows what it reaches.
type Store interface {
	healthStore
	sessionStore
	logStore
	requestStore
	inboxStore
	emailStore
	caseStore
	signalStore
	consentStore
	statsStore
	oversightStore
	repStore
	teamLeadStore
	noteStore
	settingsStore
	vlogStore
}

// Config holds the portal's settings.
type Config struct {
	BaseURL         string // public URL, e.g. https://inzicht.gemeente.nl
	Production      bool   // HSTS and strict checks
	Municipality    string // in the header, the help and statement pages and the documents
	ShowEmployee    bool   // show employees' names (INZICHT_SHOW_EMPLOYEE=name)
	IdleTimeout     time.Duration
	AbsoluteTimeout time.Duration
	Citizen         oidcrp.CitizenClaims
	StaffRolesClaim string
	LoginRate       int      // login attempts per minute per address
	FormActions     []string // extra origins forms may lead to (the identity providers)
	// TrustedProxies are the addresses (or CIDR ranges) of the reverse proxies in front of the portal;
	// only from them is X-Forwarded-For believed, so rate limits count citizens, not the proxy.
	TrustedProxies []string
	// MetricsToken, when set, is required as a bearer token on /metrics. Without it /metrics is
	// served only outside production.
	MetricsToken string
	// RequestTimeout bounds the database work of one request (default 15 s).
	RequestTimeout time.Duration
	// MailEnabled offers citizens e-mail notifications (an SMTP server is configured).
	MailEnabled bool
	// Signals are the periods of signal handling (deferral approval, longest deferral, …).
	Signals portal.SignalPolicy
	// SuppressBelow hides published counts below it (default 5).
	SuppressBelow int
	// Contact is the team's phone, e-mail, address and hours: in the footer, on /contact and in the
	// letters. Empty fields are left out.
	Contact portal.Contact
	// Logo, when set, is the municipality's logo (LogoType image/svg+xml or image/png), served under
	// /logo/<hash> with a long cache and shown in the header instead of the name as text.
	Logo     []byte
	LogoType string
	// LogVerifierKey is the note verifier key of the verifiable log's checkpoints, published at
	// /log/key ("" = not published).
	LogVerifierKey string
	// ReadYourWrites, when set (a read replica is configured), is how long after a browser's own
	// change its pages read the primary instead of the replica (see readPreference).
	ReadYourWrites time.Duration
}

// Deps are the portal's collaborators.
type Deps struct {
	Store     Store
	CitizenRP *oidcrp.RP
	StaffRP   *oidcrp.RP // may be nil: no staff login
	API       *fiber.App // mounted at /api/v1 when not nil, under the portal's limits (see New)
	DevIDP    http.Handler
	DevMail   http.Handler // the demo's mail catcher, mounted at /dev-mail (demo only)
	Metrics   http.Handler // served at /metrics when not nil
	Log       *slog.Logger
	Now       func() time.Time
	Catalog   *i18n.Catalog // the texts; loaded from the embedded catalogue when nil
	// RateCounter keeps the login rate limit's counts; nil counts in this process only. cmd/inzicht
	// gives the PostgreSQL counter, so several portal processes share one limit.
	RateCounter ratelimit.Counter
}

// Cookie names. The __Host- prefix makes browsers insist on Secure, Path=/ and no Domain.
const (
	sessionCookie = "__Host-inzicht_session"
	loginCookie   = "__Host-inzicht_login"
	langCookie    = "__Host-inzicht_lang"
	// returnCookie holds the confirmation link to go back to after the next login.
	returnCookie = "__Host-inzicht_return"
)

type server struct {
	cfg  Config
	deps Deps
	csp  string
	cat  *i18n.Catalog
	pdf  *pdfexport.Exporter
	site *siteInfo // the municipality, its logo and the team's contact, for the layout
	// rowLabels are the labels of a log line, per language (rows.go).
	rowLabels map[string]*RowLabels

	// The parts of deps.Store, one per feature.
	healthStore    healthStore
	sessionStore   sessionStore
	logStore       logStore
	requestStore   requestStore
	inboxStore     inboxStore
	emailStore     emailStore
	caseStore      caseStore
	signalStore    signalStore
	consentStore   consentStore
	statsStore     statsStore
	oversightStore oversightStore
	repStore       repStore
	teamLeadStore  teamLeadStore
	noteStore      noteStore
	settingsStore  settingsStore
}

// New builds the portal's HTTP application: its pages, and the development identity provider (and,
// when Deps.API is set, the API) mounted beside them. A mounted API lives under the portal's server
// settings and body limit, because Fiber's Mount keeps none of the sub-app's; cmd/inzicht therefore
// leaves Deps.API nil and routes /api/v1 to the API in front of the portal.
func New(cfg Config, deps Deps) (*fiber.App, error) {
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = 15 * time.Minute
	}
	if cfg.AbsoluteTimeout <= 0 {
		cfg.AbsoluteTimeout = 12 * time.Hour
	}
	if cfg.LoginRate <= 0 {
		cfg.LoginRate = 30
	}
	if cfg.SuppressBelow <= 0 {
		cfg.SuppressBelow = portal.DefaultSuppressBelow
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = 15 * time.Second
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	if deps.Log == nil {
		deps.Log = slog.Default()
	}
	if deps.Store == nil {
		return nil, errors.New("web: no store")
	}
	if deps.Catalog == nil {
		cat, err := i18n.Load()
		if err != nil {
			return nil, err
		}
		deps.Catalog = cat
	}
	pdf, err := pdfexport.New(deps.Catalog, pdfexport.WithContact(cfg.Contact))
	if err != nil {
		return nil, err
	}
	st := deps.Store
	s := &server{cfg: cfg, deps: deps, cat: deps.Catalog, pdf: pdf, healthStore: st, sessionStore: st, logStore: st,
		requestStore: st, inboxStore: st, emailStore: st, settingsStore: st, caseStore: st, signalStore: st, consentStore: st, statsStore: st,
		oversightStore: st, repStore: st, teamLeadStore: st, noteStore: st}
	s.site = newSiteInfo(cfg)
	s.rowLabels = map[string]*RowLabels{"nl": s.newRowLabels("nl"), "en": s.newRowLabels("en")}
	s.csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
		"connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
	for _, o := range cfg.FormActions {
		s.csp += " " + o
	}

	engine := html.NewFileSystem(http.FS(views.FS), ".html")
	engine.AddFuncMap(template.FuncMap{
		"t":        s.t,
		"category": s.category,
		"datetime": timeFunc(FormatDateTime),
		"date":     timeFunc(FormatDate),
		"dict":     dict,
		"neg":      func(n int) int { return -n },
	})
	if err := engine.Load(); err != nil {
		return nil, err
	}
	// html/template escapes a template at its first execution and marks it escaped in the shared set;
	// the template engine copies a template for every render before taking its lock, so the first two
	// renders of one page at once raced on that mark (found by go test -race with several citizens at
	// once). Escaping every template here, before any request, removes the race. Executing without
	// data fails after the escaping, which is all this is for.
	for _, tm := range engine.Templates.Templates() {
		_ = tm.Execute(io.Discard, nil)
	}
	fcfg := fiber.Config{
		Views:        engine,
		ErrorHandler: s.errorHandler,
		// The portal's forms are small. The body is read before any handler runs, so this is also what
		// an anonymous client can make us read. The API has its own, larger, limit: cmd/inzicht routes
		// /api/v1 to it in front of this app (Deps.API, mounted here, lives under this one).
		BodyLimit:             1 << 20,
		ReadTimeout:           15 * time.Second,
		WriteTimeout:          60 * time.Second,
		IdleTimeout:           60 * time.Second,
		ReadBufferSize:        16 << 10,
		DisableStartupMessage: true,
		Immutable:             true,
	}
	if len(cfg.TrustedProxies) > 0 {
		fcfg.ProxyHeader = fiber.HeaderXForwardedFor
		fcfg.EnableTrustedProxyCheck = true
		fcfg.TrustedProxies = cfg.TrustedProxies
	}
	app := fiber.New(fcfg)
	app.Use(recover.New())
	app.Use(httpbody.New(httpbody.Config{Limit: fcfg.BodyLimit, Skip: httpbody.PathPrefix("/api/v1/")})) // the API bounds its own
	app.Use(s.securityHeaders)
	app.Use(func(c *fiber.Ctx) error {
		ctx, cancel := context.WithTimeout(c.UserContext(), cfg.RequestTimeout)
		defer cancel()
		c.SetUserContext(ctx)
		return c.Next()
	})
	app.Use(traceRequest)
	app.Use(s.readPreference)
	app.Use(formNewlines)

	app.Get("/healthz", func(c *fiber.Ctx) error { return c.SendString("ok") })
	app.Get("/open-data/statistieken.json", s.openData)
	app.Get("/readyz", s.readyz)
	s.logRoutes(app) // the verifiable log: /log/checkpoint, /log/key, /log/tile/…
	if deps.Metrics != nil && (cfg.MetricsToken != "" || !cfg.Production) {
		app.Get("/metrics", s.metricsAuth, adaptor.HTTPHandler(deps.Metrics))
	}
	if s.site.LogoURL != "" {
		app.Get(s.site.LogoURL, s.logo)
	}
	app.Use("/static", filesystem.New(filesystem.Config{Root: http.FS(static.FS), MaxAge: 3600}))
	if deps.API != nil {
		app.Mount("/api/v1", deps.API)
	}
	if deps.DevIDP != nil {
		app.Use("/dev-idp", adaptor.HTTPHandler(deps.DevIDP))
	}
	if deps.DevMail != nil {
		app.Use("/dev-mail", adaptor.HTTPHandler(deps.DevMail))
	}

	app.Use(s.loadSession)
	loginLimit := ratelimit.New(ratelimit.Config{Name: "login", Max: cfg.LoginRate, Window: time.Minute,
		Counter: deps.RateCounter, Log: deps.Log})

	// Every route of the portal, in one place.
	app.Get("/", s.home)
	app.Get("/taal", s.setLanguage)
	app.Get("/inloggen", loginLimit, s.startLogin(portal.SessionCitizen))
	app.Get("/inloggen/callback", loginLimit, s.finishLogin)
	app.Get("/uitloggen", s.requireAny, s.logoutPage)
	app.Post("/uitloggen", s.requireAny, s.checkCSRF, s.logout)
	app.Get("/uitgelogd", s.loggedOut)
	// Help, the statements and the team's contact: public, also without login (issue 18).
	app.Get("/help", s.infoPage("help"))
	app.Get("/privacy", s.infoPage("privacy"))
	app.Get("/toegankelijkheid", s.infoPage("toegankelijkheid"))
	app.Get("/contact", s.infoPage("contact"))
	app.Get("/overzicht", s.citizenPart(portal.PartLog, portal.ActViewOverview), s.overview)
	app.Get("/verwerkingen", s.citizenPart(portal.PartLog, portal.ActViewLog), s.processingLog)
	app.Get("/verwerkingen.pdf", s.citizenPart(portal.PartLog, portal.ActDownloadLog), s.processingPDF)
	app.Get("/verwerkingen.csv", s.citizenPart(portal.PartLog, portal.ActDownloadLog), s.processingCSV)
	// Issue 18: every document also as an HTML page, the accessible version (documents.go).
	app.Get("/verwerkingen/overzicht", s.citizenPart(portal.PartLog, portal.ActDownloadLog), s.processingDocument)
	app.Get("/verwerkingen/bewijs.json", s.citizenPart(portal.PartLog, portal.ActDownloadLog), s.proofBundle) // before :id
	app.Get("/verwerkingen/:id", s.citizenPart(portal.PartLog, portal.ActViewEvent), s.processingDetail)
	app.Get("/medewerker/inloggen", loginLimit, s.startLogin(portal.SessionStaff))
	app.Get("/medewerker/inloggen/callback", loginLimit, s.finishLogin)
	app.Get("/verzoeken", s.citizenPart(portal.PartRequests, portal.ActViewRequests), s.requestList)
	app.Get("/verzoeken/nieuw", s.citizenPart(portal.PartRequests, portal.ActNewRequestForm), s.newRequestPage)
	app.Post("/verzoeken", s.citizenPart(portal.PartRequests, portal.ActFileRequest), s.checkCSRF, s.createRequest)
	app.Get("/verzoeken/:id", s.citizenPart(portal.PartRequests, portal.ActViewRequest), s.requestDetail)
	app.Get("/verzoeken/:id/intrekken", s.citizenPart(portal.PartRequests, portal.ActViewRequest), s.withdrawRequestPage)
	app.Post("/verzoeken/:id/intrekken", s.citizenPart(portal.PartRequests, portal.ActWithdrawRequest), s.checkCSRF, s.withdrawRequest)
	app.Get("/verzoeken/:id/ontvangstbevestiging.pdf", s.citizenPart(portal.PartRequests, portal.ActDownloadLetter), s.receiptPDF)
	app.Get("/verzoeken/:id/besluit.pdf", s.citizenPart(portal.PartRequests, portal.ActDownloadLetter), s.decisionPDF)
	app.Get("/verzoeken/:id/ontvangstbevestiging", s.citizenPart(portal.PartRequests, portal.ActDownloadLetter), s.receiptPage)
	app.Get("/verzoeken/:id/besluit", s.citizenPart(portal.PartRequests, portal.ActDownloadLetter), s.decisionPage)
	// Issue 18: an Awb objection (bezwaarschrift) against a decision, within six weeks (objection.go).
	app.Get("/verzoeken/:id/bezwaarschrift", s.citizenPart(portal.PartRequests, portal.ActNewRequestForm), s.objectionForm)
	app.Post("/verzoeken/:id/bezwaarschrift", s.citizenPart(portal.PartRequests, portal.ActFileRequest), s.checkCSRF, s.fileObjection)
	app.Get("/berichten", s.citizenPart("", portal.ActViewMessages), s.messagesPage)
	app.Post("/berichten/gelezen", s.citizenPart("", portal.ActReadMessages), s.checkCSRF, s.markRead)
	app.Get("/email/bevestigen", s.confirmEmailPage)
	app.Post("/email/bevestigen", s.requireCitizen, s.checkCSRF, s.confirmEmail)
	// Issue 18: the citizen's own notification address and choices (a representative sees why not).
	app.Get("/instellingen", s.requireCitizen, s.settings)
	app.Post("/instellingen/email", s.requireCitizen, s.checkCSRF, ownSettings, s.setEmail)
	app.Post("/instellingen/email/verwijderen", s.requireCitizen, s.checkCSRF, ownSettings, s.deleteEmail)
	app.Post("/instellingen/keuzes", s.requireCitizen, s.checkCSRF, ownSettings, s.saveChoices)
	app.Get("/signalen", s.citizenPart(portal.PartSignals, portal.ActViewSignals), s.citizenSignals)
	app.Get("/signalen/:id", s.citizenPart(portal.PartSignals, portal.ActViewSignal), s.citizenSignal)
	app.Get("/toestemmingen", s.citizenPart(portal.PartConsent, portal.ActViewConsents), s.citizenConsents)
	app.Get("/toestemmingen/:id", s.citizenPart(portal.PartConsent, portal.ActViewConsent), s.citizenConsent)
	app.Post("/toestemmingen/:id/besluit", s.citizenPart(portal.PartConsent, portal.ActDecideConsent), s.checkCSRF, s.decideConsent)
	app.Get("/toestemmingen/:id/intrekken", s.citizenPart(portal.PartConsent, portal.ActViewConsent), s.withdrawConsentPage)
	app.Post("/toestemmingen/:id/intrekken", s.citizenPart(portal.PartConsent, portal.ActWithdrawConsent), s.checkCSRF, s.withdrawConsent)
	app.Get("/toestemmingen/:id/bewijs.pdf", s.citizenPart(portal.PartConsent, portal.ActDownloadReceipt), s.receiptPDFConsent)
	app.Get("/toestemmingen/:id/bewijs", s.citizenPart(portal.PartConsent, portal.ActDownloadReceipt), s.consentReceiptPage)
	app.Get("/toestemmingen/:id/bewijs.json", s.citizenPart(portal.PartConsent, portal.ActDownloadReceipt), s.receiptJSON)
	// Acting on behalf of someone else (issue 16): choosing whom, what I did for others, and who may act for me.
	app.Get("/namens", s.requireCitizen, s.actingPage)
	app.Post("/namens", s.requireCitizen, s.checkCSRF, s.chooseActing)
	app.Get("/namens/gedaan", s.requireCitizen, s.actsByMe)
	app.Get("/vertegenwoordigers", s.requireCitizen, s.myRepresentatives)
	app.Post("/vertegenwoordigers/:id/bezwaar", s.requireCitizen, s.checkCSRF, s.disputeRepresentation)
	app.Get("/medewerker", s.requireStaff, s.staffHome)
	handlers := s.requireRole(portal.RequestHandlerRoles...)
	leads := s.requireRole(portal.RoleTeamLead)
	app.Get("/medewerker/verzoeken", handlers, s.staffQueue)
	app.Post("/medewerker/verzoeken/zoeken", handlers, s.checkCSRF, s.searchQueue)
	app.Get("/medewerker/verzoeken/:id/besluit.pdf", handlers, noHead, s.staffDecisionPDF)
	app.Get("/medewerker/verzoeken/:id/besluit", handlers, noHead, s.staffDecisionPage)
	app.Get("/medewerker/verzoeken/:id", handlers, noHead, s.staffRequest)
	app.Post("/medewerker/verzoeken/:id/toewijzen", handlers, s.checkCSRF, s.staffAct(portal.StepAssigned))
	app.Post("/medewerker/verzoeken/:id/behandelen", handlers, s.checkCSRF, s.staffAct(portal.StepStarted))
	app.Post("/medewerker/verzoeken/:id/verlengen", handlers, s.checkCSRF, s.extend)
	app.Post("/medewerker/verzoeken/:id/besluiten", handlers, s.checkCSRF, s.decide)
	app.Post("/medewerker/verzoeken/:id/medeondertekenen", leads, s.checkCSRF, s.coSign)
	app.Post("/medewerker/verzoeken/:id/terugsturen", leads, s.checkCSRF, s.returnProposal)
	app.Post("/medewerker/noodtoegang/gezien", leads, s.checkCSRF, s.markBreakGlassSeen)
	app.Post("/medewerker/verzoeken/:id/notities", handlers, s.checkCSRF, s.addNote)
	app.Get("/raad", s.requireRole(portal.RoleCouncil), s.council)
	app.Get("/raad/cijfers.csv", s.requireRole(portal.RoleCouncil), s.councilCSV)
	app.Get("/raad/rapportage.pdf", s.requireRole(portal.RoleCouncil), s.councilReport)
	app.Get("/raad/rapportage", s.requireRole(portal.RoleCouncil), s.councilReportPage)
	officer := s.requireRole(portal.RolePrivacyOfficer)
	app.Get("/toezicht", officer, noHead, s.oversight)
	app.Post("/toezicht/noodtoegang/:id", officer, s.checkCSRF, s.reviewBreakGlass)
	app.Get("/toezicht/export.csv", officer, noHead, s.oversightCSV)
	app.Get("/medewerker/toestemmingen/nieuw", handlers, s.newConsentPage)
	app.Post("/medewerker/toestemmingen", handlers, s.checkCSRF, s.createConsentStaff)
	app.Get("/medewerker/toestemmingen", handlers, s.staffConsents)
	app.Get("/medewerker/toestemmingen/:id", handlers, noHead, s.staffConsent)
	app.Get("/medewerker/signalen", handlers, s.staffSignals)
	app.Get("/medewerker/signalen/nieuw", handlers, s.newSignalPage)
	app.Post("/medewerker/signalen", handlers, s.checkCSRF, s.createSignal)
	app.Get("/medewerker/signalen/:id", handlers, noHead, s.staffSignal)
	app.Post("/medewerker/signalen/:id/uitstel", handlers, s.checkCSRF, s.requestDeferral)
	app.Post("/medewerker/signalen/:id/uitstel/:did/goedkeuren", leads, s.checkCSRF, s.decideDeferral(true))
	app.Post("/medewerker/signalen/:id/uitstel/:did/afwijzen", leads, s.checkCSRF, s.decideDeferral(false))
	app.Post("/medewerker/signalen/:id/vrijgeven", handlers, s.checkCSRF, s.requestRelease)
	app.Post("/medewerker/signalen/:id/vrijgeven/:rid/goedkeuren", leads, s.checkCSRF, s.decideRelease(true))
	app.Post("/medewerker/signalen/:id/vrijgeven/:rid/afwijzen", leads, s.checkCSRF, s.decideRelease(false))
	app.Post("/medewerker/signalen/:id/melden", handlers, s.checkCSRF, s.tellSignal)
	app.Post("/medewerker/signalen/:id/tekst", handlers, s.checkCSRF, s.setSubjectSummary)
	app.Post("/medewerker/signalen/:id/bewaarbesluit", handlers, s.checkCSRF, s.decideRetention)
	app.Use(func(c *fiber.Ctx) error { return portal.Errorf(portal.ENOTFOUND, "no such page") })
	return app, nil
}

// traceRequest gives every page request a span of its own (portal/tracectx: in the caller's trace
// when a valid traceparent header came with it), named after the method, answered in the traceparent
// header; a staff view recorded while handling the request carries it, so the response header and
// the line in the person's log name the same span.
var traceRequest = tracectx.Middleware(func(c *fiber.Ctx) string { return "portal " + c.Method() })

func (s *server) securityHeaders(c *fiber.Ctx) error {
	h := &c.Response().Header
	h.Set("Content-Security-Policy", s.csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
	if s.cfg.Production {
		h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
	}
	// Personal pages must not be cached; static files override this.
	h.Set(fiber.HeaderCacheControl, "no-store")
	return c.Next()
}

// metricsAuth requires the metrics bearer token when one is configured.
func (s *server) metricsAuth(c *fiber.Ctx) error {
	if s.cfg.MetricsToken == "" {
		return c.Next()
	}
	tok, _ := strings.CutPrefix(c.Get(fiber.HeaderAuthorization), "Bearer ")
	if subtle.ConstantTimeCompare([]byte(tok), []byte(s.cfg.MetricsToken)) != 1 {
		return portal.Errorf(portal.EUNAUTHORIZED, "metrics need a token")
	}
	return c.Next()
}

func (s *server) readyz(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
	defer cancel()
	if err := s.healthStore.Ping(ctx); err != nil {
		return c.Status(fiber.StatusServiceUnavailable).SendString("database unreachable")
	}
	ok, err := s.healthStore.SchemaUpToDate(ctx)
	if err != nil || !ok {
		return c.Status(fiber.StatusServiceUnavailable).SendString("schema not current")
	}
	return c.SendString("ready")
}

// noHead refuses HEAD on pages whose every view is written into a citizen's log: Fiber answers HEAD
// with the GET handler, and a link checker must not leave "viewed" entries nobody made.
func noHead(c *fiber.Ctx) error {
	if c.Method() == fiber.MethodHead {
		return fiber.ErrMethodNotAllowed
	}
	return c.Next()
}

// timeFunc lets a template format a time.Time and a *time.Time alike (nil shows as empty).
func timeFunc(f func(string, time.Time) string) func(string, any) (string, error) {
	return func(l string, v any) (string, error) {
		switch t := v.(type) {
		case time.Time:
			return f(l, t), nil
		case *time.Time:
			if t == nil {
				return "", nil
			}
			return f(l, *t), nil
		}
		return "", fmt.Errorf("not a time: %T", v)
	}
}

// dict builds a map for a sub-template: dict "Key" value "Key2" value2.
func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, errors.New("dict needs key-value pairs")
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, errors.New("dict keys are strings")
		}
		m[k] = kv[i+1]
	}
	return m, nil
}

// lang returns the language of the request: the remembered choice, else Dutch.
func lang(c *fiber.Ctx) string {
	if c.Cookies(langCookie) == "en" {
		return "en"
	}
	return "nl"
}

func (s *server) setLanguage(c *fiber.Ctx) error {
	l := c.Query("lang")
	if l != "en" {
		l = "nl"
	}
	c.Cookie(&fiber.Cookie{Name: langCookie, Value: l, Path: "/", Secure: true, HTTPOnly: true, SameSite: "Lax",
		MaxAge: 365 * 24 * 3600})
	back := localPath(c.Query("terug"))
	if q, err := url.QueryUnescape(c.Cookies(logQueryCookie)); err == nil && q != "" && back == "/verwerkingen" {
		back += "?" + q // the log's filters and page survive the switch (rememberLogQuery)
	}
	return c.Redirect(back, fiber.StatusSeeOther)
}

// localPath accepts only a path on this site (no scheme, no host, no "//"), to avoid open redirects.
func localPath(p string) string {
	u, err := url.Parse(p)
	if err != nil || p == "" || !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") ||
		u.Scheme != "" || u.Host != "" {
		return "/"
	}
	return p
}

// pageBase is what the layout needs on every page; page data structs embed it and s.page fills it.
type pageBase struct {
	Lang    string
	Title   string
	Path    string
	Session *liveSession // nil when nobody is logged in
	CSRF    string
	Unread  int // the citizen's unread messages
	// Parts are the parts of the portal the citizen's pages may show: all four for a citizen acting
	// for themselves, the representation's parts while acting for someone else.
	Parts map[string]bool
	// Banner says, on every page while acting, whose data are shown and in which capacity.
	Banner *actingBanner
	// ActingEnded: the representation the session acted under was found no longer in force.
	ActingEnded bool
	// Site is the municipality, its logo and the team's contact (header and footer).
	Site *siteInfo
}

// actingBanner is the persistent notice while a citizen acts for someone else.
type actingBanner struct {
	Name     string // "Daan de Vries"
	Who      string // "Daan de Vries (12)"
	Capacity string // "ouder met gezag"
}

func (b *pageBase) base() *pageBase { return b }

// pageData is a typed page's data: a struct embedding pageBase, passed as a pointer.
type pageData interface{ base() *pageBase }

// page renders a template inside the layout with the common data. data is a pointer to a struct
// embedding pageBase (or, for the small pages not yet typed, a fiber.Map or nil).
func (s *server) page(c *fiber.Ctx, name, title string, data any) error {
	b := pageBase{Lang: lang(c), Title: title, Path: c.Path(), Site: s.site}
	counted := false
	if sess, ok := session(c); ok {
		b.Session, b.CSRF = &sess, sess.CSRFToken
		if sess.Kind == portal.SessionCitizen {
			b.Parts, b.Banner, b.ActingEnded = map[string]bool{}, s.banner(b.Lang, sess.Acting), sess.ActingEnded
			for _, p := range portal.RepresentationParts {
				b.Parts[p] = sess.Acting.Covers(p)
			}
			// Best effort: the error page is rendered through here too, also when the database is down.
			if sess.unreadOK {
				b.Unread, counted = sess.unread, true // read with the session (loadSession): no extra round trip
			} else if n, err := s.inboxStore.InboxUnreadCount(c.UserContext(), portal.InboxFilter(sess.SubjectID, sess.Acting)); err == nil {
				b.Unread, counted = n, true
			}
		}
	}
	switch d := data.(type) {
	case pageData:
		*d.base() = b
	case fiber.Map:
		d["Lang"], d["Title"], d["Path"], d["Site"] = b.Lang, b.Title, b.Path, b.Site
		if b.Session != nil {
			d["Session"], d["CSRF"] = b.Session, b.CSRF
			d["Parts"], d["Banner"], d["ActingEnded"] = b.Parts, b.Banner, b.ActingEnded
			if counted {
				d["Unread"] = b.Unread
			}
		}
	case nil:
		data = &b
	default:
		return fmt.Errorf("web: page %s: data of type %T", name, data)
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.Render(name, data, "layout")
}

var statusByCode = map[string]int{
	portal.EINVALID:      fiber.StatusUnprocessableEntity,
	portal.ENOTFOUND:     fiber.StatusNotFound,
	portal.ECONFLICT:     fiber.StatusConflict,
	portal.EUNAUTHORIZED: fiber.StatusUnauthorized,
	portal.EFORBIDDEN:    fiber.StatusForbidden,
	portal.ETOOLARGE:     fiber.StatusRequestEntityTooLarge,
	portal.ETOOMANY:      fiber.StatusTooManyRequests,
}

// errorHandler renders every error as a page without internals; unexpected errors are logged once.
func (s *server) errorHandler(c *fiber.Ctx, err error) error {
	status := fiber.StatusInternalServerError
	var fe *fiber.Error
	if errors.As(err, &fe) {
		status = fe.Code
	} else if st, ok := statusByCode[portal.ErrorCode(err)]; ok {
		status = st
	}
	if status >= 500 {
		s.deps.Log.Error("web: request failed", "method", c.Method(), "route", c.Route().Path, "status", status, "err", err)
	}
	key := "error.500"
	switch status {
	case 401, 403, 404, 422, 429:
		key = "error." + strconv.Itoa(status)
	}
	msg := s.t(lang(c), key)
	if m, at, ok := s.limitMessage(lang(c), err); ok {
		msg = m
		s.setRetryAfter(c, at)
	}
	c.Status(status)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return s.page(c, "error", s.t(lang(c), "error.title"), fiber.Map{"Status": status, "Message": msg})
}

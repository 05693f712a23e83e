package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/inzicht/inzicht/api"
	"github.com/inzicht/inzicht/portal"
	"github.com/inzicht/inzicht/portal/jobs"
	"github.com/inzicht/inzicht/portal/mail"
	"github.com/inzicht/inzicht/portal/oidcrp"
	"github.com/inzicht/inzicht/portal/postgres"
	"github.com/inzicht/inzicht/portal/web"
)

// app is a wired, not yet listening, Inzicht.
type app struct {
	cfg Config
	db  *postgres.DB
	log *slog.Logger
	// devIDP is mounted at /dev-idp (demo only).
	devIDP http.Handler
	// devMail is the demo's mail catcher's page, mounted at /dev-mail (demo only).
	devMail http.Handler
	// logm are the verifiable log's metrics (set by build).
	logm *logMetrics
}

// build wires the HTTP application from the configuration.
func (a *app) build() (*fiber.App, error) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	apiCfg := api.Config{RatePerMinute: a.cfg.APIRate, Signals: a.cfg.Signals,
		EventsNotBefore: a.cfg.EventsNotBefore, EventsMaxFuture: a.cfg.EventsMaxFuture, ConfidentialMax: a.cfg.ConfidentialMax,
		Municipality: a.cfg.Municipality, LogbookID: a.cfg.BaseURL + "/api/v1" + api.LDVReadPath,
		RateCounter: a.db} // limits counted in PostgreSQL: shared by every process
	if a.cfg.LogMaxBacklog > 0 {
		apiCfg.Pushback = newBacklogGate(a.db.OutboxBacklog, a.cfg.LogMaxBacklog).Behind
		apiCfg.PushbackHold = pushbackHold
	}
	metrics := api.NewMetrics(reg)
	a.logm = newLogMetrics(reg)
	a.replicaMetrics(reg)
	gate := api.NewGate(apiCfg) // one rate per API key across /api/v1 and /v1/traces
	apiApp := api.New(a.db, apiCfg, gate, metrics, a.log)
	otlpApp := api.NewOTLP(a.db, apiCfg, gate, metrics, a.log)

	rp := func(o OIDCConfig, scopes []string) *oidcrp.RP {
		if !o.set() {
			return nil
		}
		return oidcrp.New(oidcrp.Config{Issuer: o.Issuer, ClientID: o.ClientID, ClientSecret: o.ClientSecret,
			RedirectURL: o.RedirectURL, Scopes: scopes, HTTPClient: &http.Client{Timeout: 10 * time.Second},
			ClientKey: o.ClientKey, AssertionAudience: o.AssertionAudience, IDTokenDecryptionKey: o.DecryptionKey})
	}
	var formActions []string
	for _, o := range []OIDCConfig{a.cfg.OIDC, a.cfg.StaffOIDC} {
		if o.set() {
			if origin := originOf(o.Issuer); origin != originOf(a.cfg.BaseURL) {
				formActions = append(formActions, origin)
			}
		}
	}
	fapp, err := web.New(web.Config{
		BaseURL: a.cfg.BaseURL, Production: a.cfg.Env == "production", Municipality: a.cfg.Municipality,
		ShowEmployee: a.cfg.ShowEmployee, IdleTimeout: a.cfg.SessionIdle, AbsoluteTimeout: a.cfg.SessionMax,
		Citizen:         a.cfg.citizenClaims(),
		StaffRolesClaim: a.cfg.RolesClaim, LoginRate: a.cfg.LoginRate, FormActions: formActions,
		TrustedProxies: a.cfg.TrustedProxies, MetricsToken: a.cfg.MetricsToken, MailEnabled: a.cfg.SMTP != nil,
		Signals: a.cfg.Signals, SuppressBelow: a.cfg.SuppressBelow,
		Contact: a.cfg.Contact, Logo: a.cfg.Logo, LogoType: a.cfg.LogoType, ReadYourWrites: a.readYourWrites(),
		LogVerifierKey: a.cfg.LogSigner.VerifierKey(),
	}, web.Deps{
		Store: a.db, CitizenRP: rp(a.cfg.OIDC, nil), StaffRP: rp(a.cfg.StaffOIDC, []string{"profile"}),
		DevIDP: a.devIDP, DevMail: a.devMail, Metrics: promhttp.HandlerFor(reg, promhttp.HandlerOpts{}), Log: a.log,
		RateCounter: a.db,
	})
	if err != nil {
		return nil, err
	}
	return front(fapp, apiApp, otlpApp, a.cfg.Env == "production"), nil
}

// apiPrefix is where the API lives.
const apiPrefix = "/api/v1"

// front builds the one HTTP application that listens: the API mounted at /api/v1, the OTLP trace
// receiver at /v1/traces (where an OpenTelemetry exporter given the portal's base URL sends), and
// every other path handed to the portal.
//
// Fiber v2's Mount copies a sub-app's routes (and picks its error handler by prefix) but none of its
// server settings: the body limit (fasthttp's MaxRequestBodySize, read before any route runs),
// timeouts and buffer sizes come only from the app that listens. Mounted inside the portal, the API
// lived under the portal's limit. Here the listening app takes the API's own body limit, so the API
// answers every body up to it with its own problem document; the portal app runs whole, with its own
// configuration (views, error page, proxy trust, Immutable), and bounds its bodies to its own, smaller,
// limit itself (portal/httpbody runs first in it).
func front(portalApp, apiApp, otlpApp *fiber.App, production bool) *fiber.App {
	pc, ac := portalApp.Config(), apiApp.Config()
	top := fiber.New(fiber.Config{
		// What anyone, before authentication, can make the server read: the API's 2 MiB and room for its
		// own problem answer (the API app's larger hard stop applies only where it listens itself).
		BodyLimit:               min(ac.BodyLimit, api.MaxBody+1<<20),
		ReadTimeout:             pc.ReadTimeout,
		WriteTimeout:            pc.WriteTimeout,
		IdleTimeout:             pc.IdleTimeout,
		ReadBufferSize:          pc.ReadBufferSize,
		ProxyHeader:             pc.ProxyHeader,
		EnableTrustedProxyCheck: pc.EnableTrustedProxyCheck,
		TrustedProxies:          pc.TrustedProxies,
		Immutable:               true,
		DisableStartupMessage:   true,
		// Reached only for portal paths whose body is over the server's limit (the API's errors go to
		// the API's handler): the portal's page cannot be rendered from here.
		ErrorHandler: func(c *fiber.Ctx, err error) error {
			code := fiber.StatusInternalServerError
			var fe *fiber.Error
			if errors.As(err, &fe) {
				code = fe.Code
			}
			return c.Status(code).SendString(http.StatusText(code))
		},
	})
	// What the portal's own middleware gave the API while it was mounted there.
	machine := func(c *fiber.Ctx) error {
		h := &c.Response().Header
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set(fiber.HeaderCacheControl, "no-store")
		if production {
			h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		ctx, cancel := context.WithTimeout(c.UserContext(), 15*time.Second)
		defer cancel()
		c.SetUserContext(ctx)
		return c.Next()
	}
	top.Use(apiPrefix, recover.New(), machine)
	top.Mount(apiPrefix, apiApp)
	top.Use(api.OTLPPath, recover.New(), machine)
	top.Mount(api.OTLPPath, otlpApp)
	portal := portalApp.Handler()
	top.Use(func(c *fiber.Ctx) error {
		portal(c.Context())
		return nil
	})
	return top
}

// serve listens on ln until ctx ends, then shuts down gracefully. It also works the background jobs
// and expires old sessions.
func (a *app) serve(ctx context.Context, ln net.Listener) error {
	// Staff views of a citizen's data are logged under these register entries; make sure they exist.
	if err := a.db.EnsureInternalActivities(ctx, a.cfg.Municipality); err != nil {
		return err
	}
	if err := a.db.SetFilingLimits(a.cfg.Filing); err != nil {
		return err
	}
	fapp, err := a.build()
	if err != nil {
		return err
	}
	jcfg := jobs.Config{BaseURL: a.cfg.BaseURL, Municipality: a.cfg.Municipality, ClerkEmail: a.cfg.ClerkEmail,
		TeamLeadEmail: a.cfg.TeamLeadEmail, Log: a.log, PollOnly: a.cfg.JobsPollOnly}
	if a.cfg.SMTP != nil {
		jcfg.Mailer = mail.New(*a.cfg.SMTP)
	}
	runner, err := jobs.New(a.db, jcfg)
	if err != nil {
		return err
	}
	// Jobs run on their own context so a shutdown lets running ones finish; unfinished jobs stay in
	// the database and run after the restart.
	if err := runner.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("start jobs: %w", err)
	}
	go a.sweepSessions(ctx)
	go a.integrateLog(ctx)
	if a.cfg.LogCheckEvery > 0 {
		go a.checkLog(ctx)
	}
	errc := make(chan error, 1)
	go func() { errc <- fapp.Listener(ln) }()
	select {
	case err = <-errc:
	case <-ctx.Done():
		a.log.Info("shutting down")
		err = fapp.ShutdownWithTimeout(10 * time.Second)
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if jerr := runner.Stop(sctx); jerr != nil {
		a.log.Warn("stopping jobs", "err", jerr)
	}
	return err
}

// readYourWrites is how long a browser reads the primary after its own change: the replica's lag
// bound twice over (the lag is measured every second), and nothing without a replica.
func (a *app) readYourWrites() time.Duration {
	if a.cfg.ReplicaURL == "" {
		return 0
	}
	return max(2*a.cfg.ReplicaMaxLag, 2*time.Second)
}

// replicaMetrics exports the read replica's lag, whether it is read, and how often a query fell back
// to the primary.
func (a *app) replicaMetrics(reg prometheus.Registerer) {
	if a.cfg.ReplicaURL == "" {
		return
	}
	reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "inzicht_replica_lag_seconds",
			Help: "The read replica's last measured replay lag behind the primary (-1: not measured yet)."},
			func() float64 {
				if l := a.db.ReplicaStatus().Lag; l >= 0 {
					return l.Seconds()
				}
				return -1
			}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "inzicht_replica_in_use",
			Help: "1 when the portal reads the replica, 0 when it reads the primary (replica down or lagging)."},
			func() float64 {
				if a.db.ReplicaStatus().Usable {
					return 1
				}
				return 0
			}),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "inzicht_replica_fallbacks_total",
			Help: "Replica queries that failed and were answered by the primary."},
			func() float64 { return float64(a.db.ReplicaStatus().Fallbacks) }),
	)
}

func (a *app) sweepSessions(ctx context.Context) {
	t := time.NewTicker(5 * time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := a.db.DeleteExpiredSessions(ctx, a.cfg.SessionIdle); err != nil && ctx.Err() == nil {
				a.log.Warn("session sweep failed", "err", err)
			}
			if _, err := a.db.DeleteEndedRateWindows(ctx); err != nil && ctx.Err() == nil {
				a.log.Warn("rate limit sweep failed", "err", err)
			}
		}
	}
}

func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := loadConfig("serve", getenv)
	if err != nil {
		return err
	}
	log := newLogger(stderr, cfg.LogLevel)
	for name, o := range map[string]OIDCConfig{"citizen": cfg.OIDC, "staff": cfg.StaffOIDC} {
		if o.set() && o.ClientKey == nil {
			log.Warn("OpenID Connect client authenticates with a client secret; the NL GOV profile requires private_key_jwt",
				"client", name)
		}
	}
	v, err := cfg.vault()
	if err != nil {
		return err
	}
	db, err := postgres.Open(ctx, cfg.DatabaseURL, v)
	if err != nil {
		return err
	}
	defer db.Close()
	if cfg.ReplicaURL != "" {
		if err := db.AttachReplica(ctx, postgres.ReplicaConfig{URL: cfg.ReplicaURL, MaxLag: cfg.ReplicaMaxLag, Log: log}); err != nil {
			return err
		}
	}
	st, err := db.MigrationStatus(ctx)
	if err != nil {
		return err
	}
	if !st.UpToDate() {
		return fmt.Errorf("the database schema is at version %d (dirty=%v) but this binary needs %d: run `inzicht migrate up` first",
			st.Current, st.Dirty, st.Latest)
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	log.Info("serving", "addr", ln.Addr().String(), "base_url", cfg.BaseURL, "env", cfg.Env)
	a := &app{cfg: cfg, db: db, log: log}
	return a.serve(ctx, ln)
}

func runRegister(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) != 2 || args[0] != "load" {
		return errors.New("usage: inzicht register load FILE")
	}
	b, err := os.ReadFile(args[1])
	if err != nil {
		return err
	}
	var as []portal.Activity
	var vf portal.VARFile
	isVAR := portal.IsVAR(b)
	if isVAR {
		if vf, err = portal.ParseVAR(b); err != nil {
			return err
		}
	} else if as, err = portal.ParseRegister(b); err != nil {
		return err
	}
	db, err := openDB(ctx, getenv)
	if err != nil {
		return err
	}
	defer db.Close()
	if isVAR {
		// The file's organisations first, so its entries' controllers are found by OIN.
		for _, o := range vf.Organisations {
			if _, err := db.PutOrganisation(ctx, o); err != nil {
				return err
			}
		}
		var oins []string
		for _, v := range vf.Activities {
			oins = append(oins, strings.TrimSpace(v.VerantwoordelijkeOrganisatie))
		}
		names, err := db.OrganisationNames(ctx, oins)
		if err != nil {
			return err
		}
		if as, err = vf.Map(names); err != nil {
			return err
		}
	}
	created := 0
	for _, a := range as {
		c, err := db.PutActivity(ctx, a)
		if err != nil {
			return err
		}
		if c {
			created++
		}
	}
	fmt.Fprintf(stdout, "register: %d activities loaded (%d new, %d updated)", len(as), created, len(as)-created)
	if isVAR {
		fmt.Fprintf(stdout, " from a VNG VAR file, %d organisations", len(vf.Organisations))
	}
	fmt.Fprintln(stdout)
	return nil
}

func originOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	return u.Scheme + "://" + u.Host
}

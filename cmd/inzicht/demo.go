package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	neturl "net/url"
	"slices"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/inzicht/inzicht/internal/demo"
	"github.com/inzicht/inzicht/internal/devidp"
	"github.com/inzicht/inzicht/internal/devmail"
	"github.com/inzicht/inzicht/internal/pgcluster"
	"github.com/inzicht/inzicht/portal"
	"github.com/inzicht/inzicht/portal/mail"
	"github.com/inzicht/inzicht/portal/oidcrp"
	"github.com/inzicht/inzicht/portal/postgres"
)

const defaultDemoURL = "postgres://postgres@127.0.0.1:5432/inzicht_demo?sslmode=disable"

// demoDatabase finds a database for the demo: DATABASE_URL, else the local server, else a throwaway
// cluster under ./.inzicht/ when the PostgreSQL binaries are installed.
func demoDatabase(ctx context.Context, cfg Config, out io.Writer, a *app) (url string, stop func() error, err error) {
	noop := func() error { return nil }
	if cfg.DatabaseURL != "" {
		return cfg.DatabaseURL, noop, postgres.EnsureDatabase(ctx, cfg.DatabaseURL)
	}
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	err = postgres.EnsureDatabase(cctx, defaultDemoURL)
	cancel()
	if err == nil {
		return defaultDemoURL, noop, nil
	}
	if _, _, ok := pgcluster.Binaries(); !ok {
		return "", nil, fmt.Errorf("no PostgreSQL server answers at 127.0.0.1:5432 (%v)\n%s", err, pgcluster.InstallHint)
	}
	fmt.Fprintln(out, "No PostgreSQL server at 127.0.0.1:5432; starting a throwaway cluster under ./.inzicht/ …")
	server, stop, err := pgcluster.Start(ctx, ".inzicht/pgdata", a.log)
	if err != nil {
		return "", nil, err
	}
	url = strings.Replace(server, "/postgres?", "/inzicht_demo?", 1)
	if err := postgres.EnsureDatabase(ctx, url); err != nil {
		_ = stop()
		return "", nil, err
	}
	return url, stop, nil
}

// demoClientKey makes a fresh P-256 key for a demo client's private_key_jwt.
func demoClientKey() (*jose.JSONWebKey, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("demo client key: %w", err)
	}
	return oidcrp.NewKey(k, "", oidcrp.UseSignature)
}

// demoActingClaims makes "acting on behalf of" work out of the box in the demo: unless configured
// otherwise, the portal reads the claims the simulator's "Namens" field fills.
func demoActingClaims(cfg *Config) {
	if cfg.ActingBSNClaim == "" {
		cfg.ActingBSNClaim, cfg.ActingServiceClaim = demo.ActingBSNClaim, demo.ActingServiceClaim
	}
}

func runDemo(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := loadConfig("demo", getenv)
	if err != nil {
		return err
	}
	demoActingClaims(&cfg)
	a := &app{cfg: cfg, log: newLogger(stderr, cfg.LogLevel)}
	// zitadel/oidc logs through the default logger only; route it to ours (and so through the same
	// level and format) for the life of the demo.
	slog.SetDefault(a.log)
	url, stopDB, err := demoDatabase(ctx, cfg, stdout, a)
	if err != nil {
		return err
	}
	defer stopDB()
	v, err := cfg.vault()
	if err != nil {
		return err
	}
	db, err := postgres.Open(ctx, url, v)
	if err != nil {
		return err
	}
	defer db.Close()
	a.db = db
	if err := db.MigrateUp(ctx); err != nil {
		return err
	}
	res, err := demo.Load(ctx, db, time.Now())
	if err != nil {
		return fmt.Errorf("load demo data: %w", err)
	}
	nSignals, err := demo.LoadSignals(ctx, db, time.Now())
	if err != nil {
		return fmt.Errorf("load demo signals: %w", err)
	}
	nConsents, err := demo.LoadConsents(ctx, db, time.Now())
	if err != nil {
		return fmt.Errorf("load demo consent requests: %w", err)
	}
	nFamily, nReps, err := demo.LoadFamily(ctx, db, time.Now())
	if err != nil {
		return fmt.Errorf("load the demo family: %w", err)
	}
	// Two years of history for the council's figures, and those figures computed (see the package).
	history, err := demo.LoadHistory(ctx, db, time.Now())
	if err != nil {
		return fmt.Errorf("load the demo history: %w", err)
	}
	if err := db.RevokeSystemKeys(ctx, "demo"); err != nil {
		return err
	}
	_, token, err := db.CreateAPIKey(ctx, "demo", slices.Clone(portal.Scopes))
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w (set INZICHT_ADDR to another address)", cfg.Addr, err)
	}
	if cfg.BaseURL == "" {
		_, port, _ := net.SplitHostPort(ln.Addr().String())
		cfg.BaseURL = "http://localhost:" + port
	}
	issuer := cfg.BaseURL + "/dev-idp"
	// Both clients authenticate with private_key_jwt, as the simulator (like the NL GOV profile)
	// requires. Their keys are generated at every demo start and live only in this process: nothing
	// outside needs them, and no published demo key can end up at a real provider.
	citizenKey, err := demoClientKey()
	if err != nil {
		_ = ln.Close()
		return err
	}
	staffKey, err := demoClientKey()
	if err != nil {
		_ = ln.Close()
		return err
	}
	cfg.OIDC = OIDCConfig{Issuer: issuer, ClientID: "inzicht-portal", RedirectURL: cfg.BaseURL + "/inloggen/callback",
		ClientKey: citizenKey, AssertionAudience: oidcrp.AudienceIssuer}
	cfg.StaffOIDC = OIDCConfig{Issuer: issuer, ClientID: "inzicht-staff", RedirectURL: cfg.BaseURL + "/medewerker/inloggen/callback",
		ClientKey: staffKey, AssertionAudience: oidcrp.AudienceIssuer}
	public := func(k *jose.JSONWebKey) *jose.JSONWebKey { p := k.Public(); return &p }
	idp, err := devidp.New(devidp.Config{Issuer: issuer, Env: cfg.Env, Logger: a.log,
		ActingBSNClaim: cfg.ActingBSNClaim, ActingServiceClaim: cfg.ActingServiceClaim, Clients: []devidp.Client{
			{ID: cfg.OIDC.ClientID, Key: public(citizenKey), Kind: devidp.CitizenClient,
				RedirectURIs: []string{cfg.OIDC.RedirectURL}, PostLogoutRedirectURIs: []string{cfg.BaseURL + "/uitgelogd"}},
			{ID: cfg.StaffOIDC.ClientID, Key: public(staffKey), Kind: devidp.StaffClient,
				RedirectURIs: []string{cfg.StaffOIDC.RedirectURL}, PostLogoutRedirectURIs: []string{cfg.BaseURL + "/uitgelogd"}},
		}})
	if err != nil {
		_ = ln.Close()
		return err
	}
	// Without an SMTP server configured, the demo catches its own mail (issue 18): a small SMTP server
	// on the loopback address, its mails listed at /dev-mail.
	mailNote := "none: e-mail goes to the server in INZICHT_SMTP_URL"
	if cfg.SMTP == nil {
		catcher, err := devmail.Start("127.0.0.1:0")
		if err != nil {
			_ = ln.Close()
			return fmt.Errorf("start the demo mail catcher: %w", err)
		}
		defer catcher.Close()
		mc, err := mail.ParseURL("smtp://" + catcher.Addr() + "?starttls=off&from=" + neturl.QueryEscape("Inzicht demo <noreply@inzicht.invalid>"))
		if err != nil {
			_ = ln.Close()
			return err
		}
		cfg.SMTP, a.devMail, mailNote = &mc, catcher.Handler(), cfg.BaseURL+"/dev-mail"
	}
	a.cfg, a.devIDP = cfg, idp.Handler()

	fmt.Fprintf(stdout, "\nInzicht demo — %s\n\n", cfg.Municipality)
	fmt.Fprintf(stdout, "  Portal:           %s\n", cfg.BaseURL)
	fmt.Fprintf(stdout, "  DigiD simulator:  %s (log in at the portal)\n", issuer)
	fmt.Fprintf(stdout, "  Demo mailbox:     %s\n", mailNote)
	fmt.Fprintf(stdout, "  Verifiable log:   %s/log/checkpoint (key %s)\n", cfg.BaseURL, cfg.LogSigner.VerifierKey())
	fmt.Fprintf(stdout, "  Demo data:        %d new register entries, %d new events (%d already there), %d new signals, %d new consent requests\n",
		res.Activities, res.Events, res.Existing, nSignals, nConsents)
	fmt.Fprintf(stdout, "  Council history:  %d new requests, %d new signals, %d new consent requests, %d new events (last year and this year)\n",
		history.Requests, history.Signals, history.Consents, history.Events)
	fmt.Fprintf(stdout, "\n  Demo BSNs (type one in the simulator's login form):\n")
	for _, c := range demo.Citizens {
		fmt.Fprintf(stdout, "    %s  %s\n", c.BSN, c.Story)
	}
	fmt.Fprintf(stdout, "\n  Acting for someone else (%d new family events, %d new representations):\n", nFamily, nReps)
	for _, c := range demo.Family {
		fmt.Fprintf(stdout, "    %s  %s\n", c.BSN, c.Story)
	}
	fmt.Fprintf(stdout, "\n  Staff log-ins (%s/medewerker/inloggen):", cfg.BaseURL)
	for _, s := range devidp.StaffAccounts() {
		fmt.Fprintf(stdout, " %s (%s)", s.Username, s.Role)
	}
	fmt.Fprintf(stdout, "\n\n  API key for this demo (all scopes), shown once:\n    %s\n", token)
	fmt.Fprintf(stdout, "\n  Try: curl -H 'Authorization: Bearer %s' %s/api/v1/processing-activities\n\n", token, cfg.BaseURL)
	err = a.serve(ctx, ln)
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

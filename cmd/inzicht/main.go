// Command inzicht runs the Inzicht transparency portal: `inzicht demo` for the whole system on one
// machine, `inzicht serve` in production, and tools for migrations, API keys and the register.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	_ "time/tzdata" // Europe/Amsterdam on machines without a zoneinfo database

	"github.com/inzicht/inzicht/internal/bench"
	"github.com/inzicht/inzicht/portal"
	"github.com/inzicht/inzicht/portal/postgres"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "inzicht:", err)
		os.Exit(1)
	}
}

const usage = `Inzicht — see who processed your personal data, and why.

Usage:
  inzicht demo                      run everything on one machine (database, DigiD simulator, portal)
  inzicht serve                     run the portal in production (every setting explicit)
  inzicht migrate up|down|status    manage the database schema
  inzicht apikey create --system NAME --scopes events:write[,register:write]
  inzicht apikey list
  inzicht apikey revoke PREFIX
  inzicht register load FILE        load register entries (Inzicht's JSON array or a VNG VAR file)
  inzicht bench [flags]             measure ingest, reading, statistics and memory on a scratch database
  inzicht log check|keygen NAME     compare the database with the verifiable log; make a log signing key
  inzicht verify [flags] FILE       verify a proof bundle (bewijs.json) against the portal's signed log

Configuration is read from environment variables; see the README.
`

// run is the whole program; main only supplies the process's context, arguments and streams.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stdout, usage)
		return errors.New("no command given")
	}
	cmd, rest := args[0], args[1:]
	if help := commandHelp(cmd); help != "" && helpWanted(rest) {
		fmt.Fprint(stdout, help)
		return nil
	}
	switch cmd {
	case "demo":
		return runDemo(ctx, rest, getenv, stdout, stderr)
	case "serve":
		return runServe(ctx, rest, getenv, stdout, stderr)
	case "migrate":
		return runMigrate(ctx, rest, getenv, stdout)
	case "apikey":
		return runAPIKey(ctx, rest, getenv, stdout)
	case "register":
		return runRegister(ctx, rest, getenv, stdout)
	case "bench":
		return bench.Run(ctx, rest, getenv, stdout, stderr) // answers -h itself, with every flag
	case "log":
		return runLog(ctx, rest, getenv, stdout)
	case "verify":
		return runVerify(ctx, rest, stdout)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	return fmt.Errorf("unknown command %q\n\n%s", cmd, usage)
}

// helpWanted reports whether a command's arguments ask for its help: -h, -help or --help anywhere
// before a "--".
func helpWanted(args []string) bool {
	for _, a := range args {
		switch a {
		case "--":
			return false
		case "-h", "-help", "--help":
			return true
		}
	}
	return false
}

// commandHelp is the help of a command that has no flag set of its own to print it ("" for bench,
// whose flags print their own, and for unknown commands).
func commandHelp(cmd string) string {
	switch cmd {
	case "demo":
		return `usage: inzicht demo

Runs everything on one machine: a throwaway PostgreSQL (or DATABASE_URL), the DigiD simulator and the
portal with demo data. Configuration is read from environment variables; see the README.
`
	case "serve":
		return `usage: inzicht serve

Runs the portal in production. Every setting is explicit and read from environment variables (see the
README); it refuses to start on a database schema that is behind (run ` + "`inzicht migrate up`" + `).
`
	case "migrate":
		return `usage: inzicht migrate up|down|status

  up      apply every pending migration
  down    undo the latest migration
  status  show the schema version and what is pending

The database is DATABASE_URL.
`
	case "apikey":
		return `usage: inzicht apikey create --system NAME [--scopes SCOPES]
       inzicht apikey list
       inzicht apikey revoke PREFIX

  create  make a key for a back-office system and print it once; --scopes is comma-separated,
          from: ` + strings.Join(portal.Scopes, ", ") + ` (default events:write)
  list    show every key's prefix, system, scopes and state
  revoke  stop the key with that prefix from working

The database is DATABASE_URL.
`
	case "log":
		return `usage: inzicht log check [-key KEY]
       inzicht log keygen NAME

  check   compare every stored event with its leaf in the verifiable log, the tree's hashes with the
          leaves and the latest checkpoint with its signature (-key, default: the verifier key of
          INZICHT_LOG_SIGNING_KEY); prints each mismatch and fails when there is one
  keygen  make a new log signing key named NAME (e.g. inzicht.voorbeeldstad.nl/log) for
          INZICHT_LOG_SIGNING_KEY, and print its verifier key

The database is DATABASE_URL. See docs/verifiable-log.md.
`
	case "verify":
		return `usage: inzicht verify [-key KEY] [-url BASE] [-checkpoint FILE] [-previous FILE] bewijs.json

Verifies a proof bundle downloaded from /verwerkingen/bewijs.json: the checkpoint's signature (with
-key, else the portal's /log/key, else the bundle's own key), every leaf's inclusion, that all leaves
are of one person, and — with the portal's address (-url) or a checkpoint file — that the log only grew
since the bundle's checkpoint and since a checkpoint saved earlier (-previous). cmd/inzicht-verify
does the same without any of Inzicht's code. See docs/verifiable-log.md.
`
	case "register":
		return `usage: inzicht register load FILE

Loads register entries into the register: new entries are added, existing ones updated. FILE is
either Inzicht's own format (a JSON array of processing activities) or a VNG register (VAR API:
{"results": [verwerkingsactiviteiten]} or an array of them, with naam, doel, grondslag, bewaartermijn
and verantwoordelijkeOrganisatie as an OIN). A VAR file may list the organisations' names under
"organisaties": [{"oin": "…", "naam": "…"}]; they are stored in the organisations table. See
docs/api.md, "VNG Verwerkingenlogging". The database is DATABASE_URL.
`
	}
	return ""
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}

// openDB opens the configured database for a tool command (migrate, apikey, register).
func openDB(ctx context.Context, getenv func(string) string) (*postgres.DB, error) {
	cfg, err := loadConfig("tool", getenv)
	if err != nil {
		return nil, err
	}
	if cfg.DatabaseURL == "" {
		return nil, errors.New("DATABASE_URL: required, e.g. postgres://postgres@127.0.0.1:5432/inzicht_demo")
	}
	v, err := cfg.vault()
	if err != nil {
		return nil, err
	}
	return postgres.Open(ctx, cfg.DatabaseURL, v)
}

func runMigrate(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) != 1 {
		return errors.New("usage: inzicht migrate up|down|status")
	}
	db, err := openDB(ctx, getenv)
	if err != nil {
		return err
	}
	defer db.Close()
	switch args[0] {
	case "up":
		if err := db.MigrateUp(ctx); err != nil {
			return err
		}
	case "down":
		if err := db.MigrateDown(ctx); err != nil {
			return err
		}
	case "status":
	default:
		return errors.New("usage: inzicht migrate up|down|status")
	}
	st, err := db.MigrationStatus(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "schema version %d of %d", st.Current, st.Latest)
	if st.Dirty {
		fmt.Fprint(stdout, " (DIRTY: a migration failed half-way; repair by hand)")
	}
	if len(st.Pending) > 0 {
		fmt.Fprintf(stdout, ", pending: %v", st.Pending)
	} else if !st.Dirty && st.QueueReady {
		fmt.Fprint(stdout, ", up to date")
	}
	if !st.QueueReady {
		fmt.Fprint(stdout, "; job queue tables not current (run `inzicht migrate up`)")
	}
	fmt.Fprintln(stdout)
	return nil
}

func runAPIKey(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: inzicht apikey create|list|revoke")
	}
	db, err := openDB(ctx, getenv)
	if err != nil {
		return err
	}
	defer db.Close()
	switch args[0] {
	case "create":
		fs := flag.NewFlagSet("apikey create", flag.ContinueOnError)
		system := fs.String("system", "", "name of the back-office system that uses the key")
		scopes := fs.String("scopes", "events:write", "comma-separated scopes: "+strings.Join(portal.Scopes, ", "))
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		var sc []string
		for _, s := range strings.Split(*scopes, ",") {
			if s = strings.TrimSpace(s); s != "" {
				sc = append(sc, s)
			}
		}
		k, token, err := db.CreateAPIKey(ctx, *system, sc)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "API key for %s (prefix %s, scopes %s). It is shown only now; store it safely:\n%s\n",
			k.System, k.Prefix, strings.Join(k.Scopes, ","), token)
	case "list":
		keys, err := db.APIKeys(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%-14s %-24s %-40s %-20s %s\n", "PREFIX", "SYSTEM", "SCOPES", "CREATED", "STATE")
		for _, k := range keys {
			state := "active"
			if k.RevokedAt != nil {
				state = "revoked " + k.RevokedAt.Format("2006-01-02")
			}
			fmt.Fprintf(stdout, "%-14s %-24s %-40s %-20s %s\n", k.Prefix, k.System, strings.Join(k.Scopes, ","),
				k.CreatedAt.Format("2006-01-02 15:04"), state)
		}
	case "revoke":
		if len(args) != 2 {
			return errors.New("usage: inzicht apikey revoke PREFIX")
		}
		if err := db.RevokeAPIKey(ctx, args[1]); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "revoked %s\n", args[1])
	default:
		return errors.New("usage: inzicht apikey create|list|revoke")
	}
	return nil
}

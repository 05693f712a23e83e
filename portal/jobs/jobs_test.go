package jobs_test

import (
	"context"
	"fmt"
	"log/slog"
	"mime"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river/rivertype"

	"github.com/inzicht/inzicht/internal/mailtest"
	"github.com/inzicht/inzicht/internal/pgtest"
	"github.com/inzicht/inzicht/portal"
	"github.com/inzicht/inzicht/portal/jobs"
	"github.com/inzicht/inzicht/portal/mail"
	"github.com/inzicht/inzicht/portal/postgres"
)

const (
	bsn          = "999993653" // the citizen (passes the 11-proef)
	citizenEmail = "j.jansen@burger.example"
	clerkEmail   = "privacyteam@gemeente.example"
	fromAddress  = "Inzicht <noreply@gemeente.example>"
	baseURL      = "https://inzicht.gemeente.example"
	municipality = "Gemeente Voorbeeld"
	// description is the citizen's own words; the words are distinctive so a leak is easy to spot.
	description = "Ik wil weten wat de afdeling Schuldhulpverlening over mijn betalingsachterstand vastlegde."

	// wait bounds every wait for something to happen; generous for -race on a busy machine.
	wait = 60 * time.Second
	// quiet is how long a test keeps watching that nothing more happens after a job finished.
	quiet = 750 * time.Millisecond
)

// Job kinds as River stores them.
var (
	notifyKind   = portal.NotifyJob{}.Kind()
	reminderKind = portal.ReminderJob{}.Kind()
	sweepKind    = portal.SweepJob{}.Kind()
)

// fastRetry retries a failed job 100 ms later, instead of River's backoff of seconds to weeks.
type fastRetry struct{}

func (fastRetry) NextRetry(*rivertype.JobRow) time.Time {
	return time.Now().Add(100 * time.Millisecond)
}

// logSink collects what the runner logs, and passes it to the test log while the test runs.
type logSink struct {
	mu   sync.Mutex
	t    testing.TB
	buf  strings.Builder
	done bool
}

func (l *logSink) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(p)
	if !l.done {
		l.t.Logf("runner: %s", strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}

func (l *logSink) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logSink) close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.done = true
}

// env is a fresh database with one citizen, a raw pool on it to inspect tables, and the runners' log.
type env struct {
	db      *postgres.DB
	raw     *pgxpool.Pool
	subject int64
	logs    *logSink
	// confirmed: the citizen's address was confirmed (see confirm)
	confirmed bool
}

func newEnv(t *testing.T) *env {
	t.Helper()
	url := pgtest.NewURL(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	db, err := postgres.Open(ctx, url, pgtest.Vault(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	raw, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(raw.Close)
	subject, err := db.EnsureSubject(ctx, bsn)
	if err != nil {
		t.Fatal(err)
	}
	logs := &logSink{t: t}
	// Registered before any runner's Stop, so it runs after them: nothing logs to t once it is done.
	t.Cleanup(logs.close)
	return &env{db: db, raw: raw, subject: subject, logs: logs}
}

// sender returns a Mailer that delivers to srv.
func sender(t *testing.T, srv *mailtest.Server) *mail.Sender {
	t.Helper()
	cfg, err := mail.ParseURL(srv.URL(fromAddress))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Timeout = 10 * time.Second
	return mail.New(cfg)
}

// start builds and starts a runner on the env's database; it is stopped when the test ends. Unset
// test knobs get fast values: retries after 100 ms, idle polling every 50 ms.
func (e *env) start(t *testing.T, cfg jobs.Config) *jobs.Runner {
	t.Helper()
	if cfg.RetryPolicy == nil {
		cfg.RetryPolicy = fastRetry{}
	}
	if cfg.FetchPollInterval == 0 {
		cfg.FetchPollInterval = 50 * time.Millisecond
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = baseURL
	}
	if cfg.Municipality == "" {
		cfg.Municipality = municipality
	}
	cfg.Log = slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	r, err := jobs.New(e.db, cfg)
	if err != nil {
		t.Fatal(err)
	}
	// Not t.Context(): that ends before the cleanups run, and the runner must stop through Stop.
	if err := r.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stopRunner(t, r) })
	return r
}

// stopRunner stops r, waiting for its running jobs; stopping a stopped runner does nothing.
func stopRunner(t *testing.T, r *jobs.Runner) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := r.Stop(ctx); err != nil {
		t.Errorf("stop runner: %v", err)
	}
}

// confirm makes email the citizen's confirmed notification address through storage (set, the
// confirmation job's preparation, the confirmation), without sending the confirmation mail.
func (e *env) confirm(t *testing.T, email string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := e.db.SetEmail(ctx, e.subject, email); err != nil {
		t.Fatal(err)
	}
	var version int64
	if err := e.raw.QueryRow(ctx, `SELECT version FROM subject_emails WHERE subject_id = $1`, e.subject).Scan(&version); err != nil {
		t.Fatal(err)
	}
	_, token, err := e.db.PrepareConfirmation(ctx, e.subject, version)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.db.ConfirmEmail(ctx, e.subject, token); err != nil {
		t.Fatal(err)
	}
	e.confirmed = true
}

// file files a request for the env's citizen, with a confirmed e-mail address for notifications
// unless email is "". The address is confirmed the first time, before any runner can send its
// confirmation mail: call it first, or call confirm before starting a runner.
func (e *env) file(t *testing.T, email string) portal.RightsRequest {
	t.Helper()
	if email != "" && !e.confirmed {
		e.confirm(t, email)
	}
	return e.fileAs(t, email)
}

// fileAs files a request giving email as it is (an unconfirmed new address is only stored).
func (e *env) fileAs(t *testing.T, email string) portal.RightsRequest {
	t.Helper()
	nr := portal.NewRequest{Kind: portal.KindInspection, Scope: portal.Scope{All: true}, Description: description, Email: email}
	if err := nr.Validate(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r, err := e.db.CreateRequest(ctx, e.subject, nr)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// jobRow is a row of river_job, as far as the tests look at it.
type jobRow struct {
	ID          int64
	State       string
	Attempt     int
	Errors      string // the errors column as text ("" when none)
	NErrors     int
	Args        string
	ScheduledAt time.Time
}

func (j jobRow) String() string {
	return fmt.Sprintf("job %d: state %s, attempt %d, %d error(s) %s", j.ID, j.State, j.Attempt, j.NErrors, j.Errors)
}

// job returns the one job of kind; ok is false when there is none. More than one fails the test.
func (e *env) job(t *testing.T, kind string) (jobRow, bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rows, _ := e.raw.Query(ctx, `SELECT id, state::text, attempt, coalesce(errors::text, ''),
 coalesce(array_length(errors, 1), 0), args::text, scheduled_at FROM river_job WHERE kind = $1 ORDER BY id`, kind)
	js, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (jobRow, error) {
		var j jobRow
		err := row.Scan(&j.ID, &j.State, &j.Attempt, &j.Errors, &j.NErrors, &j.Args, &j.ScheduledAt)
		return j, err
	})
	if err != nil {
		t.Fatalf("river_job: %v", err)
	}
	switch len(js) {
	case 0:
		return jobRow{}, false
	case 1:
		return js[0], true
	}
	t.Fatalf("%d %s jobs, want one: %v", len(js), kind, js)
	return jobRow{}, false
}

// mustJob is job for a job that must exist.
func (e *env) mustJob(t *testing.T, kind string) jobRow {
	t.Helper()
	j, ok := e.job(t, kind)
	if !ok {
		t.Fatalf("no %s job", kind)
	}
	return j
}

// waitJob waits until the one job of kind satisfies cond and returns it.
func (e *env) waitJob(t *testing.T, kind, what string, cond func(jobRow) bool) jobRow {
	t.Helper()
	var last jobRow
	var seen bool
	eventually(t, what, func() (bool, string) {
		last, seen = e.job(t, kind)
		if !seen {
			return false, "no " + kind + " job"
		}
		return cond(last), last.String()
	})
	return last
}

// mailedAt returns messages.mailed_at of the request's one inbox message.
func (e *env) mailedAt(t *testing.T, requestID string) *time.Time {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var at []*time.Time
	rows, _ := e.raw.Query(ctx, `SELECT mailed_at FROM messages WHERE request_id = $1`, requestID)
	at, err := pgx.CollectRows(rows, pgx.RowTo[*time.Time])
	if err != nil {
		t.Fatalf("messages: %v", err)
	}
	if len(at) != 1 {
		t.Fatalf("%d inbox messages for the request, want 1", len(at))
	}
	return at[0]
}

// eventually polls cond until it holds; it fails the test with cond's last description after wait.
func eventually(t *testing.T, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for {
		ok, state := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %s; last seen: %s", wait, what, state)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stillExactly watches srv for a while and fails when it does not hold exactly n messages.
func stillExactly(t *testing.T, srv *mailtest.Server, n int) []mailtest.Received {
	t.Helper()
	end := time.Now().Add(quiet)
	for {
		msgs := srv.Messages()
		if len(msgs) != n {
			t.Fatalf("%d message(s) delivered, want exactly %d: %s", len(msgs), n, describe(msgs))
		}
		if time.Now().After(end) {
			return msgs
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func describe(msgs []mailtest.Received) string {
	var b strings.Builder
	for i, m := range msgs {
		fmt.Fprintf(&b, "[%d to %v: %q] ", i, m.To, subject(m))
	}
	return b.String()
}

// subject returns a message's decoded Subject header.
func subject(m mailtest.Received) string {
	s := m.Header.Get("Subject")
	if d, err := new(mime.WordDecoder).DecodeHeader(s); err == nil {
		return d
	}
	return s
}

// checkNotification checks that m is the citizen's notification: to the citizen, linking to the
// inbox and saying nothing about the request or the person.
func checkNotification(t *testing.T, m mailtest.Received, r portal.RightsRequest) {
	t.Helper()
	if len(m.To) != 1 || m.To[0] != citizenEmail {
		t.Errorf("envelope recipients %q, want [%s]", m.To, citizenEmail)
	}
	if got := m.Header.Get("To"); !strings.Contains(got, citizenEmail) {
		t.Errorf("To header %q, want %s", got, citizenEmail)
	}
	if want := baseURL + "/berichten"; !strings.Contains(m.Body, want) {
		t.Errorf("body does not link to %s:\n%s", want, m.Body)
	}
	subj := subject(m)
	for _, part := range []struct{ name, text string }{
		{"subject", subj}, {"body", m.Body}, {"raw message", string(m.Data)},
	} {
		low := strings.ToLower(part.text)
		for _, secret := range []struct{ what, text string }{
			{"the reference", r.Reference},
			{"a reference", "AVG-"},
			{"the BSN", bsn},
			{"the description", description},
			{"words of the description", "Schuldhulpverlening"},
			{"words of the description", "betalingsachterstand"},
			{"the kind", string(r.Kind)},
			{"the request id", r.ID},
		} {
			if strings.Contains(low, strings.ToLower(secret.text)) {
				t.Errorf("%s contains %s (%q):\n%s", part.name, secret.what, secret.text, part.text)
			}
		}
	}
	if strings.Contains(m.Body, citizenEmail) || strings.Contains(subj, citizenEmail) {
		t.Errorf("subject or body repeats the address:\n%s\n%s", subj, m.Body)
	}
}

func TestNotifyDelivers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.confirm(t, citizenEmail) // before the runner starts: no confirmation mail
	srv := mailtest.Start(t)
	e.start(t, jobs.Config{Mailer: sender(t, srv)})

	r := e.file(t, citizenEmail)
	msgs := srv.WaitFor(t, 1, wait)
	checkNotification(t, msgs[0], r)

	j := e.waitJob(t, notifyKind, "the notify job to complete", func(j jobRow) bool { return j.State == "completed" })
	if j.Attempt != 1 || j.NErrors != 0 {
		t.Errorf("%v, want completed at the first attempt without errors", j)
	}
	// The job is stored in the database: it holds the message id only, not the address.
	if strings.Contains(j.Args, "@") || !strings.Contains(j.Args, "message_id") {
		t.Errorf("job args %s, want only the message id", j.Args)
	}
	eventually(t, "messages.mailed_at to be set", func() (bool, string) {
		at := e.mailedAt(t, r.ID)
		return at != nil, fmt.Sprintf("mailed_at %v", at)
	})
	stillExactly(t, srv, 1)
}

func TestNotifyWithoutAddressSendsNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	srv := mailtest.Start(t)
	e.start(t, jobs.Config{Mailer: sender(t, srv)})

	r := e.file(t, "")
	// The runner runs (the sweep on start completes) and has nothing to send.
	e.waitJob(t, sweepKind, "the deadline sweep on start", func(j jobRow) bool { return j.State == "completed" })
	if j, ok := e.job(t, notifyKind); ok {
		t.Errorf("a notify job without an address: %v", j)
	}
	stillExactly(t, srv, 0)
	if at := e.mailedAt(t, r.ID); at != nil {
		t.Errorf("mailed_at %v without an address", at)
	}
}

func TestNotifyNotSentTwice(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	srv := mailtest.Start(t)

	// An earlier attempt sent the e-mail and marked the message, but did not get to finish the job.
	r := e.file(t, citizenEmail)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := e.raw.Exec(ctx, `UPDATE messages SET mailed_at = now() WHERE request_id = $1`, r.ID); err != nil {
		t.Fatal(err)
	}
	if j := e.mustJob(t, notifyKind); j.State != "available" {
		t.Fatalf("%v, want available", j)
	}

	e.start(t, jobs.Config{Mailer: sender(t, srv)})
	j := e.waitJob(t, notifyKind, "the notify job to finish", func(j jobRow) bool { return j.State == "completed" })
	if j.NErrors != 0 {
		t.Errorf("%v, want completed without errors", j)
	}
	stillExactly(t, srv, 0)
}

func TestNotifyRetriesThroughOutage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.confirm(t, citizenEmail) // before the runner starts: no confirmation mail
	srv := mailtest.Start(t)
	srv.Stop() // SMTP is down before anything happens
	e.start(t, jobs.Config{Mailer: sender(t, srv)})

	r := e.file(t, citizenEmail)
	j := e.waitJob(t, notifyKind, "the notify job to fail twice", func(j jobRow) bool { return j.Attempt >= 2 })
	if j.State == "completed" || j.State == "cancelled" || j.State == "discarded" {
		t.Fatalf("%v while SMTP is down, want it waiting for another attempt", j)
	}
	if j.NErrors == 0 {
		t.Errorf("%v: no error recorded for the failed attempts", j)
	}
	if n := len(srv.Messages()); n != 0 {
		t.Fatalf("%d message(s) delivered while SMTP was down", n)
	}
	if at := e.mailedAt(t, r.ID); at != nil {
		t.Errorf("mailed_at %v while nothing could be sent", at)
	}

	srv.Restart(t)
	msgs := srv.WaitFor(t, 1, wait)
	checkNotification(t, msgs[0], r)
	j = e.waitJob(t, notifyKind, "the notify job to complete", func(j jobRow) bool { return j.State == "completed" })
	if j.Attempt < 2 {
		t.Errorf("%v, want completed after the failed attempts", j)
	}
	stillExactly(t, srv, 1)
	if at := e.mailedAt(t, r.ID); at == nil {
		t.Error("mailed_at not set after delivery")
	}
}

func TestNotifyJobWaitsForRunner(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	srv := mailtest.Start(t)

	// Filed while no runner runs: the job waits in the database.
	r := e.file(t, citizenEmail)
	j := e.mustJob(t, notifyKind)
	if j.State != "available" || j.Attempt != 0 {
		t.Fatalf("%v before any runner ran, want available and not attempted", j)
	}
	if n := len(srv.Messages()); n != 0 {
		t.Fatalf("%d message(s) delivered without a runner", n)
	}

	e.start(t, jobs.Config{Mailer: sender(t, srv)})
	msgs := srv.WaitFor(t, 1, wait)
	checkNotification(t, msgs[0], r)
	e.waitJob(t, notifyKind, "the notify job to complete", func(j jobRow) bool { return j.State == "completed" })
	stillExactly(t, srv, 1)
}

func TestNotifySurvivesRunnerRestart(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.confirm(t, citizenEmail) // before the runner starts: no confirmation mail
	srv := mailtest.Start(t)
	srv.Stop()
	mailer := sender(t, srv)

	a := e.start(t, jobs.Config{Mailer: mailer})
	r := e.file(t, citizenEmail)
	e.waitJob(t, notifyKind, "runner A to try and fail", func(j jobRow) bool { return j.Attempt >= 1 && j.NErrors >= 1 })
	stopRunner(t, a)

	j := e.mustJob(t, notifyKind)
	if j.State != "available" && j.State != "retryable" {
		t.Fatalf("%v after runner A stopped, want it waiting for another attempt", j)
	}
	if n := len(srv.Messages()); n != 0 {
		t.Fatalf("%d message(s) delivered while SMTP was down", n)
	}

	// Later: SMTP is back and a new process starts.
	srv.Restart(t)
	e.start(t, jobs.Config{Mailer: mailer})
	msgs := srv.WaitFor(t, 1, wait)
	checkNotification(t, msgs[0], r)
	e.waitJob(t, notifyKind, "the notify job to complete", func(j jobRow) bool { return j.State == "completed" })
	stillExactly(t, srv, 1)
	if at := e.mailedAt(t, r.ID); at == nil {
		t.Error("mailed_at not set after delivery")
	}
}

func TestNotifyTemporaryRefusal(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.confirm(t, citizenEmail) // before the runner starts: no confirmation mail
	srv := mailtest.Start(t)
	srv.FailNext(1, 451)
	e.start(t, jobs.Config{Mailer: sender(t, srv)})

	r := e.file(t, citizenEmail)
	msgs := srv.WaitFor(t, 1, wait)
	checkNotification(t, msgs[0], r)
	j := e.waitJob(t, notifyKind, "the notify job to complete", func(j jobRow) bool { return j.State == "completed" })
	if j.Attempt != 2 || j.NErrors != 1 || !strings.Contains(j.Errors, "451") {
		t.Errorf("%v, want completed at the second attempt after one 451", j)
	}
	stillExactly(t, srv, 1)
}

// echoingMailer is a Mailer whose failures quote the recipient, as many SMTP servers' replies do
// ("550 5.1.1 <x@y>: Recipient address rejected").
type echoingMailer struct {
	mailer jobs.Mailer
	mu     sync.Mutex
	errs   []error
}

func (m *echoingMailer) Send(ctx context.Context, msg mail.Message) error {
	err := m.mailer.Send(ctx, msg)
	if err == nil {
		return nil
	}
	err = fmt.Errorf("recipient <%s> rejected: %w", msg.To, err)
	m.mu.Lock()
	m.errs = append(m.errs, err)
	m.mu.Unlock()
	return err
}

func (m *echoingMailer) errors() []error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]error(nil), m.errs...)
}

func TestNotifyPermanentRefusal(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.confirm(t, citizenEmail) // before the runner starts: no confirmation mail
	srv := mailtest.Start(t)
	srv.FailNext(1, 550)
	mailer := &echoingMailer{mailer: sender(t, srv)}
	e.start(t, jobs.Config{Mailer: mailer})

	r := e.file(t, citizenEmail)
	j := e.waitJob(t, notifyKind, "the notify job to be cancelled", func(j jobRow) bool {
		return j.State == "cancelled" || j.State == "completed" || j.State == "discarded"
	})
	if j.State != "cancelled" || j.Attempt != 1 {
		t.Fatalf("%v after a 550, want cancelled after one attempt", j)
	}
	// The test means something only when the error the worker saw quoted the address.
	errs := mailer.errors()
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), citizenEmail) || !mail.IsPermanent(errs[0]) {
		t.Fatalf("the mailer failed with %v, want one permanent error quoting the address", errs)
	}
	if j.NErrors != 1 || !strings.Contains(j.Errors, "550") {
		t.Errorf("%v, want the 550 recorded", j)
	}
	if strings.Contains(j.Errors, "@") {
		t.Errorf("the stored job error contains an e-mail address: %s", j.Errors)
	}
	if logs := e.logs.String(); strings.Contains(logs, citizenEmail) {
		t.Errorf("the runner logged the citizen's address:\n%s", logs)
	}
	// Not retried: FailNext is used up, so a retry would deliver.
	stillExactly(t, srv, 0)
	if j := e.mustJob(t, notifyKind); j.State != "cancelled" {
		t.Errorf("%v, want it to stay cancelled", j)
	}
	if at := e.mailedAt(t, r.ID); at != nil {
		t.Errorf("mailed_at %v although nothing was delivered", at)
	}
}

func TestNotifyWithoutMailerWaits(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.confirm(t, citizenEmail) // before the runner starts: no confirmation mail
	srv := mailtest.Start(t)

	a := e.start(t, jobs.Config{}) // no SMTP configured
	r := e.file(t, citizenEmail)
	j := e.waitJob(t, notifyKind, "the notify job to be snoozed", func(j jobRow) bool { return j.State != "available" && j.State != "running" })
	if j.State != "scheduled" || j.NErrors != 0 {
		t.Fatalf("%v without a mailer, want scheduled (snoozed) without errors", j)
	}
	if until := time.Until(j.ScheduledAt); until < 10*time.Minute {
		t.Errorf("%v: snoozed until %v, want a later attempt, not an immediate one", j, j.ScheduledAt)
	}
	if at := e.mailedAt(t, r.ID); at != nil {
		t.Errorf("mailed_at %v without a mailer", at)
	}
	stopRunner(t, a)

	// The snooze runs out, and this time SMTP is configured: the e-mail goes out after all.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := e.raw.Exec(ctx, `UPDATE river_job SET scheduled_at = now() - interval '1 second' WHERE id = $1`, j.ID); err != nil {
		t.Fatal(err)
	}
	e.start(t, jobs.Config{Mailer: sender(t, srv)})
	msgs := srv.WaitFor(t, 1, wait)
	checkNotification(t, msgs[0], r)
	e.waitJob(t, notifyKind, "the notify job to complete", func(j jobRow) bool { return j.State == "completed" })
	stillExactly(t, srv, 1)
	if at := e.mailedAt(t, r.ID); at == nil {
		t.Error("mailed_at not set after delivery")
	}
}

// nearDeadline files a request without an e-mail address and sets the database clock to six days
// before its deadline. Call it before starting a runner: SetClock is not safe while one runs.
func (e *env) nearDeadline(t *testing.T) portal.RightsRequest {
	t.Helper()
	r := e.file(t, "")
	now := r.Deadline.Add(-6 * 24 * time.Hour)
	e.db.SetClock(func() time.Time { return now })
	return r
}

// checkReminder checks that m is the clerks' reminder of r.
func checkReminder(t *testing.T, m mailtest.Received, r portal.RightsRequest) {
	t.Helper()
	if len(m.To) != 1 || m.To[0] != clerkEmail {
		t.Errorf("envelope recipients %q, want [%s]", m.To, clerkEmail)
	}
	due := r.Deadline.In(portal.Amsterdam).Format("02-01-2006")
	subj := subject(m)
	for _, want := range []string{r.Reference, due} {
		if !strings.Contains(subj, want) || !strings.Contains(m.Body, want) {
			t.Errorf("subject %q or body does not contain %q:\n%s", subj, want, m.Body)
		}
	}
	if want := baseURL + "/medewerker/verzoeken/" + r.ID; !strings.Contains(m.Body, want) {
		t.Errorf("body does not link to %s:\n%s", want, m.Body)
	}
	for _, secret := range []string{bsn, description, "Schuldhulpverlening", "betalingsachterstand", citizenEmail} {
		if strings.Contains(string(m.Data), secret) || strings.Contains(subj, secret) || strings.Contains(m.Body, secret) {
			t.Errorf("the reminder contains %q:\n%s", secret, m.Data)
		}
	}
}

func TestDeadlineReminderOnStart(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	srv := mailtest.Start(t)
	r := e.nearDeadline(t)

	// The period is an hour: only the sweep on start can find the request in this test.
	e.start(t, jobs.Config{Mailer: sender(t, srv), ClerkEmail: clerkEmail, SweepEvery: time.Hour})
	msgs := srv.WaitFor(t, 1, wait)
	checkReminder(t, msgs[0], r)
	e.waitJob(t, reminderKind, "the reminder job to complete", func(j jobRow) bool { return j.State == "completed" })
	stillExactly(t, srv, 1)

	e.checkRemindedOnce(t, r.ID)
}

// checkRemindedOnce checks that the request is marked reminded and its timeline holds one reminder.
func (e *env) checkRemindedOnce(t *testing.T, id string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	got, err := e.db.RequestByID(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if got.RemindedAt == nil {
		t.Error("reminded_at not set")
	}
	var reminders int
	for _, s := range got.Steps {
		if s.Kind == portal.StepReminder {
			reminders++
		}
	}
	if reminders != 1 {
		t.Errorf("%d reminder steps in the timeline, want 1: %+v", reminders, got.Steps)
	}
}

func TestDeadlineReminderOnlyOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	srv := mailtest.Start(t)
	r := e.nearDeadline(t)

	e.start(t, jobs.Config{Mailer: sender(t, srv), ClerkEmail: clerkEmail, SweepEvery: 100 * time.Millisecond})
	msgs := srv.WaitFor(t, 1, wait)
	checkReminder(t, msgs[0], r)

	// Let several more sweeps run: the request is reminded of once.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var after time.Time
	if err := e.raw.QueryRow(ctx, `SELECT now()`).Scan(&after); err != nil {
		t.Fatal(err)
	}
	eventually(t, "three more deadline sweeps", func() (bool, string) {
		var n int
		if err := e.raw.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = $1 AND state = 'completed'
 AND created_at > $2`, sweepKind, after).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n >= 3, fmt.Sprintf("%d sweeps", n)
	})
	e.waitJob(t, reminderKind, "the reminder job to complete", func(j jobRow) bool { return j.State == "completed" })
	stillExactly(t, srv, 1)
	e.checkRemindedOnce(t, r.ID)
}

func TestReminderSkipsClosedRequest(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	srv := mailtest.Start(t)
	r := e.nearDeadline(t)

	// The sweep queues the reminder; the citizen withdraws before any runner works it.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := e.db.SweepDeadlines(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.Reminded != 1 {
		t.Fatalf("sweep reminded %d requests, want 1", res.Reminded)
	}
	if err := e.db.WithdrawRequest(ctx, e.subject, r.ID); err != nil {
		t.Fatal(err)
	}

	e.start(t, jobs.Config{Mailer: sender(t, srv), ClerkEmail: clerkEmail})
	j := e.waitJob(t, reminderKind, "the reminder job to finish", func(j jobRow) bool { return j.State == "completed" })
	if j.NErrors != 0 {
		t.Errorf("%v, want completed without errors", j)
	}
	stillExactly(t, srv, 0)
}

func TestReminderWithoutClerkMailbox(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	srv := mailtest.Start(t)
	e.nearDeadline(t)

	e.start(t, jobs.Config{Mailer: sender(t, srv)}) // no ClerkEmail
	j := e.waitJob(t, reminderKind, "the reminder job to finish", func(j jobRow) bool { return j.State == "completed" })
	if j.NErrors != 0 {
		t.Errorf("%v, want completed without errors", j)
	}
	stillExactly(t, srv, 0)
}

func TestNotificationMail(t *testing.T) {
	t.Parallel()
	for _, base := range []string{"https://inzicht.gemeente.example", "https://inzicht.gemeente.example/"} {
		m := jobs.NotificationMail(citizenEmail, base, municipality)
		if m.To != citizenEmail {
			t.Errorf("To %q, want %q", m.To, citizenEmail)
		}
		if !strings.Contains(m.Body, "https://inzicht.gemeente.example/berichten\n") {
			t.Errorf("base %q: body does not link to the inbox:\n%s", base, m.Body)
		}
		if strings.Contains(m.Body, "//berichten") {
			t.Errorf("base %q: double slash in the link:\n%s", base, m.Body)
		}
		if strings.Count(m.Body, municipality) != 2 {
			t.Errorf("body names the municipality %d times, want twice (Dutch and English):\n%s",
				strings.Count(m.Body, municipality), m.Body)
		}
		if m.Subject == "" || strings.ContainsAny(m.Subject, "\r\n") {
			t.Errorf("subject %q", m.Subject)
		}
		if strings.Contains(m.Subject, citizenEmail) || strings.Contains(m.Body, citizenEmail) {
			t.Errorf("the address is repeated in the content: %q\n%s", m.Subject, m.Body)
		}
		if !strings.Contains(m.Body, "DigiD") {
			t.Errorf("body does not say how to log in:\n%s", m.Body)
		}
	}
}

func TestReminderMail(t *testing.T) {
	t.Parallel()
	r := portal.RightsRequest{
		ID:          "7a0d3f9e-5b1c-4c2e-9f3a-0123456789ab",
		Reference:   "AVG-2026-000042",
		SubjectID:   7,
		Kind:        portal.KindCorrection,
		Status:      portal.StatusHandling,
		Description: description,
		HasEmail:    true,
		// 23:30 UTC on 31 January is already 1 February in Amsterdam.
		Deadline: time.Date(2026, 1, 31, 23, 30, 0, 0, time.UTC),
	}
	m := jobs.ReminderMail(clerkEmail, baseURL+"/", r)
	if m.To != clerkEmail {
		t.Errorf("To %q, want %q", m.To, clerkEmail)
	}
	for _, want := range []string{r.Reference, "01-02-2026"} {
		if !strings.Contains(m.Subject, want) || !strings.Contains(m.Body, want) {
			t.Errorf("subject %q or body does not contain %q:\n%s", m.Subject, want, m.Body)
		}
	}
	if strings.Contains(m.Subject+m.Body, "31-01-2026") {
		t.Errorf("the deadline is given in UTC, not in Amsterdam: %q\n%s", m.Subject, m.Body)
	}
	if want := baseURL + "/medewerker/verzoeken/" + r.ID + "\n"; !strings.Contains(m.Body, want) {
		t.Errorf("body does not link to %s:\n%s", want, m.Body)
	}
	if !strings.Contains(m.Body, string(portal.KindCorrection)) || !strings.Contains(m.Body, string(portal.StatusHandling)) {
		t.Errorf("body does not give kind and status:\n%s", m.Body)
	}
	if strings.Contains(m.Subject+m.Body, "Schuldhulpverlening") || strings.ContainsAny(m.Subject, "\r\n") {
		t.Errorf("the citizen's words or a line break in the reminder: %q\n%s", m.Subject, m.Body)
	}
}

var _ jobs.Mailer = (*echoingMailer)(nil)

// storedStats returns the stored figures of every statistics period at now.
func (e *env) storedStats(t *testing.T, now time.Time) map[string]portal.StoredCounts {
	t.Helper()
	var labels []string
	for _, p := range portal.StatisticsPeriods(now) {
		labels = append(labels, p.Label)
	}
	m, err := e.db.StoredPeriods(context.Background(), labels)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestRefreshStatistics: the first run computes every period; later runs compute the current quarter
// and year again (and see a change), leave fresh closed periods alone, and recompute closed periods
// once their figures are a day old. Running it again changes nothing else.
func TestRefreshStatistics(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, portal.Amsterdam)
	var mu sync.Mutex
	e.db.SetClock(func() time.Time { mu.Lock(); defer mu.Unlock(); return now })
	setNow := func(t time.Time) { mu.Lock(); now = t; mu.Unlock() }
	all := len(portal.StatisticsPeriods(now)) // 2023, its quarters, 2024, its quarters, 2025, K1, K2
	if all != 13 {
		t.Fatalf("%d periods, want 13", all)
	}
	run := func(at time.Time, want int) {
		t.Helper()
		setNow(at)
		n, err := jobs.RefreshStatistics(ctx, e.db, at)
		if err != nil {
			t.Fatal(err)
		}
		if n != want {
			t.Errorf("at %v: %d periods computed, want %d", at, n, want)
		}
	}
	run(now, all)
	first := e.storedStats(t, now)
	if len(first) != all {
		t.Fatalf("%d periods stored, want %d", len(first), all)
	}
	if first["2025-K2"].Counts.RequestsByKind["inzage"] != 0 {
		t.Fatalf("figures before any request: %+v", first["2025-K2"].Counts)
	}

	// Idempotent: again at the same moment, only the current periods, with the same figures.
	run(now, 2)
	again := e.storedStats(t, now)
	for label, sc := range first {
		if diff := cmp.Diff(sc.Counts, again[label].Counts); diff != "" {
			t.Errorf("%s changed by a second run (-first +again):\n%s", label, diff)
		}
	}

	// A request in the current quarter shows after the next run, in the quarter and the year.
	e.file(t, "")
	later := now.Add(15 * time.Minute)
	run(later, 2)
	got := e.storedStats(t, later)
	for _, label := range []string{"2025-K2", "2025"} {
		if n := got[label].Counts.RequestsByKind["inzage"]; n != 1 || !got[label].ComputedAt.Equal(later) {
			t.Errorf("%s: %d requests computed at %v, want 1 at %v", label, n, got[label].ComputedAt, later)
		}
	}
	if !got["2024"].ComputedAt.Equal(first["2024"].ComputedAt) {
		t.Errorf("a fresh closed period was computed again at %v", got["2024"].ComputedAt)
	}

	// A day later every closed period is computed again.
	run(now.Add(25*time.Hour), all)
}

// TestRefreshStatisticsOnStart: a runner computes the figures when it starts, as a periodic job.
func TestRefreshStatisticsOnStart(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.file(t, "")
	e.start(t, jobs.Config{StatsEvery: time.Hour})
	e.waitJob(t, portal.RefreshStatisticsJob{}.Kind(), "the statistics refresh on start", func(j jobRow) bool { return j.State == "completed" })
	now := time.Now()
	got := e.storedStats(t, now)
	if len(got) != len(portal.StatisticsPeriods(now)) {
		t.Errorf("%d periods stored, want %d", len(got), len(portal.StatisticsPeriods(now)))
	}
	if n := got[portal.QuarterOf(now).Label].Counts.RequestsByKind["inzage"]; n != 1 {
		t.Errorf("current quarter: %d requests, want 1", n)
	}
}

var tokenRe = regexp.MustCompile(`/email/bevestigen\?token=([A-Za-z0-9_-]{43})`)

// TestConfirmationBeforeNotifications: an address given with a request gets exactly one mail, the
// confirmation, with nothing personal in it, and no notification; a wrong token confirms nothing;
// once the person confirms with the mailed token, notifications arrive.
func TestConfirmationBeforeNotifications(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	srv := mailtest.Start(t)
	e.start(t, jobs.Config{Mailer: sender(t, srv)})
	ctx := context.Background()

	r := e.fileAs(t, citizenEmail)
	msgs := srv.WaitFor(t, 1, wait)
	m := msgs[0]
	if len(m.To) != 1 || m.To[0] != citizenEmail {
		t.Fatalf("confirmation to %v, want %s", m.To, citizenEmail)
	}
	if !strings.Contains(subject(m), "Bevestig") {
		t.Errorf("subject %q, want the confirmation", subject(m))
	}
	match := tokenRe.FindStringSubmatch(m.Body)
	if match == nil || !strings.Contains(m.Body, baseURL+"/email/bevestigen?token=") {
		t.Fatalf("no confirmation link in:\n%s", m.Body)
	}
	for _, secret := range []string{r.Reference, "AVG-", bsn, description, "Schuldhulpverlening", string(r.Kind), r.ID} {
		if strings.Contains(strings.ToLower(m.Body+subject(m)), strings.ToLower(secret)) {
			t.Errorf("the confirmation mail holds %q:\n%s", secret, m.Body)
		}
	}
	// The token is not in the job's arguments (nor anywhere else in the database: see leak_test).
	if j := e.waitJob(t, "confirm_email", "the confirmation job to complete", func(j jobRow) bool { return j.State == "completed" }); strings.Contains(j.Args, match[1]) || strings.Contains(j.Args, "@") {
		t.Errorf("job args %s hold the token or the address", j.Args)
	}
	// No notification for the unconfirmed address.
	if j, ok := e.job(t, notifyKind); ok {
		t.Errorf("a notify job for an unconfirmed address: %v", j)
	}
	stillExactly(t, srv, 1)

	// A wrong token does nothing; the mailed one confirms.
	wrong, _ := portal.NewEmailToken()
	if err := e.db.ConfirmEmail(ctx, e.subject, wrong); portal.ErrorCode(err) != portal.ENOTFOUND {
		t.Fatalf("wrong token: %v", err)
	}
	if err := e.db.ConfirmEmail(ctx, e.subject, match[1]); err != nil {
		t.Fatalf("confirm with the mailed token: %v", err)
	}
	clerk := portal.Staff{Sub: "c1", Name: "Clerk", Roles: []string{portal.RoleClerk}}
	// Starting is internal (no message); the extension is told.
	for _, a := range []portal.Action{{Kind: portal.StepStarted}, {Kind: portal.StepExtended, Months: 1, Note: "Veel systemen"}} {
		if _, err := e.db.ActOnRequest(ctx, r.ID, clerk, a); err != nil {
			t.Fatal(err)
		}
	}
	msgs = srv.WaitFor(t, 2, wait)
	checkNotification(t, msgs[1], r)
	stillExactly(t, srv, 2)
}

func TestConfirmationMail(t *testing.T) {
	t.Parallel()
	m := jobs.ConfirmationMail(citizenEmail, baseURL+"/", municipality, "TOKEN")
	if m.To != citizenEmail || !strings.Contains(m.Body, baseURL+"/email/bevestigen?token=TOKEN") ||
		!strings.Contains(m.Body, "48 uur") || !strings.Contains(m.Body, "48 hours") || !strings.Contains(m.Body, municipality) {
		t.Errorf("mail %+v", m)
	}
}

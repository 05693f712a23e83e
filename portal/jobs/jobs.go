// Package jobs works Inzicht's durable background jobs with River: the e-mails that tell citizens
// about a new message, the mails that confirm a citizen's address, the clerks' deadline reminders, the periodic deadline sweep and the periodic
// refresh of the council's figures. Jobs live in
// PostgreSQL, are inserted in the same transaction as the change that causes them, survive restarts
// and are retried with backoff while SMTP is down.
package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/inzicht/inzicht/portal"
	"github.com/inzicht/inzicht/portal/mail"
)

// Store is what the jobs need from storage.
type Store interface {
	Notification(ctx context.Context, messageID int64) (portal.Notification, error)
	MarkMailed(ctx context.Context, messageID int64) (bool, error)
	PrepareConfirmation(ctx context.Context, subjectID, version int64) (addr, token string, err error)
	RequestByID(ctx context.Context, id string) (portal.RightsRequest, error)
	SweepDeadlines(ctx context.Context) (portal.DeadlineSweepResult, error)
	SweepSignals(ctx context.Context) (portal.SignalSweepResult, error)
	SweepConsents(ctx context.Context) (int, error)
	AlertReleasedLines(ctx context.Context) (portal.ReleaseAlertResult, error)
	RemoveExpiredEvents(ctx context.Context, batch int) ([]portal.RetentionRun, error)
	RemoveExpiredChainSpans(ctx context.Context, batch int) (int64, error)
	StoredPeriods(ctx context.Context, labels []string) (map[string]portal.StoredCounts, error)
	RefreshPeriod(ctx context.Context, p portal.Period) (portal.StoredCounts, error)
	NewJobClient(cfg *river.Config) (*river.Client[pgx.Tx], error)
}

// Mailer sends one e-mail.
type Mailer interface {
	Send(ctx context.Context, m mail.Message) error
}

// Config says how the jobs run.
type Config struct {
	BaseURL      string // links in e-mails point here
	Municipality string
	// ClerkEmail receives the deadline reminders; "" = reminders only show in the queue.
	ClerkEmail string
	// TeamLeadEmail receives an alert at each emergency access (break-the-glass) by the municipality's
	// staff; "" = the alert shows on the team lead's home only.
	TeamLeadEmail string
	// Mailer sends e-mail; nil = no SMTP configured: e-mail jobs wait (snooze) until one is.
	Mailer     Mailer
	Workers    int           // concurrent jobs (default 5)
	SweepEvery time.Duration // deadline sweep period (default 15 minutes)
	// StatsEvery is how often the council's figures of the current periods are computed again
	// (default 15 minutes).
	StatsEvery time.Duration
	// Now is the clock that says which periods are current (default time.Now).
	Now func() time.Time
	// RetryPolicy overrides River's exponential backoff (tests).
	RetryPolicy river.ClientRetryPolicy
	// FetchPollInterval overrides how often idle workers look for jobs (tests).
	FetchPollInterval time.Duration
	// PollOnly makes River poll for new jobs and leadership instead of listening (LISTEN/NOTIFY),
	// for a connection pooler in transaction mode, which passes no notifications.
	PollOnly bool
	Log      *slog.Logger
}

// Runner works the jobs until stopped.
type Runner struct {
	client *river.Client[pgx.Tx]
	log    *slog.Logger
}

// New builds a Runner; Start begins working.
func New(store Store, cfg Config) (*Runner, error) {
	if cfg.Workers <= 0 {
		cfg.Workers = 5
	}
	if cfg.SweepEvery <= 0 {
		cfg.SweepEvery = 15 * time.Minute
	}
	if cfg.StatsEvery <= 0 {
		cfg.StatsEvery = 15 * time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, &notifyWorker{store: store, cfg: cfg})
	river.AddWorker(workers, &confirmWorker{store: store, cfg: cfg})
	river.AddWorker(workers, &reminderWorker{store: store, cfg: cfg})
	river.AddWorker(workers, &breakGlassWorker{cfg: cfg})
	river.AddWorker(workers, &sweepWorker{store: store, log: cfg.Log})
	river.AddWorker(workers, &retentionWorker{store: store, log: cfg.Log})
	river.AddWorker(workers, &statsWorker{store: store, now: cfg.Now, log: cfg.Log})
	rcfg := &river.Config{
		Queues:  map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: cfg.Workers}},
		Workers: workers,
		PeriodicJobs: []*river.PeriodicJob{
			river.NewPeriodicJob(river.PeriodicInterval(cfg.SweepEvery),
				func() (river.JobArgs, *river.InsertOpts) { return portal.SweepJob{}, nil },
				&river.PeriodicJobOpts{RunOnStart: true}),
			river.NewPeriodicJob(river.PeriodicInterval(cfg.StatsEvery),
				func() (river.JobArgs, *river.InsertOpts) { return portal.RefreshStatisticsJob{}, nil },
				&river.PeriodicJobOpts{RunOnStart: true}),
			river.NewPeriodicJob(river.PeriodicInterval(24*time.Hour),
				func() (river.JobArgs, *river.InsertOpts) {
					return portal.RetentionJob{}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: time.Hour}}
				},
				&river.PeriodicJobOpts{RunOnStart: true}),
		},
		RetryPolicy:       cfg.RetryPolicy,
		FetchPollInterval: cfg.FetchPollInterval,
		PollOnly:          cfg.PollOnly,
		JobTimeout:        2 * time.Minute,
		// A job left running by a process that died (or did not finish before Stop's deadline) is
		// given to another worker after this long, instead of River's default hour.
		RescueStuckJobsAfter: 5 * time.Minute,
		// River logs job failures with their error text; ours never carry personal data (see safeErr).
		// Its routine information (job counts every few seconds) is left out.
		Logger: slog.New(minLevel{cfg.Log.Handler(), slog.LevelWarn}).With("component", "jobs"),
	}
	if rcfg.FetchPollInterval > 0 && rcfg.FetchPollInterval < river.FetchCooldownDefault {
		rcfg.FetchCooldown = rcfg.FetchPollInterval
	}
	client, err := store.NewJobClient(rcfg)
	if err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	return &Runner{client: client, log: cfg.Log}, nil
}

// minLevel passes on only records at or above its level.
type minLevel struct {
	slog.Handler
	level slog.Level
}

func (h minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.level && h.Handler.Enabled(ctx, l)
}

func (h minLevel) WithAttrs(as []slog.Attr) slog.Handler {
	return minLevel{h.Handler.WithAttrs(as), h.level}
}

func (h minLevel) WithGroup(name string) slog.Handler {
	return minLevel{h.Handler.WithGroup(name), h.level}
}

// Start begins working jobs in the background.
func (r *Runner) Start(ctx context.Context) error { return r.client.Start(ctx) }

// Stop lets running jobs finish (until ctx ends) and stops. Jobs not yet started run after a restart;
// one still running when ctx ends is rescued and run again after RescueStuckJobsAfter.
func (r *Runner) Stop(ctx context.Context) error { return r.client.Stop(ctx) }

var addressRe = regexp.MustCompile(`[^\s<>"'(),;:]+@[^\s<>"'(),;:]+`)

// safeErr keeps e-mail addresses out of the error River stores with the job and logs: SMTP servers
// like to quote the recipient in their replies.
func safeErr(err error) error {
	return errors.New(addressRe.ReplaceAllString(err.Error(), "<address>"))
}

// notifyWorker sends a citizen the e-mail that a new message waits. The e-mail says only that:
// no name, no reference, nothing about the request.
type notifyWorker struct {
	river.WorkerDefaults[portal.NotifyJob]
	store Store
	cfg   Config
}

func (w *notifyWorker) Work(ctx context.Context, job *river.Job[portal.NotifyJob]) error {
	if w.cfg.Mailer == nil {
		return river.JobSnooze(time.Hour)
	}
	n, err := w.store.Notification(ctx, job.Args.MessageID)
	if portal.ErrorCode(err) == portal.ENOTFOUND {
		return nil // the message or its address is gone: nothing to send
	}
	if err != nil {
		return err
	}
	if n.Mailed {
		return nil // sent by an earlier attempt that did not get to finish
	}
	if err := w.cfg.Mailer.Send(ctx, NotificationMail(n.Email, w.cfg.BaseURL, w.cfg.Municipality)); err != nil {
		if mail.IsPermanent(err) {
			return river.JobCancel(safeErr(err))
		}
		return safeErr(err)
	}
	_, err = w.store.MarkMailed(ctx, job.Args.MessageID)
	return err
}

// NotificationMail is the e-mail telling a citizen there is a new message. Dutch first, then English.
func NotificationMail(to, baseURL, municipality string) mail.Message {
	link := strings.TrimRight(baseURL, "/") + "/berichten"
	return mail.Message{
		To:      to,
		Subject: "Nieuw bericht in Inzicht / New message in Inzicht",
		Body: "Beste meneer, mevrouw,\n\n" +
			"Er is een nieuw bericht voor u in Inzicht, het portaal van " + municipality + ".\n" +
			"Log in met DigiD om het bericht te lezen:\n" + link + "\n\n" +
			"Dit is een automatisch bericht. U kunt hier niet op antwoorden.\n\n" +
			"---\n\n" +
			"There is a new message for you in Inzicht, the portal of " + municipality + ".\n" +
			"Log in with DigiD to read it:\n" + link + "\n\n" +
			"This is an automatic message. Please do not reply.\n",
	}
}

// confirmWorker sends the mail with the link that confirms a citizen's notification address. Each
// attempt makes a fresh token (storage keeps only its hash), so the link of the mail that went out
// last is the one that works; the raw token is never stored, not even in the job.
type confirmWorker struct {
	river.WorkerDefaults[portal.ConfirmEmailJob]
	store Store
	cfg   Config
}

func (w *confirmWorker) Work(ctx context.Context, job *river.Job[portal.ConfirmEmailJob]) error {
	if w.cfg.Mailer == nil {
		return river.JobSnooze(time.Hour)
	}
	addr, token, err := w.store.PrepareConfirmation(ctx, job.Args.SubjectID, job.Args.Version)
	if portal.ErrorCode(err) == portal.ENOTFOUND {
		return nil // confirmed, removed or replaced in the meantime: nothing to send
	}
	if err != nil {
		return err
	}
	if err := w.cfg.Mailer.Send(ctx, ConfirmationMail(addr, w.cfg.BaseURL, w.cfg.Municipality, token)); err != nil {
		if mail.IsPermanent(err) {
			return river.JobCancel(safeErr(err))
		}
		return safeErr(err)
	}
	return nil
}

// ConfirmationMail is the mail that asks the owner of an address to confirm it. It holds only the
// link and that someone asked to use this address for Inzicht's notifications: no name, no request,
// nothing about the person. Dutch first, then English.
func ConfirmationMail(to, baseURL, municipality, token string) mail.Message {
	link := strings.TrimRight(baseURL, "/") + "/email/bevestigen?token=" + token
	hours := fmt.Sprint(int(portal.EmailConfirmationTTL.Hours()))
	return mail.Message{
		To:      to,
		Subject: "Bevestig uw e-mailadres voor Inzicht / Confirm your e-mail address for Inzicht",
		Body: "Beste meneer, mevrouw,\n\n" +
			"Iemand wil dit e-mailadres gebruiken voor berichten van Inzicht, het portaal van " + municipality + ".\n" +
			"Was u dat? Log dan in met DigiD en open deze link binnen " + hours + " uur:\n" + link + "\n\n" +
			"Was u dat niet? Dan hoeft u niets te doen. Wij sturen geen berichten naar dit adres zolang het niet bevestigd is.\n\n" +
			"Dit is een automatisch bericht. U kunt hier niet op antwoorden.\n\n" +
			"---\n\n" +
			"Someone wants to use this e-mail address for messages from Inzicht, the portal of " + municipality + ".\n" +
			"Was that you? Then log in with DigiD and open this link within " + hours + " hours:\n" + link + "\n\n" +
			"Was it not you? Then you need not do anything. We send no messages to this address until it is confirmed.\n\n" +
			"This is an automatic message. Please do not reply.\n",
	}
}

// reminderWorker tells the clerks that a request's deadline is a week away. The e-mail carries the
// reference, kind and deadline, never the citizen's identity or words.
type reminderWorker struct {
	river.WorkerDefaults[portal.ReminderJob]
	store Store
	cfg   Config
}

func (w *reminderWorker) Work(ctx context.Context, job *river.Job[portal.ReminderJob]) error {
	if w.cfg.ClerkEmail == "" {
		return nil // the queue shows the mark; there is no mailbox to write to
	}
	if w.cfg.Mailer == nil {
		return river.JobSnooze(time.Hour)
	}
	r, err := w.store.RequestByID(ctx, job.Args.RequestID)
	if portal.ErrorCode(err) == portal.ENOTFOUND {
		return nil
	}
	if err != nil {
		return err
	}
	if !r.Open() {
		return nil // decided or withdrawn in the meantime
	}
	if !job.Args.Deadline.IsZero() && !r.Deadline.Equal(job.Args.Deadline) {
		return nil // extended in the meantime: the new deadline gets its own reminder
	}
	if err := w.cfg.Mailer.Send(ctx, ReminderMail(w.cfg.ClerkEmail, w.cfg.BaseURL, r)); err != nil {
		if mail.IsPermanent(err) {
			return river.JobCancel(safeErr(err))
		}
		return safeErr(err)
	}
	return nil
}

// ReminderMail is the clerks' reminder of a deadline.
func ReminderMail(to, baseURL string, r portal.RightsRequest) mail.Message {
	due := r.Deadline.In(portal.Amsterdam).Format("02-01-2006")
	return mail.Message{
		To:      to,
		Subject: "Herinnering: verzoek " + r.Reference + " uiterlijk " + due + " beslissen",
		Body: "Het verzoek " + r.Reference + " (" + string(r.Kind) + ") moet uiterlijk " + due + " besloten zijn.\n" +
			"Status: " + string(r.Status) + ".\n\n" +
			"Open het verzoek:\n" + strings.TrimRight(baseURL, "/") + "/medewerker/verzoeken/" + r.ID + "\n",
	}
}

// breakGlassWorker tells the team leads' mailbox that an emergency access by the municipality's
// staff was registered. The e-mail says when, never whose data or who looked: that is read in Inzicht.
type breakGlassWorker struct {
	river.WorkerDefaults[portal.BreakGlassAlertJob]
	cfg Config
}

func (w *breakGlassWorker) Work(ctx context.Context, job *river.Job[portal.BreakGlassAlertJob]) error {
	if w.cfg.TeamLeadEmail == "" || job.Args.Organization != w.cfg.Municipality {
		return nil // no mailbox; or another organisation's access, which its own team lead oversees
	}
	if w.cfg.Mailer == nil {
		return river.JobSnooze(time.Hour)
	}
	if err := w.cfg.Mailer.Send(ctx, BreakGlassMail(w.cfg.TeamLeadEmail, w.cfg.BaseURL, job.Args.OccurredAt)); err != nil {
		if mail.IsPermanent(err) {
			return river.JobCancel(safeErr(err))
		}
		return safeErr(err)
	}
	return nil
}

// BreakGlassMail is the team leads' alert of an emergency access.
func BreakGlassMail(to, baseURL string, at time.Time) mail.Message {
	when := at.In(portal.Amsterdam).Format("02-01-2006 15:04")
	link := strings.TrimRight(baseURL, "/") + "/medewerker"
	return mail.Message{
		To:      to,
		Subject: "Noodtoegang geregistreerd op " + when + " / Emergency access registered",
		Body: "Een medewerker van uw organisatie heeft op " + when + " met noodtoegang (break-the-glass) gegevens van een inwoner bekeken.\n" +
			"Bekijk de toegang en de reden op uw startpagina in Inzicht:\n" + link + "\n\n" +
			"---\n\n" +
			"An employee of your organisation used emergency access (break-the-glass) to a resident's data on " + when + ".\n" +
			"See the access and its reason on your home page in Inzicht:\n" + link + "\n",
	}
}

// sweepWorker runs the deadline sweep of requests and of signals.
type sweepWorker struct {
	river.WorkerDefaults[portal.SweepJob]
	store Store
	log   *slog.Logger
}

func (w *sweepWorker) Work(ctx context.Context, _ *river.Job[portal.SweepJob]) error {
	res, err := w.store.SweepDeadlines(ctx)
	if err != nil {
		return err
	}
	if res.Reminded > 0 || res.Overdue > 0 {
		w.log.Info("deadline sweep", "reminded", res.Reminded, "overdue", res.Overdue)
	}
	// Deferrals never lapse silently: what no approved deferral hides any more is told.
	sig, err := w.store.SweepSignals(ctx)
	if err != nil {
		return err
	}
	if sig.Lapsed > 0 || sig.Told > 0 {
		w.log.Info("signal sweep", "deferrals_lapsed", sig.Lapsed, "told", sig.Told)
	}
	// Consent requests close by themselves at their end date.
	n, err := w.store.SweepConsents(ctx)
	if err != nil {
		return err
	}
	if n > 0 {
		w.log.Info("consent sweep", "expired", n)
	}
	// Lines kept from a person for a while alert them when they become visible, if they asked for
	// access alerts (issue 18). Safe to run again: a line alerts its person once.
	rel, err := w.store.AlertReleasedLines(ctx)
	if err != nil {
		return err
	}
	if rel.Alerted > 0 {
		w.log.Info("release alerts", "alerted", rel.Alerted)
	}
	return nil
}

// retentionWorker removes events past their retention period, then the spans kept only for their
// chain once past the register's longest retention period. A large backlog (the first run on an
// old log) can take longer than one job's timeout: what was removed stays removed and recorded,
// and the next run goes on.
type retentionWorker struct {
	river.WorkerDefaults[portal.RetentionJob]
	store Store
	log   *slog.Logger
}

func (w *retentionWorker) Timeout(*river.Job[portal.RetentionJob]) time.Duration {
	return 30 * time.Minute
}

func (w *retentionWorker) Work(ctx context.Context, _ *river.Job[portal.RetentionJob]) error {
	runs, err := w.store.RemoveExpiredEvents(ctx, 5000)
	for _, r := range runs {
		w.log.Info("retention", "activity", r.ActivityID, "retention", r.Retention, "cutoff", r.Cutoff, "removed", r.Removed,
			"reviews_removed", r.ReviewsRemoved)
	}
	if err != nil {
		return err
	}
	n, err := w.store.RemoveExpiredChainSpans(ctx, 5000)
	if n > 0 {
		w.log.Info("retention", "chain_spans_removed", n)
	}
	return err
}

// statsWorker computes the council's figures ahead of the visitors: the current quarter and year on
// every run, closed periods when their stored figures are missing or old (portal.NeedsRefresh).
type statsWorker struct {
	river.WorkerDefaults[portal.RefreshStatisticsJob]
	store Store
	now   func() time.Time
	log   *slog.Logger
}

func (w *statsWorker) Work(ctx context.Context, _ *river.Job[portal.RefreshStatisticsJob]) error {
	n, err := RefreshStatistics(ctx, w.store, w.now())
	if err != nil {
		return err
	}
	w.log.Debug("statistics refreshed", "periods", n)
	return nil
}

// RefreshStatistics computes and stores the figures of every period of portal.StatisticsPeriods that
// needs it at now, and returns how many it computed. Running it twice, or twice at once, is harmless.
func RefreshStatistics(ctx context.Context, store Store, now time.Time) (int, error) {
	periods := portal.StatisticsPeriods(now)
	labels := make([]string, len(periods))
	for i, p := range periods {
		labels[i] = p.Label
	}
	stored, err := store.StoredPeriods(ctx, labels)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, p := range periods {
		var s *portal.StoredCounts
		if sc, ok := stored[p.Label]; ok {
			s = &sc
		}
		if !portal.NeedsRefresh(p, s, now) {
			continue
		}
		if _, err := store.RefreshPeriod(ctx, p); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

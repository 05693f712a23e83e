package portal

import "time"

// Durable background jobs. These are the jobs' arguments; they are stored with the job in
// PostgreSQL, so they hold ids only, never personal data.

// NotifyJob tells a citizen by e-mail that a new message waits in their inbox.
type NotifyJob struct {
	MessageID int64 `json:"message_id"`
}

// Kind names the job.
func (NotifyJob) Kind() string { return "notify_citizen" }

// ReminderJob tells the clerks that a request's deadline is seven days away. The deadline is part of
// the job's identity, so an extended deadline gets its own reminder.
type ReminderJob struct {
	RequestID string    `json:"request_id"`
	Deadline  time.Time `json:"deadline"`
}

// Kind names the job.
func (ReminderJob) Kind() string { return "remind_clerks" }

// SweepJob finds requests whose deadline comes near or has passed. It runs periodically.
type SweepJob struct{}

// Kind names the job.
func (SweepJob) Kind() string { return "deadline_sweep" }

// RetentionJob removes processing events older than their register entry's retention period. It
// runs daily.
type RetentionJob struct{}

// Kind names the job.
func (RetentionJob) Kind() string { return "retention_sweep" }

// RefreshStatisticsJob computes the council's figures of the current periods, and of closed periods
// whose stored figures are missing or old, and stores them. It runs periodically.
type RefreshStatisticsJob struct{}

// Kind names the job.
func (RefreshStatisticsJob) Kind() string { return "refresh_statistics" }

// ReminderLeadDays is how many days before a deadline the clerks are reminded.
const ReminderLeadDays = 7

// What the jobs read from storage and what the sweeps report.

// Notification is what the e-mail job needs: where to write, and whether that was done already.
type Notification struct {
	Email  string
	Mailed bool
}

// DeadlineSweepResult counts what one deadline sweep did.
type DeadlineSweepResult struct {
	Reminded int
	Overdue  int
}

// SignalSweepResult counts what a signal sweep did.
type SignalSweepResult struct {
	Lapsed int // deferrals not approved in time
	Told   int // citizens told because no deferral keeps the signal hidden any more
}

// BreakGlassAlertJob tells the team leads by e-mail that an emergency access (break-the-glass) to a
// person's data was registered (PIA §5.3.3). It carries when and by which organisation, never whom.
type BreakGlassAlertJob struct {
	NotificationID int64     `json:"notification_id"`
	OccurredAt     time.Time `json:"occurred_at"`
	Organization   string    `json:"organization"`
}

// Kind names the job.
func (BreakGlassAlertJob) Kind() string { return "alert_break_glass" }

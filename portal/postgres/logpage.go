package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/inzicht/inzicht/portal"
)

// LogPage reads what /verwerkingen shows of a person's log in one round trip: the summary
// (SummaryFor), the actions and recipients (LogOptions) and the page of events f selects (Events),
// as f.For, when set, may see them. The three queries are sent together as one pgx batch (pipelined:
// the server answers them in order on one connection), so a page view waits for the network and for
// being scheduled once instead of three times; each query is the one its own method sends.
func (db *DB) LogPage(ctx context.Context, subjectID int64, f portal.EventFilter) (portal.LogPage, error) {
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 50
	}
	now := db.now()
	sumSQL, sumArgs := summarySQL(now, subjectID, f.For)
	optSQL, optArgs := logOptionsSQL(now, subjectID, f.For)
	evSQL, evArgs, reverse := eventsSQL(now, eventQuery{subjectID: subjectID, filter: f})
	var p portal.LogPage
	build := func() *pgx.Batch {
		var b pgx.Batch
		b.Queue(sumSQL, sumArgs...).QueryRow(func(row pgx.Row) error {
			sum, err := scanSummary(row)
			p.Summary = sum
			return wrapIf("summary", err)
		})
		b.Queue(optSQL, optArgs...).QueryRow(func(row pgx.Row) error {
			return wrapIf("log options", row.Scan(&p.Actions, &p.Recipients))
		})
		b.Queue(evSQL, evArgs...).Query(func(rows pgx.Rows) error {
			evs, more, err := collectEvents(rows, f.Limit, reverse)
			if err != nil {
				return wrapIf("events", err)
			}
			p.Events, p.More = make([]portal.LoggedEvent, len(evs)), more
			for i := range evs {
				p.Events[i] = evs[i].LoggedEvent
			}
			return nil
		})
		return &b
	}
	if err := db.sendReadBatch(ctx, build); err != nil { // the replica when one may be read
		return portal.LogPage{}, fmt.Errorf("postgres: log page: %w", err)
	}
	return p, nil
}

// wrapIf names the part of a batch that failed.
func wrapIf(what string, err error) error {
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

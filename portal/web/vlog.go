package web

import (
	"context"
	"strings"

	"github.com/gofiber/fiber/v2"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/inzicht/inzicht/portal"
	"github.com/inzicht/inzicht/portal/vlog"
)

// vlogStore is what the published verifiable log needs from storage (docs/verifiable-log.md §4).
type vlogStore interface {
	LogCheckpoint(ctx context.Context) (note []byte, size int64, err error)
	LogTile(ctx context.Context, t tlog.Tile) ([]byte, error)
	ProveEvents(ctx context.Context, ids []string) (vlog.Bundle, error)
	ProveRemoved(ctx context.Context, b *vlog.Bundle, subjectID int64) error
	LogPosition(ctx context.Context, eventID string) (vlog.Position, error)
	RemovedLines(ctx context.Context, subjectID int64, eventID string) ([]vlog.RemovedLine, error)
}

// logRoutes publishes the verifiable log without login: the latest signed checkpoint, the note
// verifier key and the hash tiles (C2SP tlog-checkpoint and tlog-tiles). They hold hashes only; the
// leaves themselves are personal data and are not published (no entry bundles).
func (s *server) logRoutes(app *fiber.App) {
	app.Get("/log/checkpoint", s.logCheckpoint)
	app.Get("/log/key", s.logKey)
	app.Get("/log/tile/*", s.logTile)
}

// logPlain answers a log route in plain text, for machines: readable from any origin, with its own
// 404 rather than the portal's page.
func logPlain(c *fiber.Ctx, status int, cache, body string) error {
	c.Set(fiber.HeaderAccessControlAllowOrigin, "*")
	c.Set(fiber.HeaderCacheControl, cache)
	c.Set(fiber.HeaderContentType, "text/plain; charset=utf-8")
	return c.Status(status).SendString(body)
}

func (s *server) logCheckpoint(c *fiber.Ctx) error {
	note, _, err := s.deps.Store.LogCheckpoint(c.UserContext())
	if portal.ErrorCode(err) == portal.ENOTFOUND {
		return logPlain(c, fiber.StatusNotFound, "no-cache", "no checkpoint has been signed yet\n")
	}
	if err != nil {
		return err
	}
	return logPlain(c, fiber.StatusOK, "no-cache", string(note))
}

func (s *server) logKey(c *fiber.Ctx) error {
	if s.cfg.LogVerifierKey == "" {
		return logPlain(c, fiber.StatusNotFound, "no-cache", "this portal does not sign its log\n")
	}
	return logPlain(c, fiber.StatusOK, "public, max-age=86400", s.cfg.LogVerifierKey+"\n")
}

func (s *server) logTile(c *fiber.Ctx) error {
	t, err := vlog.ParseTilePath("tile/" + c.Params("*"))
	if err != nil {
		return logPlain(c, fiber.StatusNotFound, "no-cache", "no such tile\n")
	}
	data, err := s.deps.Store.LogTile(c.UserContext(), t)
	if portal.ErrorCode(err) == portal.ENOTFOUND {
		return logPlain(c, fiber.StatusNotFound, "no-cache", "no such tile\n")
	}
	if err != nil {
		return err
	}
	cache := "no-cache" // a partial tile is replaced by a wider one as the log grows
	if t.W == 1<<t.H {
		cache = "public, max-age=31536000, immutable" // a full tile never changes
	}
	c.Set(fiber.HeaderAccessControlAllowOrigin, "*")
	c.Set(fiber.HeaderCacheControl, cache)
	c.Set(fiber.HeaderContentType, "application/octet-stream")
	return c.Send(data)
}

// proofBundle is /verwerkingen/bewijs.json: for every event of the person's log that the caller may
// see (the same period filter as the other downloads), the exact leaf bytes, its index and an
// inclusion proof against the latest signed checkpoint (docs/verifiable-log.md §5). Anyone can check
// it with cmd/inzicht-verify.
func (s *server) proofBundle(c *fiber.Ctx) error {
	sess, _ := session(c)
	f, err := s.downloadFilter(c)
	if err != nil {
		return err
	}
	evs, err := s.allEvents(c, sess.SubjectID, f)
	if err != nil {
		return err
	}
	ids := make([]string, len(evs))
	for i, e := range evs {
		ids[i] = e.ID
	}
	b, err := s.deps.Store.ProveEvents(c.UserContext(), ids)
	if portal.ErrorCode(err) == portal.ENOTFOUND { // no checkpoint signed yet: every event is pending
		b, err = vlog.Bundle{Format: vlog.BundleFormat, Entries: []vlog.BundleEntry{}, Pending: ids}, nil
	}
	if err != nil {
		return err
	}
	// The person's own bundle holds the tombstones of their removed lines too; it is complete (every
	// number of their sequence must be in it) when no filter or period was chosen.
	if sess.Acting == nil && b.Checkpoint != "" {
		if err := s.deps.Store.ProveRemoved(c.UserContext(), &b, sess.SubjectID); err != nil {
			return err
		}
		b.Complete = true
		for _, in := range logInputs {
			if c.Query(in) != "" {
				b.Complete = false
			}
		}
	}
	b.VerifierKey = s.cfg.LogVerifierKey
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="bewijs.json"`)
	return c.JSON(b)
}

// logPosition adds the event's place in the verifiable log to a detail page's data: "Log" (its
// vlog.Position), or "LogPending" while the integrator has not placed it yet. An event without a leaf
// (stored before the log existed, adopted within seconds) counts as pending.
func (s *server) logPosition(c *fiber.Ctx, data fiber.Map, eventID string) error {
	p, err := s.deps.Store.LogPosition(c.UserContext(), eventID)
	if err != nil && portal.ErrorCode(err) != portal.ENOTFOUND {
		return err
	}
	data["LogBase"] = s.logBase(c)
	if p.InTree {
		data["Log"] = p
	} else {
		data["LogPending"] = true
	}
	return nil
}

// removedDetail shows, at the place of a person's event that was removed (after the retention
// period, or because the system that reported it withdrew it), what is left of it: when it was
// removed, why, and its place in the log. notFound is returned when there is no such tombstone of
// this person.
func (s *server) removedDetail(c *fiber.Ctx, subjectID int64, eventID string, notFound error) error {
	lines, err := s.deps.Store.RemovedLines(c.UserContext(), subjectID, eventID)
	if err != nil {
		return err
	}
	if len(lines) == 0 {
		return notFound
	}
	r := lines[len(lines)-1]
	l := lang(c)
	data := fiber.Map{"Removed": r, "LogBase": s.logBase(c)}
	if r.InTree {
		data["Log"] = vlog.Position{InTree: true, Index: r.Index, SubjectSeq: r.SubjectSeq}
	}
	if r.Retention != "" {
		data["RetentionText"] = retentionText(s, l, r.Retention)
	}
	return s.page(c, "verwerking", s.t(l, "detail.removed.title"), data)
}

// retentionText writes an ISO 8601 retention period ("P5Y", "P18M", "P2Y6M") in words.
func retentionText(s *server, l, iso string) string {
	r, err := portal.ParseRetention(iso)
	if err != nil {
		return iso
	}
	var parts []string
	for _, p := range []struct {
		n         int
		one, many string
	}{{r.Years, "detail.removed.unit.year", "detail.removed.unit.years"},
		{r.Months, "detail.removed.unit.month", "detail.removed.unit.months"},
		{r.Days, "detail.removed.unit.day", "detail.removed.unit.days"}} {
		switch {
		case p.n == 1:
			parts = append(parts, s.t(l, p.one))
		case p.n > 1:
			parts = append(parts, s.t(l, p.many, p.n))
		}
	}
	return strings.Join(parts, s.t(l, "detail.removed.unit.and"))
}

// logBase is the portal's address for inzicht-verify -url.
func (s *server) logBase(c *fiber.Ctx) string {
	if s.cfg.BaseURL != "" {
		return strings.TrimSuffix(s.cfg.BaseURL, "/")
	}
	return c.BaseURL()
}

package web

import (
	"context"

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
	b.VerifierKey = s.cfg.LogVerifierKey
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="bewijs.json"`)
	return c.JSON(b)
}

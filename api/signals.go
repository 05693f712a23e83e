package api

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/inzicht/inzicht/portal"
)

// SignalReceipt is the answer to a registered signal. It says whether the citizen was told; it never
// echoes the reporter or the content.
type SignalReceipt struct {
	ID       string     `json:"id"`
	Created  bool       `json:"created"`
	Told     bool       `json:"told"`
	ToldAt   *time.Time `json:"told_at,omitempty"`
	Decision time.Time  `json:"retention_decision_due"`
	// HoldUntil is when the person is told at the latest, unless a clerk asks for a deferral.
	HoldUntil *time.Time `json:"hold_until,omitempty"`
}

// registerSignal stores a signal; the citizen is told at once, or when its hold (hold_until, at most
// the deferral approval window: 422 beyond it) ends unless a clerk asks for a deferral meanwhile. Sending the same signal again is
// harmless (200, created false); the same id with other content is a 409.
func (h *handlers) registerSignal(c *fiber.Ctx) error {
	if len(c.Body()) > MaxBody {
		return portal.Errorf(portal.ETOOLARGE, "the body is larger than %d bytes", MaxBody)
	}
	var ns portal.NewSignal
	if err := decodeStrict(c.Body(), &ns); err != nil {
		return err
	}
	if err := ns.Validate(h.cfg.Now()); err != nil {
		return err
	}
	s, created, err := h.store.RegisterSignal(c.UserContext(), ns, "api", apiKey(c).ID, nil, nil, h.cfg.Signals)
	if err != nil {
		return err
	}
	if created {
		c.Status(fiber.StatusCreated)
	}
	r := SignalReceipt{ID: s.ID, Created: created, Told: s.Told(), Decision: s.DecisionDue.UTC()}
	if s.ToldAt != nil {
		t := s.ToldAt.UTC()
		r.ToldAt = &t
	}
	if s.HoldUntil != nil {
		t := s.HoldUntil.UTC()
		r.HoldUntil = &t
	}
	return c.JSON(r)
}

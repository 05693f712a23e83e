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
}

// registerSignal stores a signal; the citizen is told at once. Sending the same signal again is
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
	return c.JSON(r)
}

package web

import (
	"context"

	"github.com/gofiber/fiber/v2"

	"github.com/inzicht/inzicht/portal"
)

// Logging in to act on behalf of someone else (DigiD Machtigen style, issue 16): the provider says,
// in the claims configured in oidcrp.CitizenClaims, for whom the citizen acts. Inzicht honours that
// only under a representation the municipality registered: its register is the source of truth.

// actingAtLogin returns the representation in force now under which the citizen self may act for
// the person with actingBSN; ENOTFOUND when the municipality knows none.
func (s *server) actingAtLogin(ctx context.Context, self int64, actingBSN string) (portal.StoredRepresentation, error) {
	return s.repStore.ActiveRepresentationBetween(ctx, self, actingBSN, s.deps.Now())
}

// recordLoginActing records, in the represented person's log, that the representative started
// acting for them by logging in.
func (s *server) recordLoginActing(c *fiber.Ctx, self int64, rep portal.StoredRepresentation) error {
	return s.recordAct(c, liveSession{Self: self, Acting: &portal.Acting{Rep: rep, ActorID: self}}, portal.ActStartActing, "")
}

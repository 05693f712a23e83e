package api

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/inzicht/inzicht/portal"
)

// ConsentState is a consent request as a back-office system may check it before it asks the data
// holder. It carries no BSN: the system asking knows whom it asked about.
type ConsentState struct {
	ID          string     `json:"id"`
	Reference   string     `json:"reference"`
	Status      string     `json:"status"`
	CaseRef     string     `json:"case_ref"`
	DataItem    string     `json:"data_item"`
	DataHolder  string     `json:"data_holder"`
	ValidUntil  string     `json:"valid_until"`
	CreatedAt   time.Time  `json:"created_at"`
	DecidedAt   *time.Time `json:"decided_at,omitempty"`
	GrantedAt   *time.Time `json:"granted_at,omitempty"`
	WithdrawnAt *time.Time `json:"withdrawn_at,omitempty"`
	Valid       bool       `json:"valid"`
	// Consent on behalf of someone (issue 16): the representative who decided or withdrew, and the
	// own answer of a child under 16 beside a parent's or guardian's decision.
	DecidedBy        *OnBehalf  `json:"decided_by,omitempty"`
	WithdrawnBy      *OnBehalf  `json:"withdrawn_by,omitempty"`
	OwnAnswer        string     `json:"own_answer,omitempty"`
	OwnAnswerAt      *time.Time `json:"own_answer_at,omitempty"`
	OwnAnswerComment string     `json:"own_answer_comment,omitempty"`
	// EN is the English version of the texts the person reads, as sent (issue 18); absent without one.
	EN *portal.ConsentTexts `json:"en,omitempty"`
}

// OnBehalf names the representation under which a representative acted for the person.
type OnBehalf struct {
	RepresentationID   string `json:"representation_id"`
	Kind               string `json:"kind"`
	RepresentativeName string `json:"representative_name,omitempty"`
}

func onBehalf(o *portal.OnBehalf) *OnBehalf {
	if o == nil {
		return nil
	}
	return &OnBehalf{RepresentationID: o.RepresentationID, Kind: o.Kind, RepresentativeName: o.RepresentativeName}
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func (h *handlers) consentState(c portal.Consent) ConsentState {
	now := h.cfg.Now()
	return ConsentState{ID: c.ID, Reference: c.Reference, Status: c.StatusAt(now), CaseRef: c.CaseRef, DataItem: c.DataItem, DataHolder: c.DataHolder,
		ValidUntil: c.ValidUntil, CreatedAt: c.CreatedAt.UTC(), DecidedAt: utc(c.DecidedAt), GrantedAt: utc(c.GrantedAt),
		WithdrawnAt: utc(c.WithdrawnAt), Valid: c.Covers(c.SubjectID, now), DecidedBy: onBehalf(c.DecidedBy),
		WithdrawnBy: onBehalf(c.WithdrawnBy), OwnAnswer: c.OwnAnswer, OwnAnswerAt: utc(c.OwnAnswerAt),
		OwnAnswerComment: c.OwnAnswerComment, EN: c.EN}
}

// createConsent stores a specific, reasoned consent request and asks the citizen. Idempotent by id.
func (h *handlers) createConsent(c *fiber.Ctx) error {
	if len(c.Body()) > MaxBody {
		return portal.Errorf(portal.ETOOLARGE, "the body is larger than %d bytes", MaxBody)
	}
	var nc portal.NewConsent
	if err := decodeStrict(c.Body(), &nc); err != nil {
		return err
	}
	if err := nc.Validate(h.cfg.Now()); err != nil {
		return err
	}
	x, created, err := h.store.CreateConsent(c.UserContext(), nc, "api", apiKey(c).ID)
	if err != nil {
		return err
	}
	if created {
		c.Status(fiber.StatusCreated)
	}
	return c.JSON(h.consentState(x))
}

func (h *handlers) getConsent(c *fiber.Ctx) error {
	x, err := h.store.ConsentByID(c.UserContext(), c.Params("id"))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(h.consentState(x))
}

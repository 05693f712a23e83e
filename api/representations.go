package api

import (
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/inzicht/inzicht/portal"
)

// RepresentationState is a representation as the API returns it: what was registered, when, and
// whether the representative may act now (not ended, within its dates, not ended by the age rules).
type RepresentationState struct {
	portal.Representation
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
	EndedAt   *time.Time `json:"ended_at,omitempty"`
	Active    bool       `json:"active"`
}

// RepresentationList is the answer to a look-up by BSN.
type RepresentationList struct {
	Items []RepresentationState `json:"items"`
}

func (h *handlers) representationState(s portal.StoredRepresentation) RepresentationState {
	if s.Parts == nil {
		s.Parts = []string{}
	}
	return RepresentationState{Representation: s.Representation, CreatedAt: s.CreatedAt.UTC(), UpdatedAt: s.UpdatedAt.UTC(),
		EndedAt: utc(s.EndedAt), Active: s.ActiveAt(h.cfg.Now())}
}

// putRepresentation registers or changes a representation: 201 when new, 200 when updated or
// unchanged (the same content again records nothing).
func (h *handlers) putRepresentation(c *fiber.Ctx) error {
	if len(c.Body()) > MaxBody {
		return portal.Errorf(portal.ETOOLARGE, "the body is larger than %d bytes", MaxBody)
	}
	var r portal.Representation
	if err := decodeStrict(c.Body(), &r); err != nil {
		return err
	}
	id := strings.ToLower(strings.Clone(c.Params("id")))
	if r.ID != "" && !strings.EqualFold(r.ID, id) {
		return &portal.Error{Code: portal.EINVALID, Message: "the id in the body differs from the id in the path",
			Fields: []portal.FieldError{{Index: -1, Field: "id", Message: "must equal the path id"}}}
	}
	r.ID = id
	if err := r.Validate(); err != nil {
		return err
	}
	s, created, err := h.store.PutRepresentation(c.UserContext(), r, apiKey(c).ID)
	if err != nil {
		return err
	}
	if created {
		c.Status(fiber.StatusCreated)
	}
	return c.JSON(h.representationState(s))
}

// deleteRepresentation ends a representation; the row and its history stay for audit.
func (h *handlers) deleteRepresentation(c *fiber.Ctx) error {
	if err := h.store.EndRepresentation(c.UserContext(), strings.Clone(c.Params("id")), apiKey(c).ID); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// listRepresentations looks representations up by exactly one of representative_bsn and
// subject_bsn; ended ones are included, with ended_at.
func (h *handlers) listRepresentations(c *fiber.Ctx) error {
	rep, sub := c.Query("representative_bsn"), c.Query("subject_bsn")
	var fs []portal.FieldError
	switch {
	case (rep == "") == (sub == ""):
		fs = append(fs, portal.FieldError{Index: -1, Field: "representative_bsn",
			Message: "give exactly one of representative_bsn and subject_bsn"})
	case rep != "" && !portal.ValidBSN(rep):
		fs = append(fs, portal.FieldError{Index: -1, Field: "representative_bsn", Message: "must be a valid BSN (9 digits, 11-proef)"})
	case sub != "" && !portal.ValidBSN(sub):
		fs = append(fs, portal.FieldError{Index: -1, Field: "subject_bsn", Message: "must be a valid BSN (9 digits, 11-proef)"})
	}
	if len(fs) > 0 {
		return badRequest{&portal.Error{Code: portal.EINVALID, Message: "invalid representation query", Fields: fs}}
	}
	bsn := strings.Clone(rep + sub)
	list, err := h.store.RepresentationsOf(c.UserContext(), bsn, rep != "")
	if err != nil {
		return err
	}
	out := RepresentationList{Items: make([]RepresentationState, 0, len(list))}
	for _, s := range list {
		out.Items = append(out.Items, h.representationState(s))
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(out)
}

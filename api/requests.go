package api

import (
	"slices"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/inzicht/inzicht/portal"
)

// RightsRequest is a rights request as the API shows it to back-office systems.
type RightsRequest struct {
	ID              string        `json:"id"`
	Reference       string        `json:"reference"`
	Kind            string        `json:"kind"`
	Status          string        `json:"status"`
	SubjectBSN      string        `json:"subject_bsn"`
	Scope           portal.Scope  `json:"scope"`
	Description     string        `json:"description"`
	ReceivedAt      time.Time     `json:"received_at"`
	FirstDeadline   time.Time     `json:"first_deadline"`
	Deadline        time.Time     `json:"deadline"`
	ExtensionReason string        `json:"extension_reason,omitempty"`
	Outcome         string        `json:"outcome,omitempty"`
	Motivation      string        `json:"motivation,omitempty"`
	Corrections     string        `json:"corrections,omitempty"`
	RefusalGround   string        `json:"refusal_ground,omitempty"`
	CoSigned        bool          `json:"cosigned,omitempty"`
	DecidedAt       *time.Time    `json:"decided_at,omitempty"`
	FiledBy         *OnBehalf     `json:"filed_by,omitempty"`
	WithdrawnBy     *OnBehalf     `json:"withdrawn_by,omitempty"`
	SignalID        string        `json:"signal_id,omitempty"`
	ObjectsTo       string        `json:"objects_to,omitempty"`
	Timeline        []TimelineDTO `json:"timeline,omitempty"`
}

// TimelineDTO is one step of a request's timeline. Staff are named by role only.
type TimelineDTO struct {
	At        time.Time `json:"at"`
	Kind      string    `json:"kind"`
	From      string    `json:"from_status"`
	To        string    `json:"to_status"`
	ActorKind string    `json:"actor_kind"`
	ActorRole string    `json:"actor_role,omitempty"`
	Note      string    `json:"note,omitempty"`
}

func requestDTO(r portal.BackOfficeRequest, withTimeline bool) RightsRequest {
	d := RightsRequest{ID: r.ID, Reference: r.Reference, Kind: string(r.Kind), Status: string(r.Status), SubjectBSN: r.BSN,
		Scope: r.Scope, Description: r.Description, ReceivedAt: r.ReceivedAt.UTC(), FirstDeadline: r.FirstDeadline.UTC(),
		Deadline: r.Deadline.UTC(), ExtensionReason: r.ExtensionReason, Outcome: string(r.Outcome), Motivation: r.Motivation,
		Corrections: r.Corrections, DecidedAt: r.DecidedAt, FiledBy: onBehalf(r.FiledBy), WithdrawnBy: onBehalf(r.WithdrawnBy),
		SignalID: r.SignalID, RefusalGround: string(r.Ground), CoSigned: r.CoSigned, ObjectsTo: r.ObjectsTo}
	if d.DecidedAt != nil {
		t := d.DecidedAt.UTC()
		d.DecidedAt = &t
	}
	if withTimeline {
		d.Timeline = []TimelineDTO{}
		for _, s := range r.Steps {
			d.Timeline = append(d.Timeline, TimelineDTO{At: s.At.UTC(), Kind: string(s.Kind), From: string(s.From), To: string(s.To),
				ActorKind: s.ActorKind, ActorRole: s.ActorRole, Note: s.Note})
		}
	}
	return d
}

func badParam(name, msg string) error {
	return &portal.Error{Code: portal.EINVALID, Message: "invalid query parameter",
		Fields: []portal.FieldError{{Index: -1, Field: name, Message: msg}}}
}

// listRequests pages through rights requests in filing order.
func (h *handlers) listRequests(c *fiber.Ctx) error {
	var f portal.RequestFilter
	if k := c.Query("kind"); k != "" {
		f.Kind = portal.RequestKind(k)
		if !slices.Contains(portal.RequestKinds, f.Kind) {
			return badParam("kind", "unknown kind")
		}
	}
	switch st := c.Query("status"); st {
	case "":
	case "open":
		f.Open = true
	default:
		f.Status = portal.RequestStatus(st)
		if !slices.Contains([]portal.RequestStatus{portal.StatusReceived, portal.StatusHandling, portal.StatusExtended,
			portal.StatusDecided, portal.StatusWithdrawn}, f.Status) {
			return badParam("status", "unknown status")
		}
	}
	var after int64
	if a := c.Query("after"); a != "" {
		n, err := strconv.ParseInt(a, 10, 64)
		if err != nil || n < 0 {
			return badParam("after", "must be a cursor from next")
		}
		after = n
	}
	f.Limit = 100
	if l := c.Query("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 500 {
			return badParam("limit", "1 to 500")
		}
		f.Limit = n
	}
	rs, more, err := h.store.APIRequests(c.UserContext(), f, after)
	if err != nil {
		return err
	}
	out := struct {
		Items []RightsRequest `json:"items"`
		Next  string          `json:"next,omitempty"`
	}{Items: make([]RightsRequest, len(rs))}
	for i, r := range rs {
		out.Items[i] = requestDTO(r, false)
	}
	if more {
		out.Next = strconv.FormatInt(rs[len(rs)-1].Number, 10)
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(out)
}

func (h *handlers) getRequest(c *fiber.Ctx) error {
	r, err := h.store.APIRequestByID(c.UserContext(), c.Params("id"))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(requestDTO(r, true))
}

package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/inzicht/inzicht/portal"
)

// The VNG GEMMA Verwerkingenlogging write API (OAS 0.9) at /api/v1/verwerkingsacties: VNG field
// names and status codes (a validation error is 400, as the OAS says, not the native API's 422).
// Each verwerkt object that is a person by BSN becomes one processing event through the same ingest
// path as every other event; see docs/api.md, "VNG Verwerkingenlogging".

// VNGNamespace is the UUID namespace of the ids of verwerkte objecten (and so of their events): the
// name-based (SHA-1, version 5) UUID of "<actieId>/<index of the object>". The same actie sent again
// has the same ids; the BSN is not part of the name, so an id reveals nothing about the person.
var VNGNamespace = uuid.MustParse("c2a4f0d7-5e3b-4f6a-8d1c-7b9e2a6f4c10")

// VerwerktObjectID returns the id of the i-th verwerkt object of the actie actieID (lower-case UUID).
func VerwerktObjectID(actieID string, i int) string {
	return uuid.NewSHA1(VNGNamespace, []byte(actieID+"/"+strconv.Itoa(i))).String()
}

// vngPageSize is the number of acties per page of GET /verwerkingsacties.
const vngPageSize = 100

const vngLocal localKey = "vng"

// vngRoute marks a request as one of the VNG API, whose validation errors are 400 with invalidParams.
func vngRoute(c *fiber.Ctx) error {
	c.Locals(vngLocal, true)
	return c.Next()
}

// wireActie reads a verwerkingsactie with its times as text, so that a malformed one is reported by
// its field. url, tijdstipRegistratie and verwerktObjectId are read-only: accepted (a client may send
// back what it read) and ignored.
type wireActie struct {
	URL                             *string       `json:"url"`
	ActieID                         string        `json:"actieId"`
	ActieNaam                       string        `json:"actieNaam"`
	HandelingNaam                   string        `json:"handelingNaam"`
	VerwerkingNaam                  string        `json:"verwerkingNaam"`
	VerwerkingID                    string        `json:"verwerkingId"`
	VerwerkingsactiviteitID         string        `json:"verwerkingsactiviteitId"`
	VerwerkingsactiviteitURL        string        `json:"verwerkingsactiviteitUrl"`
	Vertrouwelijkheid               string        `json:"vertrouwelijkheid"`
	Bewaartermijn                   string        `json:"bewaartermijn"`
	Uitvoerder                      string        `json:"uitvoerder"`
	Systeem                         string        `json:"systeem"`
	Gebruiker                       string        `json:"gebruiker"`
	Gegevensbron                    string        `json:"gegevensbron"`
	SoortAfnemerID                  string        `json:"soortAfnemerId"`
	AfnemerID                       string        `json:"afnemerId"`
	VerwerkingsactiviteitIDAfnemer  string        `json:"verwerkingsactiviteitIdAfnemer"`
	VerwerkingsactiviteitURLAfnemer string        `json:"verwerkingsactiviteitUrlAfnemer"`
	VerwerkingIDAfnemer             string        `json:"verwerkingIdAfnemer"`
	Tijdstip                        string        `json:"tijdstip"`
	TijdstipRegistratie             *string       `json:"tijdstipRegistratie"`
	VerwerkteObjecten               *[]wireObject `json:"verwerkteObjecten"`
}

type wireObject struct {
	URL                      *string                       `json:"url"`
	VerwerktObjectID         *string                       `json:"verwerktObjectId"`
	Objecttype               string                        `json:"objecttype"`
	SoortObjectID            string                        `json:"soortObjectId"`
	ObjectID                 string                        `json:"objectId"`
	Betrokkenheid            string                        `json:"betrokkenheid"`
	VerwerkteSoortenGegevens []portal.VerwerktSoortGegeven `json:"verwerkteSoortenGegevens"`
}

// DecodeVerwerkingsactie parses a VNG verwerkingsactie body strictly (unknown fields and text that is
// not valid UTF-8 refused). It returns EINVALID naming the field for a body that does not decode;
// the actie itself is checked by portal.Verwerkingsactie.Validate.
func DecodeVerwerkingsactie(body []byte) (portal.Verwerkingsactie, error) {
	var w wireActie
	if err := decodeStrict(body, &w); err != nil {
		return portal.Verwerkingsactie{}, err
	}
	d := json.NewDecoder(bytes.NewReader(body))
	if err := d.Decode(new(json.RawMessage)); err == nil {
		if _, err := d.Token(); err != io.EOF {
			return portal.Verwerkingsactie{}, &portal.Error{Code: portal.EINVALID, Message: "the body holds more than one JSON value",
				Fields: []portal.FieldError{{Index: -1, Field: "body", Message: "one JSON object expected"}}}
		}
	}
	va := portal.Verwerkingsactie{
		ActieID: w.ActieID, ActieNaam: w.ActieNaam, HandelingNaam: w.HandelingNaam, VerwerkingNaam: w.VerwerkingNaam,
		VerwerkingID: w.VerwerkingID, VerwerkingsactiviteitID: w.VerwerkingsactiviteitID, VerwerkingsactiviteitURL: w.VerwerkingsactiviteitURL,
		Vertrouwelijkheid: w.Vertrouwelijkheid, Bewaartermijn: w.Bewaartermijn, Uitvoerder: w.Uitvoerder, Systeem: w.Systeem,
		Gebruiker: w.Gebruiker, Gegevensbron: w.Gegevensbron, SoortAfnemerID: w.SoortAfnemerID, AfnemerID: w.AfnemerID,
		VerwerkingsactiviteitIDAfnemer: w.VerwerkingsactiviteitIDAfnemer, VerwerkingsactiviteitURLAfnemer: w.VerwerkingsactiviteitURLAfnemer,
		VerwerkingIDAfnemer: w.VerwerkingIDAfnemer,
	}
	if w.Tijdstip != "" {
		t, err := time.Parse(time.RFC3339Nano, w.Tijdstip)
		if err != nil {
			return va, &portal.Error{Code: portal.EINVALID, Message: "invalid verwerkingsactie",
				Fields: []portal.FieldError{{Index: -1, Field: "tijdstip", Message: "must be a date-time in RFC 3339 format"}}}
		}
		va.Tijdstip = t
	}
	if w.VerwerkteObjecten != nil {
		va.VerwerkteObjecten = make([]portal.VerwerktObject, len(*w.VerwerkteObjecten))
		for i, o := range *w.VerwerkteObjecten {
			va.VerwerkteObjecten[i] = portal.VerwerktObject{Objecttype: o.Objecttype, SoortObjectID: o.SoortObjectID,
				ObjectID: o.ObjectID, Betrokkenheid: o.Betrokkenheid, VerwerkteSoortenGegevens: o.VerwerkteSoortenGegevens}
		}
	}
	return va, nil
}

// vngRules are the time and confidentiality bounds of events, as for the native API.
func (h *handlers) vngRules() portal.EventRules {
	return portal.EventRules{Now: h.cfg.Now(), NotBefore: h.cfg.EventsNotBefore, MaxAhead: h.cfg.EventsMaxFuture,
		MaxConfidential: h.cfg.ConfidentialMax}
}

// prepareActie decodes and checks the body of a POST or PUT (pathID: the actieId of the path, or "")
// and maps it to its events.
func (h *handlers) prepareActie(c *fiber.Ctx, pathID string) (portal.Verwerkingsactie, *portal.Activity, []portal.Event, portal.EventRules, error) {
	rules := h.vngRules()
	if len(c.Body()) > MaxBody {
		return portal.Verwerkingsactie{}, nil, nil, rules, portal.Errorf(portal.ETOOLARGE, "the body is larger than %d bytes", MaxBody)
	}
	va, err := DecodeVerwerkingsactie(c.Body())
	if err != nil {
		return va, nil, nil, rules, err
	}
	va.Normalize()
	var fe []portal.FieldError
	if pathID != "" {
		if va.ActieID != "" && va.ActieID != pathID {
			fe = append(fe, portal.FieldError{Index: -1, Field: "actieId", Message: "must equal the actieId of the path"})
		}
		va.ActieID = pathID
	}
	if va.ActieID == "" {
		va.ActieID = uuid.NewString() // assigned by the log, as the OAS says; send one to make retries safe
	}
	if err := va.Validate(rules); err != nil {
		fe = append(fe, portal.ErrorFields(err)...)
	}
	acts, err := h.register(c) // with their URIs, which verwerkingsactiviteitUrl is matched against first
	if err != nil {
		return va, nil, nil, rules, err
	}
	register := make(map[string]portal.Activity, len(acts))
	for _, a := range acts {
		register[a.ID] = a
	}
	act, bad := va.ResolveActivity(register)
	if bad != nil {
		fe = append(fe, *bad)
	}
	if len(fe) > 0 {
		return va, nil, nil, rules, &portal.Error{Code: portal.EINVALID, Message: fmt.Sprintf("%d invalid field(s); nothing was stored", len(fe)), Fields: fe}
	}
	for i := range va.VerwerkteObjecten {
		va.VerwerkteObjecten[i].VerwerktObjectID = VerwerktObjectID(va.ActieID, i)
	}
	oins := []string{va.Uitvoerder}
	if strings.EqualFold(va.SoortAfnemerID, "OIN") {
		oins = append(oins, va.AfnemerID)
	}
	orgs, err := h.store.OrganisationNames(c.UserContext(), oins)
	if err != nil {
		return va, nil, nil, rules, err
	}
	return va, act, va.Events(act, orgs, rules), rules, nil
}

// eventFieldsToVNG renames the fields of an ingest error (by event index) to the VNG fields they came
// from, so that a supplier reads its own field names.
func eventFieldsToVNG(err error, va portal.Verwerkingsactie) error {
	var pe *portal.Error
	if !errors.As(err, &pe) || len(pe.Fields) == 0 {
		return err
	}
	var persons []int
	for i, o := range va.VerwerkteObjecten {
		if o.IsBSN() {
			persons = append(persons, i)
		}
	}
	names := map[string]string{"id": "actieId", "occurred_at": "tijdstip", "activity": "verwerkingsactiviteitId",
		"data_categories": "verwerkingsactiviteitId", "actor.organization": "uitvoerder", "actor.employee_id": "gebruiker",
		"system": "systeem", "recipient": "afnemerId", "confidential_until": "vertrouwelijkheid"}
	out := &portal.Error{Code: pe.Code, Message: pe.Message}
	for _, f := range pe.Fields {
		name, ok := names[f.Field]
		if f.Index >= 0 && f.Index < len(persons) && (f.Field == "subject_bsn" || f.Field == "id") {
			name, ok = fmt.Sprintf("verwerkteObjecten[%d].objectId", persons[f.Index]), true
		}
		if !ok {
			name = f.Field
		}
		out.Fields = append(out.Fields, portal.FieldError{Index: -1, Field: name, Message: f.Message})
	}
	return out
}

// present completes a stored actie for an answer: its url and the ids of its objects.
func present(c *fiber.Ctx, va *portal.Verwerkingsactie) {
	va.URL = c.BaseURL() + "/api/v1/verwerkingsacties/" + va.ActieID
	for i := range va.VerwerkteObjecten {
		va.VerwerkteObjecten[i].VerwerktObjectID = VerwerktObjectID(va.ActieID, i)
	}
	va.Tijdstip, va.TijdstipRegistratie = va.Tijdstip.UTC(), va.TijdstipRegistratie.UTC()
}

// postVerwerkingsactie stores one actie (201 with the actie as stored). The same actieId sent again
// with the same content is a retry and answers the same; with other content 409.
func (h *handlers) postVerwerkingsactie(c *fiber.Ctx) error {
	va, act, events, rules, err := h.prepareActie(c, "")
	if err != nil {
		return err
	}
	actID := ""
	if act != nil {
		actID = act.ID
	}
	stored, isNew, err := h.store.PutVerwerkingsactie(c.UserContext(), apiKey(c), va, actID, events, rules, false)
	if err != nil {
		return eventFieldsToVNG(err, va)
	}
	if h.metrics != nil {
		result := "duplicate"
		if isNew {
			result = "accepted"
		}
		h.metrics.events.WithLabelValues(result).Add(float64(len(events)))
	}
	present(c, &stored)
	c.Set(fiber.HeaderLocation, stored.URL)
	c.Status(fiber.StatusCreated)
	return c.JSON(stored)
}

// actieParam returns the actieId of the path, lower-cased; ENOTFOUND when it is not a UUID.
func actieParam(c *fiber.Ctx) (string, error) {
	id := strings.ToLower(c.Params("actieId"))
	if _, err := uuid.Parse(id); err != nil || !portal.ValidEventID(id) {
		return "", portal.Errorf(portal.ENOTFOUND, "no such verwerkingsactie")
	}
	return id, nil
}

// putVerwerkingsactie replaces an actie of this system (200 with the new one).
func (h *handlers) putVerwerkingsactie(c *fiber.Ctx) error {
	id, err := actieParam(c)
	if err != nil {
		return err
	}
	va, act, events, rules, err := h.prepareActie(c, id)
	if err != nil {
		return err
	}
	actID := ""
	if act != nil {
		actID = act.ID
	}
	stored, _, err := h.store.PutVerwerkingsactie(c.UserContext(), apiKey(c), va, actID, events, rules, true)
	if err != nil {
		return eventFieldsToVNG(err, va)
	}
	present(c, &stored)
	return c.JSON(stored)
}

// getVerwerkingsactie returns one actie; another system's actie is recorded as read in the log of the
// persons in it (portal/postgres Verwerkingsactie).
func (h *handlers) getVerwerkingsactie(c *fiber.Ctx) error {
	id, err := actieParam(c)
	if err != nil {
		return err
	}
	va, err := h.store.Verwerkingsactie(c.UserContext(), h.apiRead(c), id)
	if err != nil {
		return err
	}
	present(c, &va)
	return c.JSON(va)
}

// deleteVerwerkingsactie removes an actie of this system and its events (204); the removal is recorded.
func (h *handlers) deleteVerwerkingsactie(c *fiber.Ctx) error {
	id, err := actieParam(c)
	if err != nil {
		return err
	}
	if err := h.store.DeleteVerwerkingsactie(c.UserContext(), apiKey(c), id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func invalidQuery(field, msg string) error {
	return &portal.Error{Code: portal.EINVALID, Message: "invalid query parameter",
		Fields: []portal.FieldError{{Index: -1, Field: field, Message: msg}}}
}

// patchVerwerkingsacties changes vertrouwelijkheid and/or bewaartermijn of every actie of this system
// in the verwerking verwerkingId (204).
func (h *handlers) patchVerwerkingsacties(c *fiber.Ctx) error {
	vid := strings.ToLower(strings.TrimSpace(c.Query("verwerkingId")))
	if vid == "" {
		return invalidQuery("verwerkingId", "required")
	}
	if !portal.ValidEventID(vid) {
		return invalidQuery("verwerkingId", "must be a UUID")
	}
	var p portal.VerwerkingPatch
	if err := decodeStrict(c.Body(), &p); err != nil {
		return err
	}
	p.Vertrouwelijkheid, p.Bewaartermijn = strings.TrimSpace(p.Vertrouwelijkheid), strings.TrimSpace(p.Bewaartermijn)
	if err := p.Validate(); err != nil {
		return err
	}
	if _, err := h.store.PatchVerwerking(c.UserContext(), apiKey(c), vid, p, h.cfg.ConfidentialMax); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// vngList is the answer of GET /verwerkingsacties.
type vngList struct {
	Count    int                       `json:"count"`
	Next     *string                   `json:"next"`
	Previous *string                   `json:"previous"`
	Results  []portal.Verwerkingsactie `json:"results"`
}

// listVerwerkingsacties lists the acties that touched one person (objecttype persoon, soortObjectId
// BSN, objectId), newest first, 100 per page (page=1, 2, …). The acties of other systems on the page
// are recorded as read in the log of the persons in them, like the read side's reads.
func (h *handlers) listVerwerkingsacties(c *fiber.Ctx) error {
	var fe []portal.FieldError
	bad := func(field, msg string) { fe = append(fe, portal.FieldError{Index: -1, Field: field, Message: msg}) }
	switch ot := c.Query("objecttype"); ot {
	case portal.VNGObjecttypePersoon:
	case "":
		bad("objecttype", "required: persoon")
	default:
		bad("objecttype", "must be persoon")
	}
	if s := c.Query("soortObjectId"); s == "" {
		bad("soortObjectId", "required: BSN")
	} else if !strings.EqualFold(s, "BSN") {
		bad("soortObjectId", "only BSN is supported: Inzicht finds persons by BSN")
	}
	f := portal.VerwerkingsactieFilter{BSN: strings.TrimSpace(c.Query("objectId")), Limit: vngPageSize}
	if !portal.ValidBSN(f.BSN) {
		bad("objectId", "required: 9 digits passing the 11-proef")
	}
	day := func(field string) time.Time {
		v := c.Query(field)
		if v == "" {
			return time.Time{}
		}
		t, err := time.ParseInLocation(time.DateOnly, v, portal.Amsterdam)
		if err != nil {
			bad(field, "must be a date (YYYY-MM-DD)")
		}
		return t
	}
	f.From, f.To = day("beginDatum"), day("eindDatum")
	for _, raw := range c.Context().QueryArgs().PeekMulti("vertrouwelijkheid") {
		for _, v := range strings.Split(string(raw), ",") {
			if v = strings.TrimSpace(v); v == "" {
				continue
			}
			if !slices.Contains(portal.Vertrouwelijkheden, v) {
				bad("vertrouwelijkheid", "must be one of "+strings.Join(portal.Vertrouwelijkheden, ", "))
				continue
			}
			f.Vertrouwelijkheid = append(f.Vertrouwelijkheid, v)
		}
	}
	if v := c.Query("verwerkingsactiviteitId"); v != "" {
		f.VerwerkingsactiviteitID = strings.ToLower(v)
	}
	page := 1
	if v := c.Query("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100000 {
			bad("page", "must be a whole number from 1")
		}
		page = n
	}
	if len(fe) > 0 {
		return &portal.Error{Code: portal.EINVALID, Message: "invalid query parameters", Fields: fe}
	}
	f.Offset = (page - 1) * vngPageSize
	res, total, err := h.store.Verwerkingsacties(c.UserContext(), h.apiRead(c), f)
	if portal.ErrorCode(err) == portal.ETOOLARGE { // too many persons on one page: a query to narrow, 400 as in the OAS
		return &portal.Error{Code: portal.EINVALID, Message: portal.ErrorMessage(err),
			Fields: []portal.FieldError{{Index: -1, Field: "beginDatum", Message: "narrow the period: " + portal.ErrorMessage(err)}}}
	}
	if err != nil {
		return err
	}
	for i := range res {
		present(c, &res[i])
	}
	out := vngList{Count: total, Results: res}
	pageURL := func(n int) *string {
		q, _ := url.ParseQuery(string(c.Context().QueryArgs().QueryString()))
		q.Set("page", strconv.Itoa(n))
		u := c.BaseURL() + "/api/v1/verwerkingsacties?" + q.Encode()
		return &u
	}
	if f.Offset+len(res) < total {
		out.Next = pageURL(page + 1)
	}
	if page > 1 {
		out.Previous = pageURL(page - 1)
	}
	return c.JSON(out)
}

// organisationRequest is the body of PUT /organisations/{oin}.
type organisationRequest struct {
	OIN  string `json:"oin"`
	Name string `json:"name"`
}

// putOrganisation names the organisation with an OIN (201 new, 200 updated).
func (h *handlers) putOrganisation(c *fiber.Ctx) error {
	var req organisationRequest
	if err := decodeStrict(c.Body(), &req); err != nil {
		return err
	}
	oin := strings.Clone(c.Params("oin"))
	if req.OIN != "" && req.OIN != oin {
		return &portal.Error{Code: portal.EINVALID, Message: "the oin in the body differs from the oin in the path",
			Fields: []portal.FieldError{{Index: -1, Field: "oin", Message: "must equal the path oin"}}}
	}
	o := portal.Organisation{OIN: oin, Name: req.Name}
	if err := o.Validate(); err != nil {
		return err
	}
	created, err := h.store.PutOrganisation(c.UserContext(), o)
	if err != nil {
		return err
	}
	if created {
		c.Status(fiber.StatusCreated)
	}
	return c.JSON(o)
}

// Package api is Inzicht's machine-facing surface: the JSON API under /api/v1 through which the
// municipality's back-office systems report processing and manage the register.
package api

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/inzicht/inzicht/portal"
	"github.com/inzicht/inzicht/portal/httpbody"
	"github.com/inzicht/inzicht/portal/ratelimit"
)

// OpenAPI is the OpenAPI 3.1 description of this API, served at /api/v1/openapi.json.
//
//go:embed openapi.json
var OpenAPI []byte

// MaxBody is the largest request body the API reads (1,000 events fit comfortably).
const MaxBody = 2 << 20

// Store is what the API needs from storage.
type Store interface {
	AuthenticateAPIKey(ctx context.Context, token string) (portal.APIKey, error)
	Activities(ctx context.Context) ([]portal.Activity, error)
	Register(ctx context.Context) ([]portal.Activity, error)
	PutActivity(ctx context.Context, a portal.Activity) (bool, error)
	IngestChecked(ctx context.Context, apiKeyID int64, events []portal.Event, rules portal.EventRules) (portal.IngestResult, error)
	StoreChainSpans(ctx context.Context, apiKeyID int64, spans []portal.ChainSpan) ([]int, error)
	APIRequests(ctx context.Context, f portal.RequestFilter, after int64) ([]portal.BackOfficeRequest, bool, error)
	APIRequestByID(ctx context.Context, id string) (portal.BackOfficeRequest, error)
	RegisterSignal(ctx context.Context, ns portal.NewSignal, source string, apiKeyID int64, by *portal.Staff,
		deferral *portal.DeferralRequest, p portal.SignalPolicy) (portal.Signal, bool, error)
	CreateConsent(ctx context.Context, nc portal.NewConsent, source string, apiKeyID int64) (portal.Consent, bool, error)
	ConsentByID(ctx context.Context, id string) (portal.Consent, error)
	ExtendConfidentiality(ctx context.Context, eventID string, key portal.APIKey, x portal.ConfidentialityExtension) (portal.ExtensionReceipt, error)
	ReadProcessing(ctx context.Context, q portal.ReadQuery, r portal.APIRead) ([]portal.LoggedEvent, error)
	PutOrganisation(ctx context.Context, o portal.Organisation) (bool, error)
	OrganisationNames(ctx context.Context, oins []string) (map[string]string, error)
	PutVerwerkingsactie(ctx context.Context, key portal.APIKey, va portal.Verwerkingsactie, activityID string,
		events []portal.Event, rules portal.EventRules, replace bool) (portal.Verwerkingsactie, bool, error)
	Verwerkingsactie(ctx context.Context, r portal.APIRead, id string) (portal.Verwerkingsactie, error)
	Verwerkingsacties(ctx context.Context, r portal.APIRead, f portal.VerwerkingsactieFilter) ([]portal.Verwerkingsactie, int, error)
	DeleteVerwerkingsactie(ctx context.Context, key portal.APIKey, id string) error
	PutRepresentation(ctx context.Context, r portal.Representation, apiKeyID int64) (portal.StoredRepresentation, bool, error)
	EndRepresentation(ctx context.Context, id string, apiKeyID int64) error
	RepresentationsOf(ctx context.Context, bsn string, asRepresentative bool) ([]portal.StoredRepresentation, error)
	PatchVerwerking(ctx context.Context, key portal.APIKey, verwerkingID string, p portal.VerwerkingPatch, maxConf time.Duration) (int, error)
}

// Config tunes the API.
type Config struct {
	RatePerMinute int // requests per minute per API key (or address); 0 means 6000
	Now           func() time.Time
	Signals       portal.SignalPolicy
	// EventsNotBefore is the earliest occurred_at accepted; zero means DefaultEventsNotBefore.
	EventsNotBefore time.Time
	// EventsMaxFuture is how far ahead of the clock occurred_at may lie; 0 means portal.MaxFuture.
	EventsMaxFuture time.Duration
	// ConfidentialMax is how far ahead confidential_until may lie, at ingest and per extension;
	// 0 means DefaultConfidentialMax.
	ConfidentialMax time.Duration
	// Municipality is the organisation Inzicht answers reads for: the actor of the read events it
	// records, and the LDV read's organizationName.
	Municipality string
	// LogbookID identifies this logbook in LDV reads (metadata.logbookId); "" means "inzicht".
	LogbookID string
	// RateCounter keeps the rate limits' counts; nil counts in this process only. cmd/inzicht gives
	// the PostgreSQL counter, so several processes share one limit per key and address.
	RateCounter ratelimit.Counter
	// Pushback reports whether the events already taken in are so far from being in the verifiable
	// log (and folded into the summaries) that new ones must wait: ingest then holds the request
	// (PushbackHold) and, if the log is still behind, answers 503 with Retry-After: 1, storing nothing, so that the checkpoint lag stays bounded under a load the
	// integrator cannot follow (as Trillian Tessera pushes back). nil never pushes back; cmd/inzicht
	// counts the outbox (INZICHT_LOG_MAX_BACKLOG).
	Pushback func(context.Context) bool
	// PushbackHold is how long a request waits for the log to catch up before it is answered 503; 0
	// answers at once. Holding smooths a burst: the integrator frees room a few thousand events at a
	// time, and a client told to come back after Retry-After (whole seconds) idles longer than that.
	PushbackHold time.Duration
}

// DefaultEventsNotBefore is the earliest plausible time of a processing event: no municipal system
// that reports to Inzicht kept a processing log before 1990.
var DefaultEventsNotBefore = time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC)

// DefaultConfidentialMax is the longest confidentiality without an extension: one year (366 days).
// An inquiry that needs longer says so again, with a reason, at least once a year.
const DefaultConfidentialMax = 366 * 24 * time.Hour

// Metrics counts what the API did.
type Metrics struct {
	events   *prometheus.CounterVec
	pushback prometheus.Counter
}

// NewMetrics registers the API's metrics with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{events: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "inzicht_ingest_events_total", Help: "Processing events received through the API, by result.",
	}, []string{"result"}),
		pushback: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "inzicht_ingest_pushback_total",
			Help: "Ingest requests answered 503 because the verifiable log was too far behind (INZICHT_LOG_MAX_BACKLOG).",
		})}
	reg.MustRegister(m.events, m.pushback)
	return m
}

// Gate is the rate limiting in front of every app that serves API keys (New and NewOTLP): one
// limiter on failed requests per address and one on all requests per API key. Built once and passed
// to both apps, it gives a key the configured rate once across /api/v1 and /v1/traces, not once per
// app. It is safe for concurrent use; with Config.RateCounter set to the PostgreSQL counter, every
// process adds to the same counts.
type Gate struct {
	perAddress, perKey fiber.Handler
}

// NewGate builds the rate limits of cfg (RatePerMinute). A request over a limit ends in 429 with
// Retry-After, rendered by each app's own error handler (problem+json, or a google.rpc.Status for OTLP).
func NewGate(cfg Config) *Gate {
	cfg = cfg.withDefaults()
	limitReached := func(c *fiber.Ctx) error { // the limiter has set Retry-After
		return fiber.NewError(fiber.StatusTooManyRequests, "slow down and retry later")
	}
	return &Gate{
		// Failed requests per address before authentication, so floods of made-up keys are cut off
		// without starving the systems behind the same proxy; all requests per key after it, so one
		// system cannot starve another.
		perAddress: ratelimit.New(ratelimit.Config{Name: "api-address", Max: 10 * cfg.RatePerMinute, Window: time.Minute,
			LimitReached: limitReached, OnlyFailures: true, Counter: cfg.RateCounter}),
		perKey: ratelimit.New(ratelimit.Config{Name: "api-key", Max: cfg.RatePerMinute, Window: time.Minute,
			LimitReached: limitReached, Counter: cfg.RateCounter,
			Key: func(c *fiber.Ctx) string { return strconv.FormatInt(apiKey(c).ID, 10) }}),
	}
}

// New returns the API as a Fiber app, to be mounted at /api/v1. gate is the rate limiting it shares
// with the OTLP receiver (NewOTLP); nil gives the app a gate of its own (NewGate(cfg)).
func New(store Store, cfg Config, gate *Gate, metrics *Metrics, log *slog.Logger) *fiber.App {
	cfg = cfg.withDefaults()
	if gate == nil {
		gate = NewGate(cfg)
	}
	app := fiber.New(fiber.Config{
		ErrorHandler:          errorHandler(log),
		BodyLimit:             MaxBody * 4, // a hard stop; MaxBody is checked in handlers with a problem response
		DisableStartupMessage: true,
	})
	h := &handlers{store: store, cfg: cfg, metrics: metrics}
	app.Get("/openapi.json", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentType, "application/json")
		return c.Send(OpenAPI)
	})
	guard(app, h, gate)
	app.Get("/processing-activities", h.listActivities)
	app.Put("/processing-activities/:id", h.requireScope("register:write"), requireJSON, h.putActivity)
	app.Post("/processing-events", h.requireScope("events:write"), h.pushback, requireJSON, h.ingest)
	app.Post("/processing-events/:id/confidentiality-extensions", h.requireScope("events:write"), requireJSON, h.extendConfidentiality)
	app.Post("/signals", h.requireScope("signals:write"), requireJSON, h.registerSignal)
	app.Post("/consent-requests", h.requireScope("consent:write"), requireJSON, h.createConsent)
	app.Get("/consent-requests/:id", h.requireScope("consent:read"), h.getConsent)
	app.Get("/rights-requests", h.requireScope("requests:read"), h.listRequests)
	app.Get("/rights-requests/:id", h.requireScope("requests:read"), h.getRequest)
	app.Post(LDVReadPath, h.requireScope("events:read"), requireJSON, traced("inzicht ldv read"), h.ldvRead)
	app.Get("/verwerkte-objecten", h.requireScope("events:read"), traced("inzicht verwerkte-objecten read"), h.verwerkteObjecten)
	app.Put("/organisations/:oin", h.requireScope("register:write"), requireJSON, h.putOrganisation)
	app.Post("/verwerkingsacties", vngRoute, h.requireScope("events:write"), h.pushback, requireJSON, h.postVerwerkingsactie)
	app.Patch("/verwerkingsacties", vngRoute, h.requireScope("events:write"), requireJSON, h.patchVerwerkingsacties)
	app.Get("/verwerkingsacties", vngRoute, h.requireScope("events:read"), traced("inzicht verwerkingsacties read"), h.listVerwerkingsacties)
	app.Get("/verwerkingsacties/:actieId", vngRoute, h.requireScope("events:read"), traced("inzicht verwerkingsactie read"), h.getVerwerkingsactie)
	app.Put("/verwerkingsacties/:actieId", vngRoute, h.requireScope("events:write"), h.pushback, requireJSON, h.putVerwerkingsactie)
	app.Delete("/verwerkingsacties/:actieId", vngRoute, h.requireScope("events:write"), h.deleteVerwerkingsactie)
	app.Put("/representations/:id", h.requireScope("representations:write"), requireJSON, h.putRepresentation)
	app.Delete("/representations/:id", h.requireScope("representations:write"), h.deleteRepresentation)
	app.Get("/representations", h.requireScope("representations:read"), h.listRepresentations)
	app.Use(func(c *fiber.Ctx) error { return portal.Errorf(portal.ENOTFOUND, "no such API resource") })
	return app
}

func (cfg Config) withDefaults() Config {
	if cfg.RatePerMinute <= 0 {
		cfg.RatePerMinute = 6000
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.EventsNotBefore.IsZero() {
		cfg.EventsNotBefore = DefaultEventsNotBefore
	}
	if cfg.EventsMaxFuture <= 0 {
		cfg.EventsMaxFuture = portal.MaxFuture
	}
	if cfg.ConfidentialMax <= 0 {
		cfg.ConfidentialMax = DefaultConfidentialMax
	}
	if cfg.LogbookID == "" {
		cfg.LogbookID = "inzicht"
	}
	return cfg
}

// guard puts the API's gate in front of app's routes: rate limits (gate, shared between the apps),
// the API key and bounded bodies.
func guard(app *fiber.App, h *handlers, gate *Gate) {
	app.Use(gate.perAddress)
	app.Use(h.authenticate)
	app.Use(gate.perKey)
	// Fiber's c.Body() would inflate a compressed body whole; this inflates it through MaxBody first
	// (after authentication, so anonymous clients cannot make us inflate anything).
	app.Use(httpbody.New(httpbody.Config{Limit: MaxBody}))
}

type handlers struct {
	store   Store
	cfg     Config
	metrics *Metrics
}

// authenticate resolves the bearer token to an API key; without a valid one the request ends in 401.
func (h *handlers) authenticate(c *fiber.Ctx) error {
	tok, ok := strings.CutPrefix(c.Get(fiber.HeaderAuthorization), "Bearer ")
	if !ok || tok == "" {
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="inzicht"`)
		return portal.Errorf(portal.EUNAUTHORIZED, "an API key is required: Authorization: Bearer <key>")
	}
	key, err := h.store.AuthenticateAPIKey(c.UserContext(), strings.TrimSpace(tok))
	if err != nil {
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="inzicht", error="invalid_token"`)
		return err
	}
	c.Locals(keyLocal, key)
	return c.Next()
}

type localKey string

const keyLocal localKey = "apikey"

func apiKey(c *fiber.Ctx) portal.APIKey {
	k, _ := c.Locals(keyLocal).(portal.APIKey)
	return k
}

func (h *handlers) requireScope(scope string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if !apiKey(c).HasScope(scope) {
			return portal.Errorf(portal.EFORBIDDEN, "this API key lacks the scope %s", scope)
		}
		return c.Next()
	}
}

func (h *handlers) listActivities(c *fiber.Ctx) error {
	as, err := h.register(c)
	if err != nil {
		return err
	}
	if as == nil {
		as = []portal.Activity{}
	}
	return c.JSON(fiber.Map{"activities": as})
}

// register returns the register entries with their URIs (one query).
func (h *handlers) register(c *fiber.Ctx) ([]portal.Activity, error) {
	return h.store.Register(c.UserContext())
}

func (h *handlers) putActivity(c *fiber.Ctx) error {
	if len(c.Body()) > MaxBody {
		return portal.Errorf(portal.ETOOLARGE, "the body is larger than %d bytes", MaxBody)
	}
	var a portal.Activity
	if err := decodeStrict(c.Body(), &a); err != nil {
		return err
	}
	if a.ID != "" && a.ID != c.Params("id") {
		return &portal.Error{Code: portal.EINVALID, Message: "the id in the body differs from the id in the path",
			Fields: []portal.FieldError{{Index: -1, Field: "id", Message: "must equal the path id"}}}
	}
	a.ID = strings.Clone(c.Params("id"))
	if len(a.DataCategories) > portal.MaxCategories {
		return &portal.Error{Code: portal.EINVALID, Message: "invalid processing activity", Fields: []portal.FieldError{{Index: -1,
			Field: "data_categories", Message: fmt.Sprintf("at most %d categories, this entry lists %d", portal.MaxCategories, len(a.DataCategories))}}}
	}
	a.DataCategories = portal.Dedupe(a.DataCategories)
	if err := a.Validate(); err != nil {
		return err
	}
	created, err := h.store.PutActivity(c.UserContext(), a)
	if err != nil {
		return err
	}
	if created {
		c.Status(fiber.StatusCreated)
	}
	return c.JSON(a)
}

func (h *handlers) ingest(c *fiber.Ctx) error {
	if len(c.Body()) > MaxBody {
		return portal.Errorf(portal.ETOOLARGE, "the body is larger than %d bytes", MaxBody)
	}
	events, err := DecodeBatch(c.Body())
	if err != nil {
		return err
	}
	// The batch is checked in the transaction that stores it, against the register as it stands there.
	rules := portal.EventRules{Now: h.cfg.Now(), NotBefore: h.cfg.EventsNotBefore, MaxAhead: h.cfg.EventsMaxFuture,
		MaxConfidential: h.cfg.ConfidentialMax}
	res, err := h.store.IngestChecked(c.UserContext(), apiKey(c).ID, events, rules)
	if err != nil {
		if code := portal.ErrorCode(err); h.metrics != nil && (code == portal.EINVALID || code == portal.ETOOLARGE) {
			h.metrics.events.WithLabelValues("invalid").Add(float64(len(events)))
		}
		return err
	}
	if h.metrics != nil {
		h.metrics.events.WithLabelValues("accepted").Add(float64(res.Accepted))
		h.metrics.events.WithLabelValues("duplicate").Add(float64(res.Duplicates))
	}
	return c.JSON(res)
}

// pushback holds a request up to Config.PushbackHold while Config.Pushback says the verifiable log
// is too far behind, and then answers 503 with Retry-After: 1, storing nothing; clients retry (OTLP
// exporters do so on 503 by themselves).
func (h *handlers) pushback(c *fiber.Ctx) error {
	if h.cfg.Pushback == nil {
		return c.Next()
	}
	ctx := c.UserContext()
	for until := time.Now().Add(h.cfg.PushbackHold); h.cfg.Pushback(ctx); {
		wait := min(50*time.Millisecond, time.Until(until))
		if wait <= 0 {
			return h.pushedBack(c)
		}
		select {
		case <-ctx.Done():
			return h.pushedBack(c)
		case <-time.After(wait):
		}
	}
	return c.Next()
}

// pushedBack answers a request the log could not make room for in time.
func (h *handlers) pushedBack(c *fiber.Ctx) error {
	if h.metrics != nil {
		h.metrics.pushback.Inc()
	}
	c.Set(fiber.HeaderRetryAfter, "1")
	return fiber.NewError(fiber.StatusServiceUnavailable, pushbackMessage)
}

// pushbackMessage is the detail of a 503 answered by pushback.
const pushbackMessage = "the processing log is catching up with the events already received; nothing was stored: send the same request again after Retry-After"

// requireJSON refuses, with 415, a body that is not declared as application/json (charset utf-8
// allowed, nothing else): a text/plain or form body is a client bug, and refusing it keeps browsers'
// simple cross-site requests out. application/*+json types are refused too; none is defined here.
func requireJSON(c *fiber.Ctx) error {
	mt, params, err := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	if err == nil && mt == "application/json" {
		cs, hasCharset := params["charset"]
		if len(params) == 0 || len(params) == 1 && hasCharset && strings.EqualFold(cs, "utf-8") {
			return c.Next()
		}
	}
	return fiber.NewError(fiber.StatusUnsupportedMediaType, "the body must be sent as Content-Type: application/json")
}

// ExtensionRequest is the body of a confidentiality extension; times as text so a malformed one is
// reported by its field.
type extensionRequest struct {
	Until  string `json:"until"`
	Reason string `json:"reason"`
}

// extendConfidentiality keeps a still confidential event hidden for longer, with a recorded reason.
// Only the system that reported the event may; each extension ends at most ConfidentialMax from now.
func (h *handlers) extendConfidentiality(c *fiber.Ctx) error {
	var req extensionRequest
	if err := decodeStrict(c.Body(), &req); err != nil {
		return err
	}
	var x portal.ConfidentialityExtension
	if req.Until != "" {
		t, err := time.Parse(time.RFC3339Nano, req.Until)
		if err != nil {
			return &portal.Error{Code: portal.EINVALID, Message: "invalid confidentiality extension",
				Fields: []portal.FieldError{{Index: -1, Field: "until", Message: "must be a date-time in RFC 3339 format"}}}
		}
		x.Until = t
	}
	x.Reason = req.Reason
	if err := x.Validate(h.cfg.Now(), h.cfg.ConfidentialMax); err != nil {
		return err
	}
	r, err := h.store.ExtendConfidentiality(c.UserContext(), strings.ToLower(c.Params("id")), apiKey(c), x)
	if err != nil {
		return err
	}
	r.PreviousUntil, r.Until, r.ExtendedAt = r.PreviousUntil.UTC(), r.Until.UTC(), r.ExtendedAt.UTC()
	c.Status(fiber.StatusCreated)
	return c.JSON(r)
}

var statusByCode = map[string]int{
	portal.EINVALID:      fiber.StatusUnprocessableEntity,
	portal.ENOTFOUND:     fiber.StatusNotFound,
	portal.ECONFLICT:     fiber.StatusConflict,
	portal.EUNAUTHORIZED: fiber.StatusUnauthorized,
	portal.EFORBIDDEN:    fiber.StatusForbidden,
	portal.ETOOLARGE:     fiber.StatusRequestEntityTooLarge,
	portal.ETOOMANY:      fiber.StatusTooManyRequests,
}

// errorHandler turns every error into application/problem+json (RFC 9457). Internal errors are
// logged once and never shown.
func errorHandler(log *slog.Logger) fiber.ErrorHandler {
	return func(c *fiber.Ctx, err error) error {
		var fe *fiber.Error
		if errors.As(err, &fe) {
			msg := fe.Message
			if fe.Code >= 500 && fe.Code != fiber.StatusServiceUnavailable {
				msg = "internal error"
			}
			return problem(c, fe.Code, statusTitle(fe.Code), msg, nil)
		}
		code := portal.ErrorCode(err)
		status, ok := statusByCode[code]
		if ok && errors.As(err, new(badRequest)) {
			status = fiber.StatusBadRequest
		}
		if !ok {
			log.Error("api: internal error", "method", c.Method(), "path", c.Route().Path, "err", err)
			return problem(c, fiber.StatusInternalServerError, "Internal error", "the request could not be handled; nothing was stored", nil)
		}
		if vng, _ := c.Locals(vngLocal).(bool); vng && status == fiber.StatusUnprocessableEntity {
			status = fiber.StatusBadRequest // the VNG OAS answers every validation error with 400
		}
		return problem(c, status, statusTitle(status), portal.ErrorMessage(err), portal.ErrorFields(err))
	}
}

func statusTitle(status int) string {
	return utils.StatusMessage(status)
}

// Problem is an RFC 9457 problem document with the invalid fields.
type Problem struct {
	Type   string              `json:"type"`
	Title  string              `json:"title"`
	Status int                 `json:"status"`
	Detail string              `json:"detail,omitempty"`
	Errors []portal.FieldError `json:"errors,omitempty"`
	// InvalidParams repeats Errors in the VNG shape (ValidatieFout) on the VNG routes.
	InvalidParams []InvalidParam `json:"invalidParams,omitempty"`
}

// InvalidParam is one invalid field as the VNG API's ValidatieFout lists it.
type InvalidParam struct {
	Name   string `json:"name"`
	Code   string `json:"code"`
	Reason string `json:"reason"`
}

func problem(c *fiber.Ctx, status int, title, detail string, fields []portal.FieldError) error {
	c.Status(status)
	c.Set(fiber.HeaderContentType, "application/problem+json")
	c.Set(fiber.HeaderCacheControl, "no-store")
	p := Problem{Type: "about:blank", Title: title, Status: status, Detail: detail, Errors: fields}
	if vng, _ := c.Locals(vngLocal).(bool); vng {
		for _, f := range fields {
			p.InvalidParams = append(p.InvalidParams, InvalidParam{Name: f.Field, Code: "invalid", Reason: f.Message})
		}
	}
	b, err := c.App().Config().JSONEncoder(p)
	if err != nil {
		return err
	}
	return c.Send(b)
}

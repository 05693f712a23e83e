package api_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	rpcstatus "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	"github.com/inzicht/inzicht/api"
)

// TestIngestPushback: while Config.Pushback says the verifiable log is too far behind, every way in
// for new events (the native API, a VNG verwerkingsactie, OTLP) answers 503 with Retry-After and
// stores nothing; once it has caught up, the same requests are stored, once.
func TestIngestPushback(t *testing.T) {
	t.Parallel()
	var behind atomic.Bool
	cfg := api.Config{Pushback: func(context.Context) bool { return behind.Load() }}
	e := newEnvWith(t, cfg, slog.New(slog.DiscardHandler))
	if _, err := e.db.PutActivity(context.Background(), testActivity(vngActivity)); err != nil {
		t.Fatal(err)
	}
	if err := e.db.EnsureInternalActivities(context.Background(), "Gemeente Voorbeeldstad"); err != nil {
		t.Fatal(err)
	}
	top := fiber.New(fiber.Config{DisableStartupMessage: true})
	top.Mount(api.OTLPPath, api.NewOTLP(e.db, cfg, nil, nil, slog.New(slog.DiscardHandler)))
	td := ptrace.NewTraces()
	ldvSpan(td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans(), 7, 7, activityID, bsnA, time.Now().Add(-time.Hour))
	spans, err := ptraceotlp.NewExportRequestFromTraces(td).MarshalProto()
	if err != nil {
		t.Fatal(err)
	}
	export := func() *http.Response { return exportTo(t, top, e.eventKey, spans) }
	events := batch(t, validEvent(bsnA), validEvent(bsnB))
	vng := marshal(t, actie(t))

	behind.Store(true)
	for _, r := range []result{e.ingest(events), e.do("POST", "/verwerkingsacties", e.eventKey, vng)} {
		if r.status != 503 || r.header.Get("Retry-After") != "1" || !bytes.Contains(r.body, []byte("nothing was stored")) {
			t.Errorf("while behind: %d, Retry-After %q, %s; want 503 with Retry-After 1", r.status, r.header.Get("Retry-After"), r.body)
		}
	}
	res := export()
	body, _ := io.ReadAll(res.Body)
	var st rpcstatus.Status
	if res.StatusCode != 503 || res.Header.Get("Retry-After") != "1" || proto.Unmarshal(body, &st) != nil || st.Code != int32(codes.Unavailable) {
		t.Errorf("OTLP while behind: %d, Retry-After %q, status %v; want 503, 1, UNAVAILABLE", res.StatusCode, res.Header.Get("Retry-After"), &st)
	}
	if n := e.rows(); n != 0 {
		t.Fatalf("stored %d events while pushing back, want 0", n)
	}

	behind.Store(false)
	if got := e.ingestOK(events); got.Accepted != 2 || e.rows() != 2 {
		t.Errorf("after catching up: %+v, %d rows; want 2 accepted and stored", got, e.rows())
	}
	if r := e.do("POST", "/verwerkingsacties", e.eventKey, vng); r.status != 201 {
		t.Errorf("VNG after catching up: %d %s", r.status, r.body)
	}
	withVNG := e.rows()
	if withVNG <= 2 {
		t.Errorf("the verwerkingsactie stored no event (%d rows)", withVNG)
	}
	if res := export(); res.StatusCode != 200 {
		t.Errorf("OTLP after catching up: %d", res.StatusCode)
	}
	if n := e.rows(); n != withVNG+1 {
		t.Errorf("stored %d events after the export, want %d", n, withVNG+1)
	}
}

// TestPushbackHold: a request that finds the log behind waits up to Config.PushbackHold for it to
// catch up and is then stored; one that waits in vain is answered 503 and stores nothing.
func TestPushbackHold(t *testing.T) {
	t.Parallel()
	var asked, catchUpAfter atomic.Int64
	catchUpAfter.Store(3)
	cfg := api.Config{PushbackHold: time.Minute,
		Pushback: func(context.Context) bool { return asked.Add(1) <= catchUpAfter.Load() }}
	e := newEnvWith(t, cfg, slog.New(slog.DiscardHandler))
	if got := e.ingestOK(batch(t, validEvent(bsnA))); got.Accepted != 1 || asked.Load() != 4 {
		t.Errorf("held request: %+v after %d checks; want 1 accepted after 4", got, asked.Load())
	}

	never := api.Config{PushbackHold: 120 * time.Millisecond, Pushback: func(context.Context) bool { return true }}
	e2 := newEnvWith(t, never, slog.New(slog.DiscardHandler))
	if r := e2.ingest(batch(t, validEvent(bsnA))); r.status != 503 || r.header.Get("Retry-After") != "1" {
		t.Errorf("held in vain: %d, Retry-After %q; want 503, 1", r.status, r.header.Get("Retry-After"))
	}
	if n := e2.rows(); n != 0 {
		t.Errorf("stored %d events after 503, want 0", n)
	}
}

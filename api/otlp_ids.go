package api

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"
)

// The OTLP types of pdata refuse a whole request when one span has an id of the wrong length. The
// receiver decodes with pdata first; only when that fails does it look, with a decoding that takes
// ids of any length (the generated protobuf types of go.opentelemetry.io/proto/otlp, where ids are
// bytes, or a generic JSON decoding, where they are hex strings), for the spans whose ids pdata
// refuses, drops them with a reason each, and decodes the rest with pdata again. A body that is not
// OTLP at all stays undecodable.

// idFault returns why an id of n bytes (-1: not hex, or not a string) is refused where want bytes
// are wanted, or "". An empty id passes here: pdata reads it as all zero, and the mapping refuses
// that with its own reason where an id is required.
func idFault(name string, n, want int) string {
	if n == 0 || n == want {
		return ""
	}
	return fmt.Sprintf("%s must be %d bytes", name, want)
}

// spanIDFault returns why a span's ids (lengths in bytes) are refused, or "".
func spanIDFault(trace, span, parent int, links [][2]int) string {
	for _, f := range []string{idFault("trace_id", trace, 16), idFault("span_id", span, 8),
		idFault("parent_span_id", parent, 8)} {
		if f != "" {
			return f
		}
	}
	for i, l := range links {
		if f := idFault(fmt.Sprintf("links[%d].trace_id", i), l[0], 16) + idFault(fmt.Sprintf("links[%d].span_id", i), l[1], 8); f != "" {
			return f
		}
	}
	return ""
}

func spanPlace(i, j, k int) string {
	return fmt.Sprintf("span at resourceSpans[%d].scopeSpans[%d].spans[%d]", i, j, k)
}

// dropBadIDs returns body without the spans whose ids have the wrong length, in the same encoding,
// and a reason for each span dropped. ok is false when body does not decode even so, or when no
// span was dropped (so pdata's refusal had another cause).
func dropBadIDs(body []byte, enc string) (out []byte, reasons []string, ok bool) {
	if enc == "json" {
		return dropBadIDsJSON(body)
	}
	var req coltracepb.ExportTraceServiceRequest
	if err := proto.Unmarshal(body, &req); err != nil {
		return nil, nil, false
	}
	for i, rs := range req.ResourceSpans {
		for j, ss := range rs.GetScopeSpans() {
			keep := ss.Spans[:0]
			for k, s := range ss.Spans {
				links := make([][2]int, len(s.Links))
				for n, l := range s.Links {
					links[n] = [2]int{len(l.TraceId), len(l.SpanId)}
				}
				if f := spanIDFault(len(s.TraceId), len(s.SpanId), len(s.ParentSpanId), links); f != "" {
					reasons = append(reasons, spanPlace(i, j, k)+": "+f)
					continue
				}
				keep = append(keep, s)
			}
			ss.Spans = keep
		}
	}
	if len(reasons) == 0 {
		return nil, nil, false
	}
	out, err := proto.Marshal(&req)
	if err != nil {
		return nil, nil, false
	}
	return out, reasons, true
}

// otlpField returns the value of the first of keys present in m (OTLP/JSON takes lowerCamelCase
// field names and, as protobuf's JSON mapping does, the original ones).
func otlpField(m map[string]any, keys ...string) any {
	for _, k := range keys {
		if v, ok := m[k]; ok {
			return v
		}
	}
	return nil
}

func jsonObjects(v any) []map[string]any {
	arr, _ := v.([]any)
	out := make([]map[string]any, 0, len(arr))
	for _, x := range arr {
		if m, ok := x.(map[string]any); ok {
			out = append(out, m)
		} else {
			out = append(out, nil)
		}
	}
	return out
}

// jsonIDLen is the length in bytes of a hex id in OTLP/JSON, 0 when absent or empty, -1 when not hex.
func jsonIDLen(v any) int {
	if v == nil {
		return 0
	}
	s, ok := v.(string)
	if !ok {
		return -1
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		return -1
	}
	return len(b)
}

func dropBadIDsJSON(body []byte) ([]byte, []string, bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber() // nanosecond timestamps do not fit a float64
	var root map[string]any
	if err := dec.Decode(&root); err != nil || dec.More() {
		return nil, nil, false
	}
	var reasons []string
	rss := otlpField(root, "resourceSpans", "resource_spans")
	for i, rs := range jsonObjects(rss) {
		if rs == nil {
			return nil, nil, false
		}
		sss := otlpField(rs, "scopeSpans", "scope_spans")
		for j, ss := range jsonObjects(sss) {
			if ss == nil {
				return nil, nil, false
			}
			spans := jsonObjects(ss["spans"])
			keep := make([]any, 0, len(spans))
			for k, s := range spans {
				if s == nil {
					return nil, nil, false
				}
				tid := otlpField(s, "traceId", "trace_id")
				sid := otlpField(s, "spanId", "span_id")
				pid := otlpField(s, "parentSpanId", "parent_span_id")
				var links [][2]int
				for _, l := range jsonObjects(s["links"]) {
					if l == nil {
						return nil, nil, false
					}
					ltid := otlpField(l, "traceId", "trace_id")
					lsid := otlpField(l, "spanId", "span_id")
					links = append(links, [2]int{jsonIDLen(ltid), jsonIDLen(lsid)})
				}
				if f := spanIDFault(jsonIDLen(tid), jsonIDLen(sid), jsonIDLen(pid), links); f != "" {
					reasons = append(reasons, spanPlace(i, j, k)+": "+f)
					continue
				}
				keep = append(keep, s)
			}
			if len(spans) > 0 {
				ss["spans"] = keep
			}
		}
	}
	if len(reasons) == 0 {
		return nil, nil, false
	}
	out, err := json.Marshal(root)
	if err != nil {
		return nil, nil, false
	}
	return out, reasons, true
}

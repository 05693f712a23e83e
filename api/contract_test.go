package api_test

// The contract between api/openapi.json and the code: the spec is compiled with a JSON Schema 2020-12
// validator (the OpenAPI 3.1 dialect) and every request and response the tests exchange is checked
// against the schema the spec declares for its (method, path, status, content type). The schema is
// found by walking the spec's paths and responses, never by name, so the tests fail when spec and
// code drift apart.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/inzicht/inzicht/api"
	"github.com/inzicht/inzicht/portal"
)

const specURL = "mem:///openapi.json"

type spec struct {
	doc map[string]any
	c   *jsonschema.Compiler

	mu    sync.Mutex
	cache map[string]*jsonschema.Schema
}

var (
	specOnce sync.Once
	theSpec  *spec
	specErr  error
)

// loadSpec parses and registers the embedded OpenAPI document once per test binary.
func loadSpec(t testing.TB) *spec {
	t.Helper()
	specOnce.Do(func() {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(api.OpenAPI))
		if err != nil {
			specErr = fmt.Errorf("openapi.json is not JSON: %w", err)
			return
		}
		m, ok := doc.(map[string]any)
		if !ok {
			specErr = fmt.Errorf("openapi.json is not a JSON object")
			return
		}
		c := jsonschema.NewCompiler()
		c.DefaultDraft(jsonschema.Draft2020)
		c.AssertFormat()
		if err := c.AddResource(specURL, doc); err != nil {
			specErr = err
			return
		}
		theSpec = &spec{doc: m, c: c, cache: map[string]*jsonschema.Schema{}}
	})
	if specErr != nil {
		t.Fatal(specErr)
	}
	return theSpec
}

// schema compiles the schema at the JSON pointer ptr ("/components/schemas/Event").
func (s *spec) schema(t testing.TB, ptr string) *jsonschema.Schema {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if sch, ok := s.cache[ptr]; ok {
		return sch
	}
	sch, err := s.c.Compile(specURL + "#" + ptr)
	if err != nil {
		t.Fatalf("openapi.json: compile %s: %v", ptr, err)
	}
	s.cache[ptr] = sch
	return sch
}

func escapePtr(tok string) string {
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(tok)
}

func unescapePtr(tok string) string {
	return strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
}

// at returns the node at JSON pointer ptr.
func (s *spec) at(ptr string) (any, bool) {
	var node any = s.doc
	if ptr == "" {
		return node, true
	}
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		m, ok := node.(map[string]any)
		if !ok {
			return nil, false
		}
		if node, ok = m[unescapePtr(tok)]; !ok {
			return nil, false
		}
	}
	return node, true
}

// deref follows a Reference Object ({"$ref": "#/..."}) to the object it names, returning the object
// and its pointer. Schemas are not dereferenced this way: the compiler resolves their refs.
func (s *spec) deref(t testing.TB, node any, ptr string) (map[string]any, string) {
	t.Helper()
	for range 10 {
		m, ok := node.(map[string]any)
		if !ok {
			t.Fatalf("openapi.json: %s is not an object", ptr)
		}
		ref, ok := m["$ref"].(string)
		if !ok {
			return m, ptr
		}
		target, ok := strings.CutPrefix(ref, "#")
		if !ok {
			t.Fatalf("openapi.json: %s: only local refs are supported, got %q", ptr, ref)
		}
		if node, ok = s.at(target); !ok {
			t.Fatalf("openapi.json: %s: $ref %q resolves to nothing", ptr, ref)
		}
		ptr = target
	}
	t.Fatalf("openapi.json: %s: $ref chain too long", ptr)
	return nil, ""
}

func (s *spec) paths(t testing.TB) map[string]any {
	t.Helper()
	p, ok := s.doc["paths"].(map[string]any)
	if !ok {
		t.Fatal("openapi.json: no paths")
	}
	return p
}

var templateParam = regexp.MustCompile(`\\\{[^}/]+\\\}`)

// operation finds the operation the spec declares for a concrete request path such as
// "/processing-activities/wmo-onderzoek", by matching it against the path templates.
func (s *spec) operation(t testing.TB, method, path string) (map[string]any, string) {
	t.Helper()
	path, _, _ = strings.Cut(path, "?")
	var found []string
	for tmpl := range s.paths(t) {
		// QuoteMeta escapes the braces of {param}; replace the escaped form by a segment pattern.
		re := "^" + templateParam.ReplaceAllString(regexp.QuoteMeta(tmpl), `[^/]+`) + "$"
		if regexp.MustCompile(re).MatchString(path) {
			found = append(found, tmpl)
		}
	}
	if len(found) != 1 {
		t.Fatalf("openapi.json: %s %s matches %d path templates %v, want 1", method, path, len(found), found)
	}
	ptr := "/paths/" + escapePtr(found[0])
	item, ptr := s.deref(t, s.paths(t)[found[0]], ptr)
	op, ok := item[strings.ToLower(method)]
	if !ok {
		t.Fatalf("openapi.json: no operation %s %s", method, found[0])
	}
	return s.deref(t, op, ptr+"/"+strings.ToLower(method))
}

func mediaType(header string) string {
	mt, _, err := mime.ParseMediaType(header)
	if err != nil {
		return header
	}
	return mt
}

// checkResponse validates a real response against what the spec declares for it: the status must be
// listed for the operation, the content type must be one the spec gives for that status, required
// headers must be present and the body must match the schema.
func (s *spec) checkResponse(t testing.TB, method, path string, status int, header http.Header, body []byte) {
	t.Helper()
	op, opPtr := s.operation(t, method, path)
	responses, respsPtr := s.deref(t, op["responses"], opPtr+"/responses")
	code := strconv.Itoa(status)
	raw, ok := responses[code]
	if !ok {
		if raw, ok = responses["default"]; !ok {
			t.Fatalf("openapi.json: %s %s declares no response %d (it declares %v)", method, path, status, keys(responses))
		}
		code = "default"
	}
	resp, respPtr := s.deref(t, raw, respsPtr+"/"+code)
	if hs, ok := resp["headers"].(map[string]any); ok {
		for name, h := range hs {
			hm, _ := s.deref(t, h, respPtr+"/headers/"+escapePtr(name))
			if req, _ := hm["required"].(bool); req && header.Get(name) == "" {
				t.Errorf("%s %s → %d: the spec requires header %s, the response has none", method, path, status, name)
			}
		}
	}
	content, _ := resp["content"].(map[string]any)
	if len(content) == 0 {
		if len(body) > 0 {
			t.Errorf("%s %s → %d: the spec declares no body, the response has %d bytes", method, path, status, len(body))
		}
		return
	}
	ct := mediaType(header.Get(fiber.HeaderContentType))
	if _, ok := content[ct]; !ok {
		t.Fatalf("%s %s → %d: content type %q is not declared in the spec (declared: %v)", method, path, status, ct, keys(content))
	}
	s.validate(t, fmt.Sprintf("response of %s %s → %d", method, path, status),
		respPtr+"/content/"+escapePtr(ct)+"/schema", body)
}

// requestSchema returns the pointer of the JSON request body schema of an operation.
func (s *spec) requestSchema(t testing.TB, method, path string) string {
	t.Helper()
	op, opPtr := s.operation(t, method, path)
	rb, ok := op["requestBody"]
	if !ok {
		t.Fatalf("openapi.json: %s %s declares no request body", method, path)
	}
	rbm, rbPtr := s.deref(t, rb, opPtr+"/requestBody")
	content, _ := rbm["content"].(map[string]any)
	if _, ok := content["application/json"]; !ok {
		t.Fatalf("openapi.json: %s %s: request body is not application/json", method, path)
	}
	return rbPtr + "/content/" + escapePtr("application/json") + "/schema"
}

// checkRequest validates a request body the API accepted against the spec's request schema.
func (s *spec) checkRequest(t testing.TB, method, path string, body []byte) {
	t.Helper()
	s.validate(t, fmt.Sprintf("request body of %s %s", method, path), s.requestSchema(t, method, path), body)
}

// rejectsRequest reports whether the spec's request schema refuses body (for bodies the API refuses).
func (s *spec) rejectsRequest(t testing.TB, method, path string, body []byte) bool {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return true
	}
	return s.schema(t, s.requestSchema(t, method, path)).Validate(inst) != nil
}

func (s *spec) validate(t testing.TB, what, ptr string, body []byte) {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		t.Errorf("%s is not JSON: %v\n%.500s", what, err, body)
		return
	}
	if err := s.schema(t, ptr).Validate(inst); err != nil {
		t.Errorf("%s does not match its schema in openapi.json (%s):\n%v\nbody: %.1000s", what, ptr, err, body)
	}
}

func keys(m map[string]any) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

var httpMethods = []string{"get", "put", "post", "delete", "patch", "head", "options", "trace"}

// TestSpecCoversRoutes checks that every route api.New registers is in the spec and that the spec
// describes no operation the app does not serve.
func TestSpecCoversRoutes(t *testing.T) {
	t.Parallel()
	s := loadSpec(t)
	app := api.New(nil, api.Config{}, nil, nil, nil)
	param := regexp.MustCompile(`:([A-Za-z0-9_]+)`)
	registered := map[string]bool{}
	for _, r := range app.GetRoutes(true) {
		if r.Method == fiber.MethodHead || r.Method == fiber.MethodConnect {
			continue // Fiber adds HEAD for every GET
		}
		registered[strings.ToLower(r.Method)+" "+param.ReplaceAllString(r.Path, "{$1}")] = true
	}
	if len(registered) == 0 {
		t.Fatal("api.New registered no routes")
	}
	documented := map[string]bool{}
	for p, item := range s.paths(t) {
		m, _ := s.deref(t, item, "/paths/"+escapePtr(p))
		for _, method := range httpMethods {
			if _, ok := m[method]; ok {
				documented[method+" "+p] = true
			}
		}
	}
	for r := range registered {
		if !documented[r] {
			t.Errorf("route %s is served but not described in openapi.json", r)
		}
	}
	for d := range documented {
		if !registered[d] {
			t.Errorf("openapi.json describes %s, which the API does not serve", d)
		}
	}
}

// TestSpecWellFormed checks the document itself: every $ref resolves, every schema compiles, every
// example matches its schema, the enums and limits agree with the Go validation, and every error
// response is application/problem+json.
func TestSpecWellFormed(t *testing.T) {
	t.Parallel()
	s := loadSpec(t)
	if v, _ := s.doc["openapi"].(string); !strings.HasPrefix(v, "3.1.") {
		t.Errorf("openapi = %q, want 3.1.x", v)
	}
	servers, _ := s.doc["servers"].([]any)
	if len(servers) != 1 || servers[0].(map[string]any)["url"] != "/api/v1" {
		t.Errorf("servers = %v, want [{url: /api/v1}]", servers)
	}
	schemes, _ := s.at("/components/securitySchemes/bearerAuth")
	if m, _ := schemes.(map[string]any); m["type"] != "http" || m["scheme"] != "bearer" {
		t.Errorf("bearerAuth security scheme = %v", schemes)
	}

	// Every $ref resolves.
	var walk func(node any, ptr string)
	walk = func(node any, ptr string) {
		switch n := node.(type) {
		case map[string]any:
			if ref, ok := n["$ref"].(string); ok {
				if target, ok := strings.CutPrefix(ref, "#"); !ok {
					t.Errorf("%s: non-local $ref %q", ptr, ref)
				} else if _, ok := s.at(target); !ok {
					t.Errorf("%s: $ref %q resolves to nothing", ptr, ref)
				}
			}
			for k, v := range n {
				walk(v, ptr+"/"+escapePtr(k))
			}
		case []any:
			for i, v := range n {
				walk(v, ptr+"/"+strconv.Itoa(i))
			}
		}
	}
	walk(s.doc, "")

	// Every component schema compiles.
	schemas, _ := s.at("/components/schemas")
	for _, name := range []string{"Event", "Actor", "AgainstWill", "Activity", "Text", "IngestResult", "ActivityList", "Problem", "EventBatch"} {
		if _, ok := schemas.(map[string]any)[name]; !ok {
			t.Errorf("components.schemas lacks %s", name)
		}
	}
	for name := range schemas.(map[string]any) {
		s.schema(t, "/components/schemas/"+escapePtr(name))
	}

	// Every operation is documented, every error answer is a problem document, and every example
	// matches the schema next to it.
	for p, item := range s.paths(t) {
		itemMap, itemPtr := s.deref(t, item, "/paths/"+escapePtr(p))
		for _, method := range httpMethods {
			raw, ok := itemMap[method]
			if !ok {
				continue
			}
			op, opPtr := s.deref(t, raw, itemPtr+"/"+method)
			for _, f := range []string{"operationId", "summary", "description"} {
				if v, _ := op[f].(string); v == "" {
					t.Errorf("%s %s has no %s", method, p, f)
				}
			}
			if rb, ok := op["requestBody"]; ok {
				rbm, rbPtr := s.deref(t, rb, opPtr+"/requestBody")
				checkExamples(t, s, rbm, rbPtr)
			}
			resps, respsPtr := s.deref(t, op["responses"], opPtr+"/responses")
			for code, r := range resps {
				rm, rPtr := s.deref(t, r, respsPtr+"/"+escapePtr(code))
				if d, _ := rm["description"].(string); d == "" {
					t.Errorf("%s %s → %s has no description", method, p, code)
				}
				n, _ := strconv.Atoi(code)
				content, _ := rm["content"].(map[string]any)
				if n >= 400 {
					if _, ok := content["application/problem+json"]; !ok || len(content) != 1 {
						t.Errorf("%s %s → %s: errors must be application/problem+json only, got %v", method, p, code, keys(content))
					}
				}
				checkExamples(t, s, rm, rPtr)
			}
			if p != "/openapi.json" {
				for _, code := range []string{"401", "429", "500"} {
					if _, ok := resps[code]; !ok {
						t.Errorf("%s %s does not declare %s", method, p, code)
					}
				}
			}
		}
	}

	// The enums and limits are the Go validation's.
	enum := func(ptr string) []string {
		n, ok := s.at(ptr)
		if !ok {
			t.Errorf("openapi.json has no %s", ptr)
			return nil
		}
		var out []string
		for _, v := range n.([]any) {
			out = append(out, v.(string))
		}
		return out
	}
	for ptr, want := range map[string][]string{
		"/components/schemas/Event/properties/action/enum":       portal.Actions,
		"/components/schemas/Event/properties/access_basis/enum": portal.AccessBases,
		"/components/schemas/Event/properties/level/enum":        portal.Levels,
	} {
		if diff := cmp.Diff(want, enum(ptr)); diff != "" {
			t.Errorf("%s differs from the Go validation (-go +spec):\n%s", ptr, diff)
		}
	}
	if n, _ := s.at("/components/schemas/EventBatch/properties/events/maxItems"); n != json.Number(strconv.Itoa(portal.MaxBatch)) {
		t.Errorf("EventBatch.events.maxItems = %v, want %d", n, portal.MaxBatch)
	}
	req, _ := s.at("/components/schemas/Event/required")
	var required []string
	for _, v := range req.([]any) {
		required = append(required, v.(string))
	}
	wantRequired := []string{"id", "occurred_at", "subject_bsn", "activity", "action", "data_categories", "level", "actor", "access_basis"}
	if !slices.Equal(sortedCopy(required), sortedCopy(wantRequired)) {
		t.Errorf("Event.required = %v, want %v", required, wantRequired)
	}
}

func sortedCopy(s []string) []string {
	c := slices.Clone(s)
	slices.Sort(c)
	return c
}

// checkExamples validates the examples of a Request Body or Response Object's media types.
func checkExamples(t *testing.T, s *spec, obj map[string]any, ptr string) {
	t.Helper()
	content, _ := obj["content"].(map[string]any)
	for ct, mt := range content {
		mtm, _ := mt.(map[string]any)
		schemaPtr := ptr + "/content/" + escapePtr(ct) + "/schema"
		check := func(name string, v any) {
			b, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			s.validate(t, "example "+name+" at "+ptr, schemaPtr, b)
		}
		if ex, ok := mtm["example"]; ok {
			check("example", ex)
		}
		if exs, ok := mtm["examples"].(map[string]any); ok {
			for name, ex := range exs {
				exm, _ := s.deref(t, ex, ptr)
				check(name, exm["value"])
			}
		}
	}
}

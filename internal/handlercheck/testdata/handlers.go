package fixture

import (
	"net/http"

	"github.com/gofiber/fiber/v2"
)

type server struct {
	last  string
	count int
	seen  map[string]bool
}

var hits int

// The round-one consent bug, as it was written.
func (s *server) decideConsent(decision string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if decision == "" {
			switch v := c.FormValue("besluit"); v {
			case "granted", "refused":
				decision = v // BAD: captured parameter
			}
		}
		return c.SendString(decision)
	}
}

func (s *server) remember(c *fiber.Ctx) error {
	s.last = c.Query("q") // BAD: receiver field
	s.count++             // BAD: receiver field
	s.seen[c.IP()] = true // BAD: receiver's map
	hits += 1             // BAD: package variable
	return nil
}

func counter() fiber.Handler {
	n := 0
	cache := map[string]string{}
	return func(c *fiber.Ctx) error {
		n++                      // BAD: captured local
		cache[c.Path()] = "seen" // BAD: captured map
		return nil
	}
}

func plain(w http.ResponseWriter, r *http.Request) {
	hits = 2 // BAD: package variable from a net/http handler
}

// Request-local state is fine, also when a nested closure writes it.
func (s *server) fine(kind string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		decision := kind
		if decision == "" {
			decision = c.FormValue("besluit")
		}
		var total int
		add := func(n int) { total += n }
		add(len(decision))
		parts := map[string]int{}
		parts["a"] = total
		for k := range parts {
			decision = k
		}
		_ = decision
		return nil
	}
}

// Shared on purpose, and said so.
func (s *server) guarded(c *fiber.Ctx) error {
	// handlercheck:shared — a test of the marker.
	s.count++
	return nil
}

// Not a handler: constructors may set up what they capture.
func build() *server {
	s := &server{}
	s.seen = map[string]bool{}
	hits = 0
	return s
}

package portal

import (
	"slices"
	"time"
)

// Scopes an API key can carry.
var Scopes = []string{"events:write", "register:write", "signals:write", "consent:write", "consent:read", "requests:read", "events:read", "representations:write", "representations:read"}

// APIKey describes a key of a back-office system. The secret itself is never stored.
type APIKey struct {
	ID         int64
	System     string
	Prefix     string
	Scopes     []string
	CreatedAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

// HasScope reports whether the key carries scope.
func (k APIKey) HasScope(scope string) bool { return slices.Contains(k.Scopes, scope) }

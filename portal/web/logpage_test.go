package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/inzicht/inzicht/portal"
	"github.com/inzicht/inzicht/portal/web"
)

// badgeOn is the unread count the menu shows on a page, 0 without a badge.
func (e *env) badgeOn(cookie, path string) int {
	e.t.Helper()
	st, body := e.get(cookie, path)
	if st != http.StatusOK {
		e.t.Fatalf("GET %s: %d", path, st)
	}
	txt := doc(e.t, body).Find(`a[href="/berichten"] .badge`).Text()
	if txt == "" {
		return 0
	}
	n, err := strconv.Atoi(strings.Fields(txt)[0])
	if err != nil {
		e.t.Fatalf("badge %q", txt)
	}
	return n
}

// TestMenuUnreadCountFollowsTheInbox: the menu's unread count, read together with the session in one
// round trip, is the citizen's own inbox on every page (the log, the overview, the messages), follows
// the citizen marking messages read, and never counts another citizen's messages.
func TestMenuUnreadCountFollowsTheInbox(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	ctx := context.Background()
	a, acsrf := e.citizen(bsnA)
	b, _ := e.citizen(bsnB)
	idA, err := e.db.EnsureSubject(ctx, bsnA)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"Eerste", "Tweede"} {
		if _, err := e.db.CreateRequest(ctx, idA, portal.NewRequest{Kind: portal.KindInspection, Scope: portal.Scope{All: true},
			Description: d}); err != nil {
			t.Fatal(err)
		}
	}
	f := portal.InboxFilter(idA, nil)
	want, err := e.db.InboxUnreadCount(ctx, f)
	if err != nil || want < 2 {
		t.Fatalf("A's unread messages: %d, %v (want at least 2)", want, err)
	}
	for _, p := range []string{"/verwerkingen", "/overzicht", "/berichten", "/verwerkingen?zoek=niets"} {
		if n := e.badgeOn(a, p); n != want {
			t.Errorf("A's badge on %s = %d, want %d", p, n, want)
		}
		if n := e.badgeOn(b, p); n != 0 {
			t.Errorf("B's badge on %s = %d, want 0 (A's messages are not B's)", p, n)
		}
	}
	msgs, err := e.db.InboxMessages(ctx, f, 10)
	if err != nil {
		t.Fatal(err)
	}
	resp, _ := e.do("POST", "/berichten/gelezen", a, "", form("csrf", acsrf, "ids", fmt.Sprint(msgs[0].ID)),
		"Content-Type", "application/x-www-form-urlencoded")
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("marking a message read: %d", resp.StatusCode)
	}
	if n := e.badgeOn(a, "/verwerkingen"); n != want-1 {
		t.Errorf("A's badge after reading one message = %d, want %d", n, want-1)
	}
	if got, _ := e.db.InboxUnreadCount(ctx, f); got != want-1 {
		t.Errorf("stored unread messages = %d, want %d", got, want-1)
	}
}

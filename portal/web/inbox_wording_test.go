package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/inzicht/inzicht/portal/web"
)

// TestFiledMessageNamesTheDate: the inbox message confirming a request names its deadline (not "the
// date shown with the request"), in Dutch and English, for each of two citizens with their own date.
func TestFiledMessageNamesTheDate(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	evA, evB := event(bsnA, time.Now().Add(-time.Hour)), event(bsnB, time.Now().Add(-time.Hour))
	e.ingest(evA, evB)
	ca, csrfA := e.citizen(bsnA)
	cb, csrfB := e.citizen(bsnB)
	if st, _, _ := e.post("/verzoeken", ca, "csrf", csrfA, "soort", "inzage", "omvang", "alles"); st != 303 {
		t.Fatalf("citizen A files: %d", st)
	}
	if st, _, _ := e.post("/verzoeken", cb, "csrf", csrfB, "soort", "vraag", "omvang", "keuze", "verwerking", evB.ID,
		"toelichting", "Waarom keek het wijkteam?"); st != 303 {
		t.Fatalf("citizen B asks: %d", st)
	}
	rs, err := e.db.Requests(context.Background(), mustSubject(t, e, bsnA))
	if err != nil || len(rs) != 1 {
		t.Fatalf("A's requests: %v %v", rs, err)
	}
	_, body := e.do("GET", "/berichten", ca, "", nil)
	want := "U krijgt uiterlijk op " + web.FormatDate("nl", rs[0].FirstDeadline) + " een besluit."
	if !strings.Contains(body, want) || !strings.Contains(body, rs[0].Reference) {
		t.Errorf("A's inbox lacks %q", want)
	}
	_, body = e.do("GET", "/berichten", ca, "", nil, "Cookie", "__Host-inzicht_session="+ca+"; __Host-inzicht_lang=en")
	if want := "You will get a decision on " + web.FormatDate("en", rs[0].FirstDeadline) + " at the latest."; !strings.Contains(body, want) {
		t.Errorf("A's English inbox lacks %q", want)
	}
	_, body = e.do("GET", "/berichten", cb, "", nil)
	if !strings.Contains(body, "U krijgt binnen twee weken antwoord.") || strings.Contains(body, "een besluit") {
		t.Error("B's question is confirmed as a request for a decision")
	}
	if strings.Contains(body, "%!") {
		t.Error("a message misses an argument")
	}
}

package web_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/inzicht/inzicht/portal"
	"github.com/inzicht/inzicht/portal/web"
)

// TestStaffConsentListPages: past a hundred consent requests the staff list pages, keeps the filter
// on its paging links, shows every request exactly once over the pages, and refuses a page number that
// is not one.
func TestStaffConsentListPages(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	ctx := context.Background()
	const n = 105
	for i := range n {
		bsn := bsnA
		if i%2 == 1 {
			bsn = bsnB
		}
		if _, _, err := e.db.CreateConsent(ctx, portal.NewConsent{ID: uuid.NewString(), SubjectBSN: bsn, CaseRef: fmt.Sprintf("Z-%03d", i),
			RequestedBy: portal.ConsentRequester{Organization: "Gemeente", Role: "Consulent"}, DataItem: "Medische informatie",
			DataHolder: "Uw huisarts", Purpose: "Dagbesteding", Necessity: "Om te weten wat past", LegalGround: "Beroepsgeheim",
			IfRefused: "We besluiten zonder", ValidUntil: time.Now().AddDate(0, 6, 0).Format("2006-01-02")}, "staff", 0); err != nil {
			t.Fatal(err)
		}
	}
	clerk, _ := e.staff("clerk")
	refs := regexp.MustCompile(`<a href="/medewerker/toestemmingen/[0-9a-f-]{36}">(TS-\d{4}-\d{6})</a>`)
	seen := map[string]int{}
	st, body := e.get(clerk, "/medewerker/toestemmingen?status=pending")
	if st != 200 {
		t.Fatalf("page 1: %d", st)
	}
	for _, m := range refs.FindAllStringSubmatch(body, -1) {
		seen[m[1]]++
	}
	next := regexp.MustCompile(`href="([^"]*pagina=2[^"]*)"`).FindStringSubmatch(body)
	if next == nil {
		t.Fatal("page 1 has no link to page 2")
	}
	link := strings.ReplaceAll(next[1], "&amp;", "&")
	if !strings.Contains(link, "status=pending") {
		t.Errorf("the paging link %s drops the filter", link)
	}
	st, body = e.get(clerk, link)
	if st != 200 || strings.Contains(body, "pagina=3") {
		t.Fatalf("page 2: %d (or it links to a third page)", st)
	}
	for _, m := range refs.FindAllStringSubmatch(body, -1) {
		seen[m[1]]++
	}
	if len(seen) != n {
		t.Errorf("%d distinct requests over two pages, want %d", len(seen), n)
	}
	for r, k := range seen {
		if k != 1 {
			t.Errorf("%s shown %d times", r, k)
		}
	}
	for _, bad := range []string{"0", "-1", "twee"} {
		if st, _ := e.get(clerk, "/medewerker/toestemmingen?pagina="+bad); st != 422 {
			t.Errorf("page %q: %d, want 422", bad, st)
		}
	}
}

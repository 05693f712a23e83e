package bench

import (
	"strings"
	"testing"
)

// TestDatabaseSettings: the scratch database always gets the planner settings that hold for any
// machine, and effective_cache_size (this machine's memory) only when PostgreSQL runs here.
func TestDatabaseSettings(t *testing.T) {
	names := func(server string) string {
		var n []string
		for _, s := range databaseSettings(server) {
			n = append(n, s.Name+"="+s.Value)
		}
		return strings.Join(n, " ")
	}
	local := names("postgres://postgres@127.0.0.1:5432/postgres")
	for _, want := range []string{"random_page_cost=1.1", "jit=off"} {
		if !strings.Contains(local, want) {
			t.Errorf("local settings %q lack %s", local, want)
		}
	}
	if memTotalMB() > 0 && !strings.Contains(local, "effective_cache_size=") {
		t.Errorf("local settings %q lack effective_cache_size", local)
	}
	if remote := names("postgres://db.example.org/inzicht"); strings.Contains(remote, "effective_cache_size") {
		t.Errorf("a remote server got this machine's memory as its cache size: %q", remote)
	}
}

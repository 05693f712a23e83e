package migrations_test

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"strings"
	"testing"

	"github.com/inzicht/inzicht/migrations"
)

// TestReleasedMigrationsUnchanged freezes every migration file by its SHA-256 in checksums.txt
// (the format of `sha256sum`, so `sha256sum -c checksums.txt` checks it too). A database that has
// applied a migration never runs it again, so editing a released one leaves databases in the field
// with a schema the code no longer describes: a change must be a new migration. A new migration's
// files are added to the list, once, in the commit that adds them.
func TestReleasedMigrationsUnchanged(t *testing.T) {
	f, err := os.Open("checksums.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want := map[string]string{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		sum, name, ok := strings.Cut(line, "  ")
		if !ok || len(sum) != 64 || name == "" {
			t.Fatalf("checksums.txt:%d: want %q, got %q", n, "<sha256>  <file>", line)
		}
		if _, dup := want[name]; dup {
			t.Fatalf("checksums.txt:%d: %s listed twice", n, name)
		}
		want[name] = sum
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}

	files, err := fs.Glob(migrations.FS, "*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("no migrations embedded: %v", err)
	}
	present := map[string]bool{}
	for _, name := range files {
		present[name] = true
		b, err := fs.ReadFile(migrations.FS, name)
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.Sum256(b)
		got := hex.EncodeToString(h[:])
		switch sum, listed := want[name]; {
		case !listed:
			t.Errorf("%s is not in migrations/checksums.txt: a new migration is frozen when it is added; "+
				"append its line with `cd migrations && sha256sum %s >> checksums.txt`", name, name)
		case sum != got:
			t.Errorf("%s was released and has been edited (sha256 %s, released as %s): released migrations "+
				"are never changed, since databases that applied them will not run them again. Restore the file "+
				"and make the change in a new migration instead", name, got, sum)
		}
	}
	for name := range want {
		if !present[name] {
			t.Errorf("%s is listed in migrations/checksums.txt but is gone: released migrations are never "+
				"removed; restore it (and revert what it did in a new migration if needed)", name)
		}
	}
}

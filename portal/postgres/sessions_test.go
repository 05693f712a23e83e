package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/inzicht/inzicht/portal"
)

const idle = 15 * time.Minute

func citizenSession(subj int64, at time.Time, life time.Duration) portal.Session {
	return portal.Session{Kind: "citizen", SubjectID: subj, LoA: "substantieel", CSRFToken: "csrf-1",
		CreatedAt: at, ExpiresAt: at.Add(life)}
}

func TestSessionRoundTrip(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	subj := db.subject(t, bsnA)
	tests := []struct {
		name string
		s    portal.Session
	}{
		{"citizen", citizenSession(subj, t0, 12*time.Hour)},
		{"staff", portal.Session{Kind: "staff", StaffSub: "sub-1", StaffName: "F. Functionaris",
			StaffRoles: []string{"privacy_officer", "auditor"}, LoA: "hoog", CSRFToken: "csrf-2",
			CreatedAt: t0, ExpiresAt: t0.Add(8 * time.Hour)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := "raw-" + tt.name
			db.clock.Set(t0)
			if err := db.CreateSession(ctx, raw, tt.s); err != nil {
				t.Fatal(err)
			}
			db.clock.Set(t0.Add(5 * time.Minute))
			got, err := db.Session(ctx, raw, idle)
			if err != nil {
				t.Fatal(err)
			}
			want := tt.s
			want.LastSeenAt = t0.Add(5 * time.Minute)
			if want.StaffRoles == nil {
				want.StaffRoles = []string{}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Session (-want +got):\n%s", diff)
			}
			if _, err := db.Session(ctx, "other-"+raw, idle); portal.ErrorCode(err) != portal.ENOTFOUND {
				t.Errorf("unknown cookie: %v, want %s", err, portal.ENOTFOUND)
			}
		})
	}
	// Only hashes of the cookie values are stored.
	var dump string
	if err := db.raw.QueryRow(ctx, `SELECT string_agg(concat_ws('|', encode(id_hash,'escape'), encode(id_hash,'hex'), kind,
staff_sub, csrf_token), ';') FROM sessions`).Scan(&dump); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(dump, "raw-") {
		t.Errorf("sessions table holds a cookie value: %s", dump)
	}
}

func TestSessionExpiry(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("idle timeout", func(t *testing.T) {
		db := newTestDB(t)
		if err := db.CreateSession(ctx, "c", citizenSession(db.subject(t, bsnA), t0, 12*time.Hour)); err != nil {
			t.Fatal(err)
		}
		db.clock.Set(t0.Add(16 * time.Minute))
		if _, err := db.Session(ctx, "c", idle); portal.ErrorCode(err) != portal.ENOTFOUND {
			t.Fatalf("idle session: %v, want %s", err, portal.ENOTFOUND)
		}
		if n := db.count(t, "sessions"); n != 0 {
			t.Errorf("sessions rows = %d, want 0 (the idle session must be deleted)", n)
		}
		db.clock.Set(t0) // going back does not revive it
		if _, err := db.Session(ctx, "c", idle); portal.ErrorCode(err) != portal.ENOTFOUND {
			t.Errorf("deleted session revived: %v", err)
		}
	})
	t.Run("activity keeps it alive", func(t *testing.T) {
		db := newTestDB(t)
		if err := db.CreateSession(ctx, "c", citizenSession(db.subject(t, bsnA), t0, 12*time.Hour)); err != nil {
			t.Fatal(err)
		}
		for i := 1; i <= 6; i++ { // 6 × 14 minutes = 84 minutes, each step within the idle limit
			db.clock.Set(t0.Add(time.Duration(i) * 14 * time.Minute))
			if _, err := db.Session(ctx, "c", idle); err != nil {
				t.Fatalf("step %d: %v", i, err)
			}
		}
	})
	t.Run("the last-seen mark is written at most every 30 seconds", func(t *testing.T) {
		db := newTestDB(t)
		if err := db.CreateSession(ctx, "c", citizenSession(db.subject(t, bsnA), t0, 12*time.Hour)); err != nil {
			t.Fatal(err)
		}
		seen := func() time.Time {
			var at time.Time
			if err := db.raw.QueryRow(ctx, `SELECT last_seen_at FROM sessions`).Scan(&at); err != nil {
				t.Fatal(err)
			}
			return at
		}
		for _, step := range []struct {
			after time.Duration
			want  time.Time
		}{{10 * time.Second, t0}, {29 * time.Second, t0}, {31 * time.Second, t0.Add(31 * time.Second)},
			{50 * time.Second, t0.Add(31 * time.Second)}, {62 * time.Second, t0.Add(62 * time.Second)}} {
			db.clock.Set(t0.Add(step.after))
			s, err := db.Session(ctx, "c", idle)
			if err != nil {
				t.Fatal(err)
			}
			if got := seen(); !got.Equal(step.want) || !s.LastSeenAt.Equal(step.want) {
				t.Errorf("at +%v: last seen %v (session says %v), want %v", step.after, got, s.LastSeenAt, step.want)
			}
		}
	})
	t.Run("absolute expiry", func(t *testing.T) {
		db := newTestDB(t)
		if err := db.CreateSession(ctx, "c", citizenSession(db.subject(t, bsnA), t0, time.Hour)); err != nil {
			t.Fatal(err)
		}
		for _, m := range []int{10, 20, 30, 40, 50, 59} {
			db.clock.Set(t0.Add(time.Duration(m) * time.Minute))
			if _, err := db.Session(ctx, "c", idle); err != nil {
				t.Fatalf("at +%dm: %v", m, err)
			}
		}
		db.clock.Set(t0.Add(time.Hour))
		if _, err := db.Session(ctx, "c", idle); portal.ErrorCode(err) != portal.ENOTFOUND {
			t.Fatalf("session past its absolute end: %v, want %s", err, portal.ENOTFOUND)
		}
		if n := db.count(t, "sessions"); n != 0 {
			t.Errorf("sessions rows = %d, want 0", n)
		}
	})
	t.Run("delete", func(t *testing.T) {
		db := newTestDB(t)
		subj := db.subject(t, bsnA)
		for _, raw := range []string{"c", "keep"} {
			if err := db.CreateSession(ctx, raw, citizenSession(subj, t0, time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.DeleteSession(ctx, "c"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Session(ctx, "c", idle); portal.ErrorCode(err) != portal.ENOTFOUND {
			t.Errorf("deleted session: %v, want %s", err, portal.ENOTFOUND)
		}
		if _, err := db.Session(ctx, "keep", idle); err != nil {
			t.Errorf("other session affected: %v", err)
		}
		if err := db.DeleteSession(ctx, "never-existed"); err != nil {
			t.Errorf("DeleteSession(unknown) = %v", err)
		}
	})
	t.Run("DeleteExpiredSessions", func(t *testing.T) {
		db := newTestDB(t)
		subj := db.subject(t, bsnA)
		mk := func(raw string, created time.Time, life time.Duration) {
			if err := db.CreateSession(ctx, raw, citizenSession(subj, created, life)); err != nil {
				t.Fatal(err)
			}
		}
		mk("fresh", t0.Add(-5*time.Minute), time.Hour)
		mk("idle", t0.Add(-20*time.Minute), time.Hour)
		mk("ended", t0.Add(-10*time.Minute), 5*time.Minute)
		db.clock.Set(t0.Add(-11 * time.Minute))
		if err := db.CreateLogin(ctx, "old-login", portal.PendingLogin{Kind: "citizen", State: "s", Nonce: "n", Verifier: "v"}); err != nil {
			t.Fatal(err)
		}
		db.clock.Set(t0)
		if err := db.CreateLogin(ctx, "new-login", portal.PendingLogin{Kind: "citizen", State: "s", Nonce: "n", Verifier: "v"}); err != nil {
			t.Fatal(err)
		}
		n, err := db.DeleteExpiredSessions(ctx, idle)
		if err != nil {
			t.Fatal(err)
		}
		if n != 2 {
			t.Errorf("deleted %d sessions, want 2", n)
		}
		if _, err := db.Session(ctx, "fresh", idle); err != nil {
			t.Errorf("fresh session removed: %v", err)
		}
		if n := db.count(t, "oidc_logins"); n != 1 {
			t.Errorf("oidc_logins rows = %d, want 1", n)
		}
	})
}

func TestTakeLogin(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	l := portal.PendingLogin{Kind: "staff", State: "state-1", Nonce: "nonce-1", Verifier: "verifier-1", ReturnTo: "/beheer"}
	if err := db.CreateLogin(ctx, "login-1", l); err != nil {
		t.Fatal(err)
	}
	got, err := db.TakeLogin(ctx, "login-1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(l, got); diff != "" {
		t.Errorf("TakeLogin (-want +got):\n%s", diff)
	}
	if _, err := db.TakeLogin(ctx, "login-1"); portal.ErrorCode(err) != portal.ENOTFOUND {
		t.Errorf("second TakeLogin: %v, want %s", err, portal.ENOTFOUND)
	}
	if _, err := db.TakeLogin(ctx, "never"); portal.ErrorCode(err) != portal.ENOTFOUND {
		t.Errorf("TakeLogin(unknown): %v, want %s", err, portal.ENOTFOUND)
	}

	tests := []struct {
		name  string
		after time.Duration
		ok    bool
	}{
		{"just in time", portal.LoginTTL, true},
		{"one second late", portal.LoginTTL + time.Second, false},
		{"an hour late", time.Hour, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db.clock.Set(t0)
			if err := db.CreateLogin(ctx, "login-"+tt.name, l); err != nil {
				t.Fatal(err)
			}
			db.clock.Set(t0.Add(tt.after))
			_, err := db.TakeLogin(ctx, "login-"+tt.name)
			if tt.ok && err != nil {
				t.Errorf("TakeLogin after %v: %v", tt.after, err)
			}
			if !tt.ok && portal.ErrorCode(err) != portal.ENOTFOUND {
				t.Errorf("TakeLogin after %v: %v, want %s", tt.after, err, portal.ENOTFOUND)
			}
			if n := db.count(t, "oidc_logins"); n != 0 {
				t.Errorf("oidc_logins rows = %d, want 0 (taken or stale logins are removed)", n)
			}
		})
	}
}

// The login's ID token carries the BSN: it is stored only encrypted, bound to its session, and comes
// back once, when the session ends.
func TestEndSessionReturnsTheEncryptedIDToken(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	subj, err := db.EnsureSubject(ctx, bsnA)
	if err != nil {
		t.Fatal(err)
	}
	token := "eyJhbGciOiJSUzI1NiJ9.eyJic24iOiI5OTk5OTM2NTMifQ.c2lnbmF0dXJl-" + bsnA
	s := citizenSession(subj, t0, time.Hour)
	s.IDToken = token
	if err := db.CreateSession(ctx, "with-token", s); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateSession(ctx, "without-token", citizenSession(subj, t0, time.Hour)); err != nil {
		t.Fatal(err)
	}
	var dump string
	if err := db.raw.QueryRow(ctx, `SELECT string_agg(concat_ws('|', encode(id_token_enc, 'escape'), id_token_key_id), ';')
		FROM sessions`).Scan(&dump); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(dump, "eyJ") || strings.Contains(dump, bsnA) {
		t.Fatal("the ID token is stored in clear")
	}
	// Moving the ciphertext to another session does not decrypt: it is bound to its session id.
	if _, err := db.raw.Exec(ctx, `UPDATE sessions SET (id_token_enc, id_token_key_id) =
		(SELECT id_token_enc, id_token_key_id FROM sessions WHERE id_token_enc IS NOT NULL) WHERE id_token_enc IS NULL`); err != nil {
		t.Fatal(err)
	}
	if got, err := db.EndSession(ctx, "without-token"); err != nil || got != "" {
		t.Errorf("moved ciphertext: EndSession = %q, %v; want no token", got, err)
	}
	got, err := db.EndSession(ctx, "with-token")
	if err != nil || got != token {
		t.Fatalf("EndSession = %q, %v", got, err)
	}
	if _, err := db.Session(ctx, "with-token", time.Hour); portal.ErrorCode(err) != portal.ENOTFOUND {
		t.Errorf("the session survives EndSession: %v", err)
	}
	if got, err := db.EndSession(ctx, "with-token"); err != nil || got != "" {
		t.Errorf("second EndSession = %q, %v", got, err)
	}
}

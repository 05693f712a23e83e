package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/inzicht/inzicht/portal/oidcrp"
)

func envOf(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }

func prodEnv() map[string]string {
	return map[string]string{
		"INZICHT_ENV":                "production",
		"DATABASE_URL":               "postgres://inzicht@db/inzicht",
		"INZICHT_BASE_URL":           "https://inzicht.voorbeeldstad.nl",
		"INZICHT_OIDC_ISSUER":        "https://digid-broker.example/oidc",
		"INZICHT_OIDC_CLIENT_ID":     "inzicht",
		"INZICHT_OIDC_CLIENT_SECRET": "s3cret",
		// A provider that offers only client secrets; TestOIDCClientAuthConfig covers private_key_jwt.
		"INZICHT_OIDC_ALLOW_CLIENT_SECRET": "true",
		"INZICHT_OIDC_REDIRECT_URL":        "https://inzicht.voorbeeldstad.nl/inloggen/callback",
		"INZICHT_BSN_HMAC_KEY":             "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
		"INZICHT_BSN_ENC_KEYS":             "k1:ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA=",
		"INZICHT_LOG_SIGNING_KEY":          "PRIVATE+KEY+inzicht.voorbeeldstad.nl/log+16b3ee5e+ASoqKioqKioqKioqKioqKioqKioqKioqKioqKioqKioq",
	}
}

func TestServeConfigRefusals(t *testing.T) {
	if _, err := loadConfig("serve", envOf(prodEnv())); err != nil {
		t.Fatalf("a complete production configuration is refused: %v", err)
	}
	for _, tc := range []struct {
		name    string
		change  map[string]string
		mention string
	}{
		{"no database", map[string]string{"DATABASE_URL": ""}, "DATABASE_URL"},
		{"no base url", map[string]string{"INZICHT_BASE_URL": ""}, "INZICHT_BASE_URL"},
		{"http base url in production", map[string]string{"INZICHT_BASE_URL": "http://inzicht.voorbeeldstad.nl"}, "INZICHT_BASE_URL"},
		{"no client secret", map[string]string{"INZICHT_OIDC_CLIENT_SECRET": ""}, "CLIENT_SECRET"},
		{"no issuer", map[string]string{"INZICHT_OIDC_ISSUER": ""}, "INZICHT_OIDC_ISSUER"},
		{"no redirect", map[string]string{"INZICHT_OIDC_REDIRECT_URL": ""}, "REDIRECT_URL"},
		{"simulator as provider", map[string]string{"INZICHT_OIDC_ISSUER": "https://inzicht.voorbeeldstad.nl/dev-idp"}, "simulator"},
		{"no hmac key", map[string]string{"INZICHT_BSN_HMAC_KEY": ""}, "INZICHT_BSN_HMAC_KEY"},
		{"short hmac key", map[string]string{"INZICHT_BSN_HMAC_KEY": "c2hvcnQ="}, "INZICHT_BSN_HMAC_KEY"},
		{"no encryption keys", map[string]string{"INZICHT_BSN_ENC_KEYS": ""}, "INZICHT_BSN_ENC_KEYS"},
		{"bad encryption key", map[string]string{"INZICHT_BSN_ENC_KEYS": "k1:c2hvcnQ="}, ""},
		{"half staff client", map[string]string{"INZICHT_STAFF_OIDC_ISSUER": "https://idp.example"}, "INZICHT_STAFF_OIDC_"},
		{"bad min loa", map[string]string{"INZICHT_MIN_LOA": "super"}, "INZICHT_MIN_LOA"},
		{"long idle timeout", map[string]string{"INZICHT_SESSION_IDLE": "1h"}, "INZICHT_SESSION_IDLE"},
		{"bad env", map[string]string{"INZICHT_ENV": "prod"}, "INZICHT_ENV"},
		{"no keys in development", map[string]string{"INZICHT_ENV": "development", "INZICHT_BSN_HMAC_KEY": "", "INZICHT_BSN_ENC_KEYS": ""}, "INZICHT_BSN_HMAC_KEY"},
		{"bad trusted proxy", map[string]string{"INZICHT_TRUSTED_PROXIES": "10.0.0.1,proxy.local"}, "INZICHT_TRUSTED_PROXIES"},
		{"smtp url without sender", map[string]string{"INZICHT_SMTP_URL": "smtp://mail.voorbeeldstad.nl:587"}, "INZICHT_SMTP_URL"},
		{"smtp password over plain text", map[string]string{"INZICHT_SMTP_URL": "smtp://u:geheim@mail.voorbeeldstad.nl:25?from=noreply@voorbeeldstad.nl&starttls=off"}, "INZICHT_SMTP_URL"},
		{"clerk e-mail with a name", map[string]string{"INZICHT_CLERK_EMAIL": "Privacy <privacy@voorbeeldstad.nl>"}, "INZICHT_CLERK_EMAIL"},
		{"team lead e-mail with a name", map[string]string{"INZICHT_TEAM_LEAD_EMAIL": "Leiders <tl@voorbeeldstad.nl>"}, "INZICHT_TEAM_LEAD_EMAIL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := prodEnv()
			for k, v := range tc.change {
				env[k] = v
			}
			cfg, err := loadConfig("serve", envOf(env))
			if err == nil {
				// a bad key may pass the config and fail when the vault is built
				if _, verr := cfg.vault(); verr != nil {
					return
				}
				t.Fatal("accepted")
			}
			if !strings.Contains(err.Error(), tc.mention) {
				t.Errorf("error does not name %q: %v", tc.mention, err)
			}
		})
	}
}

func TestDemoConfig(t *testing.T) {
	cfg, err := loadConfig("demo", envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Env != "demo" || cfg.Addr != ":8080" || cfg.MinLoA.String() != "substantieel" || cfg.ShowEmployee {
		t.Errorf("demo defaults: %+v", cfg)
	}
	if _, err := cfg.vault(); err != nil {
		t.Fatal(err)
	}
	if _, err := loadConfig("demo", envOf(map[string]string{"INZICHT_ENV": "production"})); err == nil ||
		!strings.Contains(err.Error(), "refuses") {
		t.Errorf("demo must refuse production, got %v", err)
	}
	// The demo keys are refused in production even when given explicitly.
	env := prodEnv()
	env["INZICHT_BSN_HMAC_KEY"] = "" // falls back to nothing: required
	if _, err := loadConfig("serve", envOf(env)); err == nil {
		t.Error("production without an HMAC key accepted")
	}
}

func TestSMTPConfig(t *testing.T) {
	env := prodEnv()
	env["INZICHT_SMTP_URL"] = "smtps://inzicht:geheim@mail.voorbeeldstad.nl?from=noreply@voorbeeldstad.nl"
	env["INZICHT_CLERK_EMAIL"] = "privacy@voorbeeldstad.nl"
	cfg, err := loadConfig("serve", envOf(env))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.SMTP == nil || cfg.SMTP.Host != "mail.voorbeeldstad.nl" || cfg.SMTP.Password != "geheim" || cfg.ClerkEmail != "privacy@voorbeeldstad.nl" {
		t.Errorf("smtp config: %+v %q", cfg.SMTP, cfg.ClerkEmail)
	}
	// A refused URL never echoes its password.
	env["INZICHT_SMTP_URL"] = "smtp://inzicht:geheim@mail.voorbeeldstad.nl:25?starttls=off"
	if _, err := loadConfig("serve", envOf(env)); err == nil || strings.Contains(err.Error(), "geheim") {
		t.Errorf("bad SMTP URL: %v", err)
	}
	delete(env, "INZICHT_SMTP_URL")
	if cfg, err := loadConfig("serve", envOf(env)); err != nil || cfg.SMTP != nil {
		t.Errorf("without INZICHT_SMTP_URL: %+v %v", cfg.SMTP, err)
	}
}

// keyFile writes a fresh P-256 private key (PKCS #8 PEM) and returns its path.
func keyFile(t *testing.T) string {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "key.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestOIDCClientAuthConfig: serve in production takes private_key_jwt, refuses a client secret
// unless the secret-only opt-out is set, refuses both at once, and names the variable to fix.
func TestOIDCClientAuthConfig(t *testing.T) {
	sigKey, encKey, staffKey := keyFile(t), keyFile(t), keyFile(t)
	notAKey := filepath.Join(t.TempDir(), "not-a-key.pem")
	if err := os.WriteFile(notAKey, []byte("-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n-----END PRIVATE KEY-----\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	keyEnv := func() map[string]string {
		env := prodEnv()
		delete(env, "INZICHT_OIDC_CLIENT_SECRET")
		delete(env, "INZICHT_OIDC_ALLOW_CLIENT_SECRET")
		env["INZICHT_OIDC_CLIENT_KEY_FILE"] = sigKey
		return env
	}
	staff := map[string]string{"INZICHT_STAFF_OIDC_ISSUER": "https://login.voorbeeldstad.nl", "INZICHT_STAFF_OIDC_CLIENT_ID": "inzicht-staff",
		"INZICHT_STAFF_OIDC_REDIRECT_URL": "https://inzicht.voorbeeldstad.nl/medewerker/inloggen/callback"}
	tests := []struct {
		name    string
		change  map[string]string // over keyEnv; "" deletes
		mention string            // "" means accepted
		check   func(t *testing.T, c Config)
	}{
		{name: "key file", check: func(t *testing.T, c Config) {
			if c.OIDC.ClientKey == nil || c.OIDC.ClientKey.IsPublic() || c.OIDC.ClientKey.Algorithm != "ES256" || c.OIDC.ClientKey.KeyID == "" {
				t.Errorf("client key %+v", c.OIDC.ClientKey)
			}
			if c.OIDC.AssertionAudience != oidcrp.AudienceIssuer || c.OIDC.DecryptionKey != nil || c.OIDC.AllowSecret {
				t.Errorf("defaults: %+v", c.OIDC)
			}
		}},
		{name: "key id and audience", change: map[string]string{"INZICHT_OIDC_CLIENT_KEY_ID": "inzicht-2026", "INZICHT_OIDC_CLIENT_ASSERTION_AUD": "token_endpoint"},
			check: func(t *testing.T, c Config) {
				if c.OIDC.ClientKey.KeyID != "inzicht-2026" || c.OIDC.AssertionAudience != oidcrp.AudienceTokenEndpoint {
					t.Errorf("kid %q aud %q", c.OIDC.ClientKey.KeyID, c.OIDC.AssertionAudience)
				}
			}},
		{name: "decryption key", change: map[string]string{"INZICHT_OIDC_ID_TOKEN_DECRYPTION_KEY_FILE": encKey}, check: func(t *testing.T, c Config) {
			if c.OIDC.DecryptionKey == nil || c.OIDC.DecryptionKey.Use != oidcrp.UseEncryption {
				t.Errorf("decryption key %+v", c.OIDC.DecryptionKey)
			}
		}},
		{name: "secret in production", change: map[string]string{"INZICHT_OIDC_CLIENT_KEY_FILE": "", "INZICHT_OIDC_CLIENT_SECRET": "s3cret"},
			mention: "INZICHT_OIDC_ALLOW_CLIENT_SECRET=true"},
		{name: "secret with the opt-out", change: map[string]string{"INZICHT_OIDC_CLIENT_KEY_FILE": "", "INZICHT_OIDC_CLIENT_SECRET": "s3cret", "INZICHT_OIDC_ALLOW_CLIENT_SECRET": "true"},
			check: func(t *testing.T, c Config) {
				if c.OIDC.ClientKey != nil || c.OIDC.ClientSecret != "s3cret" || !c.OIDC.AllowSecret {
					t.Errorf("%+v", c.OIDC)
				}
			}},
		{name: "secret outside production", change: map[string]string{"INZICHT_ENV": "development", "INZICHT_OIDC_CLIENT_KEY_FILE": "", "INZICHT_OIDC_CLIENT_SECRET": "s3cret"}},
		{name: "key and secret", change: map[string]string{"INZICHT_OIDC_CLIENT_SECRET": "s3cret", "INZICHT_OIDC_ALLOW_CLIENT_SECRET": "true"}, mention: "set only one"},
		{name: "neither key nor secret", change: map[string]string{"INZICHT_OIDC_CLIENT_KEY_FILE": ""}, mention: "INZICHT_OIDC_CLIENT_KEY_FILE (private_key_jwt)"},
		{name: "missing key file", change: map[string]string{"INZICHT_OIDC_CLIENT_KEY_FILE": sigKey + ".missing"}, mention: "INZICHT_OIDC_CLIENT_KEY_FILE: cannot read"},
		{name: "not a key", change: map[string]string{"INZICHT_OIDC_CLIENT_KEY_FILE": notAKey}, mention: "INZICHT_OIDC_CLIENT_KEY_FILE: want one PEM private key"},
		{name: "bad decryption key", change: map[string]string{"INZICHT_OIDC_ID_TOKEN_DECRYPTION_KEY_FILE": notAKey}, mention: "INZICHT_OIDC_ID_TOKEN_DECRYPTION_KEY_FILE"},
		{name: "bad audience", change: map[string]string{"INZICHT_OIDC_CLIENT_ASSERTION_AUD": "both"}, mention: "INZICHT_OIDC_CLIENT_ASSERTION_AUD"},
		{name: "bad opt-out", change: map[string]string{"INZICHT_OIDC_ALLOW_CLIENT_SECRET": "yes"}, mention: "INZICHT_OIDC_ALLOW_CLIENT_SECRET"},
		{name: "staff with a key", change: merge(staff, map[string]string{"INZICHT_STAFF_OIDC_CLIENT_KEY_FILE": staffKey}), check: func(t *testing.T, c Config) {
			if c.StaffOIDC.ClientKey == nil || c.StaffOIDC.ClientKey.KeyID == c.OIDC.ClientKey.KeyID {
				t.Errorf("staff key %+v", c.StaffOIDC.ClientKey)
			}
		}},
		{name: "staff secret in production", change: merge(staff, map[string]string{"INZICHT_STAFF_OIDC_CLIENT_SECRET": "s3cret"}), mention: "INZICHT_STAFF_OIDC_ALLOW_CLIENT_SECRET=true"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := keyEnv()
			for k, v := range tc.change {
				if v == "" {
					delete(env, k)
				} else {
					env[k] = v
				}
			}
			cfg, err := loadConfig("serve", envOf(env))
			if tc.mention == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if tc.check != nil {
					tc.check(t, cfg)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.mention) {
				t.Fatalf("err = %v, want one mentioning %q", err, tc.mention)
			}
			if strings.Contains(err.Error(), "c2VjcmV0") || strings.Contains(err.Error(), "s3cret") {
				t.Errorf("the error echoes key material or the secret: %v", err)
			}
		})
	}
}

// TestAPIInputBoundsConfig: the API's input bounds have safe defaults, take valid values and refuse
// bad ones by name.
func TestAPIInputBoundsConfig(t *testing.T) {
	cfg, err := loadConfig("serve", envOf(prodEnv()))
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.EventsNotBefore.Equal(time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC)) || cfg.EventsMaxFuture != 5*time.Minute ||
		cfg.ConfidentialMax != 366*24*time.Hour {
		t.Errorf("defaults: not before %v, max future %v, confidential max %v", cfg.EventsNotBefore, cfg.EventsMaxFuture, cfg.ConfidentialMax)
	}
	env := prodEnv()
	env["INZICHT_EVENTS_NOT_BEFORE"], env["INZICHT_EVENTS_MAX_FUTURE"], env["INZICHT_CONFIDENTIAL_MAX"] = "2000-01-01", "30s", "4392h"
	if cfg, err = loadConfig("serve", envOf(env)); err != nil {
		t.Fatal(err)
	}
	if cfg.EventsNotBefore.Year() != 2000 || cfg.EventsMaxFuture != 30*time.Second || cfg.ConfidentialMax != 4392*time.Hour {
		t.Errorf("set: %v %v %v", cfg.EventsNotBefore, cfg.EventsMaxFuture, cfg.ConfidentialMax)
	}
	for _, tc := range []struct{ key, value string }{
		{"INZICHT_EVENTS_NOT_BEFORE", "yesterday"},
		{"INZICHT_EVENTS_NOT_BEFORE", "1900-01-01"},
		{"INZICHT_EVENTS_NOT_BEFORE", "2999-01-01"},
		{"INZICHT_EVENTS_MAX_FUTURE", "5"},
		{"INZICHT_EVENTS_MAX_FUTURE", "-1m"},
		{"INZICHT_EVENTS_MAX_FUTURE", "48h"},
		{"INZICHT_CONFIDENTIAL_MAX", "1y"},
		{"INZICHT_CONFIDENTIAL_MAX", "0s"},
		{"INZICHT_CONFIDENTIAL_MAX", "87600h"},
	} {
		t.Run(tc.key+"="+tc.value, func(t *testing.T) {
			env := prodEnv()
			env[tc.key] = tc.value
			_, err := loadConfig("serve", envOf(env))
			if err == nil || !strings.Contains(err.Error(), tc.key) {
				t.Errorf("error %v does not name %s", err, tc.key)
			}
		})
	}
}

func merge(a, b map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

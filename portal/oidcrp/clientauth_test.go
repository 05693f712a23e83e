package oidcrp_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"golang.org/x/oauth2"

	"github.com/inzicht/inzicht/internal/oidctest"
	"github.com/inzicht/inzicht/portal/oidcrp"
)

// RSA keys are slow to make: the tests share two.
var (
	rsaKey      = sync.OnceValue(func() *rsa.PrivateKey { return mustRSA(2048) })
	otherRSAKey = sync.OnceValue(func() *rsa.PrivateKey { return mustRSA(2048) })
)

func mustRSA(bits int) *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		panic(err)
	}
	return k
}

func ecKey(t *testing.T, c elliptic.Curve) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(c, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func jwk(t *testing.T, k crypto.Signer, use string) *jose.JSONWebKey {
	t.Helper()
	j, err := oidcrp.NewKey(k, "", use)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func pemOf(t *testing.T, typ string, der []byte) []byte {
	t.Helper()
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

func pkcs8(t *testing.T, k any) []byte {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return pemOf(t, "PRIVATE KEY", der)
}

// keyRP is an RP that authenticates with private_key_jwt.
func keyRP(p *oidctest.Provider, key *jose.JSONWebKey, aud string) *oidcrp.RP {
	return oidcrp.New(oidcrp.Config{Issuer: p.URL, ClientID: p.ClientID, RedirectURL: callback,
		ClientKey: key, AssertionAudience: aud})
}

// assertionOf decodes (without verifying) the client assertion of a token request.
func assertionOf(t *testing.T, r *http.Request) (header map[string]any, claims map[string]any) {
	t.Helper()
	parts := strings.Split(r.PostForm.Get("client_assertion"), ".")
	if len(parts) != 3 {
		t.Fatalf("client_assertion %q is not a compact JWS", r.PostForm.Get("client_assertion"))
	}
	for i, dst := range []*map[string]any{&header, &claims} {
		b, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, dst); err != nil {
			t.Fatal(err)
		}
	}
	return header, claims
}

// TestPrivateKeyJWT: with a client key the RP authenticates with a fresh, well-formed assertion per
// token request and sends no secret, for RSA and EC keys and both audience choices.
func TestPrivateKeyJWT(t *testing.T) {
	tests := []struct {
		name, alg string
		pem       func(t *testing.T) []byte
		aud       string
	}{
		{"RSA PKCS#1", "RS256", func(t *testing.T) []byte {
			return pemOf(t, "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rsaKey()))
		}, ""},
		{"EC P-256 PKCS#8, aud token endpoint", "ES256", func(t *testing.T) []byte { return pkcs8(t, ecKey(t, elliptic.P256())) }, oidcrp.AudienceTokenEndpoint},
		{"EC P-384 SEC 1", "ES384", func(t *testing.T) []byte {
			der, err := x509.MarshalECPrivateKey(ecKey(t, elliptic.P384()))
			if err != nil {
				t.Fatal(err)
			}
			return pemOf(t, "EC PRIVATE KEY", der)
		}, oidcrp.AudienceIssuer},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			key, err := oidcrp.LoadKey(tc.pem(t), "", oidcrp.UseSignature)
			if err != nil {
				t.Fatal(err)
			}
			p := oidctest.New(t, oidctest.WithClientKey(key.Public()))
			rp := keyRP(p, key, tc.aud)
			jtis := map[string]bool{}
			for i := range 2 {
				claims, err := login(t, rp, nil)
				if err != nil {
					t.Fatalf("login %d: %v", i, err)
				}
				if claims["bsn"] != oidctest.DefaultBSN {
					t.Errorf("claims %v", claims)
				}
				req := p.LastTokenRequest()
				if h := req.Header.Get("Authorization"); h != "" {
					t.Errorf("token request has an Authorization header %q", h)
				}
				if req.PostForm.Has("client_secret") {
					t.Error("token request carries a client_secret")
				}
				if got := req.PostForm.Get("client_assertion_type"); got != oidcrp.AssertionType {
					t.Errorf("client_assertion_type %q", got)
				}
				if got := req.PostForm.Get("client_id"); got != p.ClientID {
					t.Errorf("client_id %q", got)
				}
				hdr, c := assertionOf(t, req)
				if hdr["alg"] != tc.alg || hdr["kid"] != key.KeyID || hdr["typ"] != "JWT" {
					t.Errorf("assertion header %v, want alg %s kid %s", hdr, tc.alg, key.KeyID)
				}
				wantAud := p.URL
				if tc.aud == oidcrp.AudienceTokenEndpoint {
					wantAud = p.URL + "/token"
				}
				if c["iss"] != p.ClientID || c["sub"] != p.ClientID || c["aud"] != wantAud {
					t.Errorf("assertion iss/sub/aud %v %v %v, want %s %s %s", c["iss"], c["sub"], c["aud"], p.ClientID, p.ClientID, wantAud)
				}
				iat, _ := c["iat"].(float64)
				exp, _ := c["exp"].(float64)
				if now := float64(time.Now().Unix()); iat < now-5 || iat > now+1 || exp-iat <= 0 || exp-iat > 60 {
					t.Errorf("assertion iat %v exp %v: want iat now and at most a minute to live", iat, exp)
				}
				jti, _ := c["jti"].(string)
				strong(t, "jti", jti)
				if jtis[jti] {
					t.Error("the assertion's jti repeats across token requests")
				}
				jtis[jti] = true
			}
		})
	}
}

// TestPrivateKeyJWTRefused: a provider that requires private_key_jwt refuses a secret, a wrong key,
// a replayed or expired assertion; and a key always wins over a secret given as well.
func TestPrivateKeyJWTRefused(t *testing.T) {
	key := jwk(t, ecKey(t, elliptic.P256()), oidcrp.UseSignature)
	p := oidctest.New(t, oidctest.WithClientKey(key.Public()))
	invalidClient := func(t *testing.T, err error) {
		t.Helper()
		var re *oauth2.RetrieveError
		if !errors.As(err, &re) || re.ErrorCode != "invalid_client" {
			t.Errorf("err = %v, want the token endpoint's invalid_client", err)
		}
	}

	t.Run("secret instead of key", func(t *testing.T) {
		_, err := login(t, newRP(p), nil)
		invalidClient(t, err)
	})
	t.Run("another key with the same kid", func(t *testing.T) {
		other, err := oidcrp.NewKey(ecKey(t, elliptic.P256()), key.KeyID, oidcrp.UseSignature)
		if err != nil {
			t.Fatal(err)
		}
		_, err = login(t, keyRP(p, other, ""), nil)
		invalidClient(t, err)
	})
	t.Run("key wins over a secret given too", func(t *testing.T) {
		rp := oidcrp.New(oidcrp.Config{Issuer: p.URL, ClientID: p.ClientID, ClientSecret: p.ClientSecret,
			RedirectURL: callback, ClientKey: key})
		if _, err := login(t, rp, nil); err != nil {
			t.Fatal(err)
		}
		if req := p.LastTokenRequest(); req.PostForm.Has("client_secret") || req.Header.Get("Authorization") != "" {
			t.Error("the secret was sent next to the assertion")
		}
	})

	// redeem posts a token request for a fresh code with the given assertion, as an attacker would.
	redeem := func(t *testing.T, assertion string) int {
		t.Helper()
		pend := oidcrp.NewPending()
		_, code, _ := authorize(t, keyRP(p, key, ""), pend)
		resp, err := http.PostForm(p.URL+"/token", url.Values{"grant_type": {"authorization_code"}, "code": {code},
			"redirect_uri": {callback}, "code_verifier": {pend.Verifier}, "client_id": {p.ClientID},
			"client_assertion_type": {oidcrp.AssertionType}, "client_assertion": {assertion}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	t.Run("replayed assertion", func(t *testing.T) {
		if _, err := login(t, keyRP(p, key, ""), nil); err != nil {
			t.Fatal(err)
		}
		used := p.LastTokenRequest().PostForm.Get("client_assertion")
		if st := redeem(t, used); st != http.StatusUnauthorized {
			t.Errorf("replayed assertion: status %d, want 401", st)
		}
	})
	t.Run("expired assertion", func(t *testing.T) {
		old, err := keyRP(p, key, "").Assertion(p.URL, time.Now().Add(-2*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if st := redeem(t, old); st != http.StatusUnauthorized {
			t.Errorf("expired assertion: status %d, want 401", st)
		}
		fresh, err := keyRP(p, key, "").Assertion(p.URL, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if st := redeem(t, fresh); st != http.StatusOK { // the harness itself works
			t.Errorf("fresh assertion: status %d, want 200", st)
		}
	})
	t.Run("no key, no assertion", func(t *testing.T) {
		if _, err := oidcrp.New(oidcrp.Config{ClientID: "x"}).Assertion("aud", time.Now()); err == nil {
			t.Error("Assertion without a key succeeded")
		}
	})
}

// TestEncryptedIDToken: an ID token delivered as a JWE is decrypted with the configured key and the
// signed token inside gets every usual check; anything else is refused.
func TestEncryptedIDToken(t *testing.T) {
	rsaEnc := jwk(t, rsaKey(), oidcrp.UseEncryption)
	ecEnc := jwk(t, ecKey(t, elliptic.P256()), oidcrp.UseEncryption)
	otherEnc := jwk(t, otherRSAKey(), oidcrp.UseEncryption)
	to := func(k *jose.JSONWebKey, alg jose.KeyAlgorithm, enc jose.ContentEncryption) oidctest.Option {
		return oidctest.WithIDTokenEncryption(k.Public(), alg, enc)
	}
	tests := []struct {
		name string
		key  *jose.JSONWebKey // the RP's decryption key
		opts []oidctest.Option
		want error  // nil: accepted
		sub  string // else: the error mentions this
	}{
		{name: "RSA-OAEP-256 A256GCM", key: rsaEnc, opts: []oidctest.Option{to(rsaEnc, jose.RSA_OAEP_256, jose.A256GCM)}},
		{name: "RSA-OAEP A128GCM", key: rsaEnc, opts: []oidctest.Option{to(rsaEnc, jose.RSA_OAEP, jose.A128GCM)}},
		{name: "RSA-OAEP-256 A128CBC-HS256", key: rsaEnc, opts: []oidctest.Option{to(rsaEnc, jose.RSA_OAEP_256, jose.A128CBC_HS256)}},
		{name: "ECDH-ES A128GCM", key: ecEnc, opts: []oidctest.Option{to(ecEnc, jose.ECDH_ES, jose.A128GCM)}},
		{name: "ECDH-ES+A256KW A256GCM", key: ecEnc, opts: []oidctest.Option{to(ecEnc, jose.ECDH_ES_A256KW, jose.A256GCM)}},

		{name: "encrypted to another key", key: rsaEnc, opts: []oidctest.Option{to(otherEnc, jose.RSA_OAEP_256, jose.A256GCM)}, want: oidcrp.ErrDecrypt},
		{name: "RSA1_5 refused", key: rsaEnc, opts: []oidctest.Option{to(rsaEnc, jose.RSA1_5, jose.A256GCM)}, want: oidcrp.ErrDecrypt},
		{name: "RSA key alg with an EC key", key: ecEnc, opts: []oidctest.Option{to(rsaEnc, jose.RSA_OAEP_256, jose.A256GCM)}, want: oidcrp.ErrDecrypt},
		{name: "encrypted, no key configured", opts: []oidctest.Option{to(rsaEnc, jose.RSA_OAEP_256, jose.A256GCM)}, want: oidcrp.ErrEncrypted},
		{name: "plain, key configured", key: rsaEnc, want: oidcrp.ErrNotEncrypted},
		{name: "inner token unsigned (alg none)", key: rsaEnc, opts: []oidctest.Option{to(rsaEnc, jose.RSA_OAEP_256, jose.A256GCM), oidctest.WithSignAlg("none")}, sub: `signature algorithm "none"`},
		{name: "inner token HS256 with the public key", key: rsaEnc, opts: []oidctest.Option{to(rsaEnc, jose.RSA_OAEP_256, jose.A256GCM), oidctest.WithSignAlg("HS256-pubkey")}, sub: `signature algorithm "HS256"`},
		{name: "inner token signed by an unknown key", key: rsaEnc, opts: []oidctest.Option{to(rsaEnc, jose.RSA_OAEP_256, jose.A256GCM), oidctest.WithSignAlg("wrongkey")}, sub: "verify signature"},
		{name: "inner token for another client", key: ecEnc, opts: []oidctest.Option{to(ecEnc, jose.ECDH_ES, jose.A256GCM), oidctest.WithAudience("another-client")}, sub: "expected audience"},
		{name: "inner token expired", key: ecEnc, opts: []oidctest.Option{to(ecEnc, jose.ECDH_ES, jose.A256GCM), oidctest.WithExpiresIn(-time.Minute)}, sub: "expired"},
		{name: "inner token wrong nonce", key: ecEnc, opts: []oidctest.Option{to(ecEnc, jose.ECDH_ES, jose.A256GCM), oidctest.WithNonce("another")}, want: oidcrp.ErrNonce},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := oidctest.New(t, tc.opts...)
			rp := oidcrp.New(oidcrp.Config{Issuer: p.URL, ClientID: p.ClientID, ClientSecret: p.ClientSecret,
				RedirectURL: callback, IDTokenDecryptionKey: tc.key})
			pend := oidcrp.NewPending()
			_, code, state := authorize(t, rp, pend)
			claims, raw, err := rp.ExchangeToken(t.Context(), pend, state, code)
			if tc.want == nil && tc.sub == "" {
				if err != nil {
					t.Fatalf("login refused: %v", err)
				}
				if claims["bsn"] != oidctest.DefaultBSN || claims["nonce"] != pend.Nonce {
					t.Errorf("claims %v", claims)
				}
				if strings.Count(raw, ".") != 2 {
					t.Errorf("ExchangeToken returned %q, want the signed token inside (the id_token_hint)", raw)
				}
				return
			}
			if err == nil || claims != nil || raw != "" {
				t.Fatalf("login accepted: %v %q %v", claims, raw, err)
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
			if tc.sub != "" && !strings.Contains(err.Error(), tc.sub) {
				t.Errorf("err = %v, want one mentioning %q", err, tc.sub)
			}
		})
	}
}

// TestEncryptedIDTokenWithPrivateKeyJWT: both NL GOV features together, as a broker would use them.
func TestEncryptedIDTokenWithPrivateKeyJWT(t *testing.T) {
	sig := jwk(t, ecKey(t, elliptic.P256()), oidcrp.UseSignature)
	enc := jwk(t, rsaKey(), oidcrp.UseEncryption)
	p := oidctest.New(t, oidctest.WithClientKey(sig.Public()), oidctest.WithIDTokenEncryption(enc.Public(), "", ""))
	rp := oidcrp.New(oidcrp.Config{Issuer: p.URL, ClientID: p.ClientID, RedirectURL: callback, ClientKey: sig, IDTokenDecryptionKey: enc})
	claims, err := login(t, rp, nil)
	if err != nil || claims["bsn"] != oidctest.DefaultBSN {
		t.Fatalf("login: %v %v", claims, err)
	}
}

func TestLoadKey(t *testing.T) {
	ec := ecKey(t, elliptic.P256())
	sec1, err := x509.MarshalECPrivateKey(ec)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := x509.MarshalPKIXPublicKey(&ec.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	small := mustRSA(1024)
	p224 := ecKey(t, elliptic.P224())
	p224der, err := x509.MarshalECPrivateKey(p224)
	if err != nil {
		t.Fatal(err)
	}
	ok := []struct {
		name, kid, use, wantAlg string
		pem                     []byte
	}{
		{"RSA PKCS#8 sig", "", oidcrp.UseSignature, "RS256", pkcs8(t, rsaKey())},
		{"RSA PKCS#1 enc", "", oidcrp.UseEncryption, "", pemOf(t, "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rsaKey()))},
		{"EC SEC 1 with kid", "inzicht-2026", oidcrp.UseSignature, "ES256", pemOf(t, "EC PRIVATE KEY", sec1)},
		{"EC P-521", "", oidcrp.UseSignature, "ES512", pkcs8(t, ecKey(t, elliptic.P521()))},
	}
	for _, tc := range ok {
		t.Run(tc.name, func(t *testing.T) {
			k, err := oidcrp.LoadKey(tc.pem, tc.kid, tc.use)
			if err != nil {
				t.Fatal(err)
			}
			if k.Algorithm != tc.wantAlg || k.Use != tc.use || k.IsPublic() {
				t.Errorf("alg %q use %q public %v; want %q %q private", k.Algorithm, k.Use, k.IsPublic(), tc.wantAlg, tc.use)
			}
			want := tc.kid
			if want == "" {
				pub := k.Public()
				tp, err := pub.Thumbprint(crypto.SHA256)
				if err != nil {
					t.Fatal(err)
				}
				want = base64.RawURLEncoding.EncodeToString(tp)
			}
			if k.KeyID != want {
				t.Errorf("kid %q, want %q", k.KeyID, want)
			}
		})
	}
	bad := []struct {
		name, use string
		pem       []byte
	}{
		{"not PEM", oidcrp.UseSignature, []byte("-----BEGIN nothing")},
		{"public key", oidcrp.UseSignature, pemOf(t, "PUBLIC KEY", pub)},
		{"RSA 1024", oidcrp.UseSignature, pemOf(t, "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(small))},
		{"P-224", oidcrp.UseSignature, pemOf(t, "EC PRIVATE KEY", p224der)},
		{"two keys", oidcrp.UseSignature, append(pemOf(t, "EC PRIVATE KEY", sec1), pemOf(t, "EC PRIVATE KEY", sec1)...)},
		{"garbage DER", oidcrp.UseSignature, pemOf(t, "PRIVATE KEY", []byte("garbage"))},
		{"unknown use", "both", pemOf(t, "EC PRIVATE KEY", sec1)},
	}
	for _, tc := range bad {
		if k, err := oidcrp.LoadKey(tc.pem, "", tc.use); err == nil {
			t.Errorf("%s: LoadKey accepted it: %+v", tc.name, k)
		}
	}
}

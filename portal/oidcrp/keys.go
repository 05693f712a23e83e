package oidcrp

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"

	"github.com/go-jose/go-jose/v4"
)

// Uses of a key loaded with LoadKey.
const (
	UseSignature  = "sig" // the client's private_key_jwt key
	UseEncryption = "enc" // the key the provider encrypts ID tokens to
)

// LoadKey parses one PEM private key (PKCS #8, PKCS #1 RSA or SEC 1 EC) into a JWK for use: an RSA key
// of at least 2048 bits or an EC key on P-256, P-384 or P-521. kid names the key to the provider; ""
// takes the key's RFC 7638 thumbprint (SHA-256, base64url), which is what most providers show for a
// registered JWK. A signing key gets the algorithm it signs with (RS256, ES256, ES384, ES512); an
// encryption key gets none, as the provider chooses among the ones Decrypt allows.
func LoadKey(pemData []byte, kid, use string) (*jose.JSONWebKey, error) {
	if use != UseSignature && use != UseEncryption {
		return nil, fmt.Errorf("oidcrp: key use %q is neither sig nor enc", use)
	}
	block, rest := pem.Decode(pemData)
	if block == nil {
		return nil, errors.New("oidcrp: no PEM block found")
	}
	if next, _ := pem.Decode(rest); next != nil {
		return nil, errors.New("oidcrp: more than one PEM block; give exactly one private key")
	}
	var key any
	var err error
	switch block.Type {
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(block.Bytes)
	default:
		return nil, fmt.Errorf("oidcrp: PEM block %q is not a private key", block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("oidcrp: parse private key: %w", err)
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("oidcrp: unsupported private key type %T", key)
	}
	return NewKey(signer, kid, use)
}

// NewKey is LoadKey for a key already in memory (the demo generates its keys).
func NewKey(key crypto.Signer, kid, use string) (*jose.JSONWebKey, error) {
	var alg string
	switch k := key.(type) {
	case *rsa.PrivateKey:
		if k.N.BitLen() < 2048 {
			return nil, fmt.Errorf("oidcrp: RSA key of %d bits; want at least 2048", k.N.BitLen())
		}
		alg = string(jose.RS256)
	case *ecdsa.PrivateKey:
		switch k.Curve {
		case elliptic.P256():
			alg = string(jose.ES256)
		case elliptic.P384():
			alg = string(jose.ES384)
		case elliptic.P521():
			alg = string(jose.ES512)
		default:
			return nil, errors.New("oidcrp: EC key on an unsupported curve; want P-256, P-384 or P-521")
		}
	default:
		return nil, fmt.Errorf("oidcrp: unsupported private key type %T; want RSA or EC", key)
	}
	jwk := &jose.JSONWebKey{Key: key, Use: use}
	if use == UseSignature {
		jwk.Algorithm = alg
	}
	if kid == "" {
		pub := jwk.Public()
		tp, err := pub.Thumbprint(crypto.SHA256)
		if err != nil {
			return nil, fmt.Errorf("oidcrp: key thumbprint: %w", err)
		}
		kid = base64.RawURLEncoding.EncodeToString(tp)
	}
	jwk.KeyID = kid
	return jwk, nil
}

// Decryption algorithms allowed for an encrypted ID token, by key type. RSA1_5 is left out (padding
// oracle); direct and symmetric key-wrap algorithms need no client key pair and are not offered.
var (
	rsaKeyAlgs = []jose.KeyAlgorithm{jose.RSA_OAEP, jose.RSA_OAEP_256}
	ecKeyAlgs  = []jose.KeyAlgorithm{jose.ECDH_ES, jose.ECDH_ES_A128KW, jose.ECDH_ES_A192KW, jose.ECDH_ES_A256KW}
	contentEnc = []jose.ContentEncryption{jose.A128GCM, jose.A192GCM, jose.A256GCM,
		jose.A128CBC_HS256, jose.A192CBC_HS384, jose.A256CBC_HS512}
)

func keyAlgsFor(k *jose.JSONWebKey) []jose.KeyAlgorithm {
	if _, ok := k.Key.(*ecdsa.PrivateKey); ok {
		return ecKeyAlgs
	}
	return rsaKeyAlgs
}

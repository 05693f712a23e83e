package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/inzicht/inzicht/portal/vlog"
)

// TestLogKeyConfig: production serve needs its own log signing key and refuses the demo's; the demo
// and development fall back to the demo key.
func TestLogKeyConfig(t *testing.T) {
	// A test key (its private key is 32 bytes of 42), not one in use anywhere.
	const key = "PRIVATE+KEY+inzicht.voorbeeldstad.nl/log+16b3ee5e+ASoqKioqKioqKioqKioqKioqKioqKioqKioqKioqKioq"
	env := prodEnv()
	env["INZICHT_LOG_SIGNING_KEY"] = key
	c, err := loadConfig("serve", envOf(env))
	if err != nil {
		t.Fatalf("production with a log key: %v", err)
	}
	if c.LogSigner == nil || c.LogSigner.Origin() != "inzicht.voorbeeldstad.nl/log" ||
		!strings.HasPrefix(c.LogSigner.VerifierKey(), "inzicht.voorbeeldstad.nl/log+16b3ee5e+") {
		t.Fatalf("signer %+v", c.LogSigner)
	}
	demo, err := loadConfig("demo", envOf(map[string]string{}))
	if err != nil || demo.LogSigner == nil || demo.LogSigner.Origin() != demoLogName {
		t.Fatalf("demo: %v %+v", err, demo.LogSigner)
	}
	tool := prodEnv()
	delete(tool, "INZICHT_LOG_SIGNING_KEY")
	if c, err := loadConfig("tool", envOf(tool)); err != nil || c.LogSigner != nil {
		t.Fatalf("a tool in production without a log key: %v %+v", err, c.LogSigner)
	}
	demoSkey, err := vlog.SeedKey(demoLogName, demoKey("log"))
	if err != nil {
		t.Fatal(err)
	}
	// The self-check's schedule: 24 hours unless set; "off" for none; anything else is refused.
	if c.LogCheckEvery != 24*time.Hour {
		t.Errorf("default self-check every %v", c.LogCheckEvery)
	}
	for v, want := range map[string]time.Duration{"off": 0, "6h": 6 * time.Hour} {
		e := prodEnv()
		e["INZICHT_LOG_SIGNING_KEY"], e["INZICHT_LOG_CHECK_EVERY"] = key, v
		if c, err := loadConfig("serve", envOf(e)); err != nil || c.LogCheckEvery != want {
			t.Errorf("INZICHT_LOG_CHECK_EVERY=%s: %v, every %v", v, err, c.LogCheckEvery)
		}
	}
	// The log can be switched off for the bench's comparison, never in production.
	for env, want := range map[string]bool{"": false, "on": false, "off": true} {
		c, err := loadConfig("demo", envOf(map[string]string{"INZICHT_VERIFIABLE_LOG": env}))
		if err != nil || c.LogOff != want {
			t.Errorf("demo with INZICHT_VERIFIABLE_LOG=%q: %v, off %v", env, err, c.LogOff)
		}
	}
	if _, err := loadConfig("demo", envOf(map[string]string{"INZICHT_VERIFIABLE_LOG": "uit"})); err == nil ||
		!strings.Contains(err.Error(), "INZICHT_VERIFIABLE_LOG") {
		t.Errorf("INZICHT_VERIFIABLE_LOG=uit: %v", err)
	}
	off := prodEnv()
	off["INZICHT_LOG_SIGNING_KEY"], off["INZICHT_VERIFIABLE_LOG"] = key, "off"
	if _, err := loadConfig("serve", envOf(off)); err == nil || !strings.Contains(err.Error(), "INZICHT_VERIFIABLE_LOG") {
		t.Errorf("production with the log off: %v, want a refusal", err)
	}
	for name, change := range map[string]map[string]string{
		"self-check schedule not a duration": {"INZICHT_LOG_CHECK_EVERY": "daily"},
		"no key in production":               {"INZICHT_LOG_SIGNING_KEY": ""},
		"demo key":                           {"INZICHT_LOG_SIGNING_KEY": demoSkey},
		"verifier key as key":                {"INZICHT_LOG_SIGNING_KEY": demo.LogSigner.VerifierKey()},
		"not a key":                          {"INZICHT_LOG_SIGNING_KEY": "geheim"},
		"damaged key":                        {"INZICHT_LOG_SIGNING_KEY": strings.Replace(key, "+16b3ee5e+", "+16b3ee5f+", 1)},
	} {
		t.Run(name, func(t *testing.T) {
			e := prodEnv()
			e["INZICHT_LOG_SIGNING_KEY"] = key
			for k, v := range change {
				e[k] = v
			}
			if _, err := loadConfig("serve", envOf(e)); err == nil || !strings.Contains(err.Error(), "INZICHT_LOG_") {
				t.Errorf("want a refusal naming the INZICHT_LOG_ setting, got %v", err)
			}
		})
	}
}

// TestLogCommands: the log's commands answer -h, and keygen makes a key the configuration accepts.
func TestLogCommands(t *testing.T) {
	for args, want := range map[string]string{"log -h": "usage: inzicht log check", "verify --help": "usage: inzicht verify"} {
		var out bytes.Buffer
		if err := run(context.Background(), strings.Fields(args), envOf(map[string]string{}), &out, io.Discard); err != nil ||
			!strings.Contains(out.String(), want) {
			t.Errorf("%s: %v\n%s", args, err, out.String())
		}
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"log", "keygen", "inzicht.test/log"}, envOf(map[string]string{}), &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	skey, _, _ := strings.Cut(strings.TrimPrefix(out.String(), "INZICHT_LOG_SIGNING_KEY="), "\n")
	env := prodEnv()
	env["INZICHT_LOG_SIGNING_KEY"] = skey
	c, err := loadConfig("serve", envOf(env))
	if err != nil || c.LogSigner.Origin() != "inzicht.test/log" || !strings.Contains(out.String(), c.LogSigner.VerifierKey()) {
		t.Fatalf("the generated key: %v\n%s", err, out.String())
	}
}

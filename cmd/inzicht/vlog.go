package main

import (
	"context"
	"time"

	"github.com/inzicht/inzicht/portal/vlog"
)

// demoLogName is the origin of the demo's verifiable log, signed with a fixed, published key.
const demoLogName = "inzicht-demo.example/log"

// logKey reads the key that signs the verifiable log's checkpoints (docs/verifiable-log.md §7).
// Serve in production needs its own; elsewhere the demo's fixed key stands in, and production
// refuses it.
func (r *envReader) logKey(c *Config, mode string) {
	demo, err := vlog.NewSignerFromSeed(demoLogName, demoKey("log"))
	if err != nil {
		r.bad("INZICHT_LOG_SIGNING_KEY: the demo key: %v", err)
		return
	}
	skey := r.get("INZICHT_LOG_SIGNING_KEY", "")
	switch {
	case skey == "" && mode == "serve" && c.Env == "production":
		r.bad("INZICHT_LOG_SIGNING_KEY: required in production: a note signing key (PRIVATE+KEY+<name>+…), " +
			"see docs/verifiable-log.md")
	case skey == "":
		c.LogSigner = demo
	default:
		s, err := vlog.NewSigner(skey)
		if err != nil {
			r.bad("INZICHT_LOG_SIGNING_KEY: want an Ed25519 note signing key (PRIVATE+KEY+<name>+<hash>+<base64>): %v", err)
			return
		}
		c.LogSigner = s
	}
	if c.Env == "production" && c.LogSigner != nil && c.LogSigner.VerifierKey() == demo.VerifierKey() {
		r.bad("INZICHT_LOG_SIGNING_KEY: the published demo key cannot sign in production")
	}
}

// Verifiable log integration: how often, and how many leaves at most a transaction.
const (
	logEvery = 2 * time.Second
	logBatch = 10000
)

// integrateLog adds the outbox's leaves to the verifiable log and signs a checkpoint every
// logEvery while there are new ones, until ctx ends. Every portal process runs it; an advisory lock
// lets one at a time work (postgres.DB.IntegrateLog).
func (a *app) integrateLog(ctx context.Context) {
	t := time.NewTicker(logEvery)
	defer t.Stop()
	for {
		for {
			res, err := a.db.IntegrateLog(ctx, a.cfg.LogSigner, logBatch)
			if err != nil {
				if ctx.Err() == nil {
					a.log.Warn("verifiable log: integration failed", "err", err)
				}
				break
			}
			if res.Added > 0 || res.Adopted > 0 {
				a.log.Debug("verifiable log: integrated", "added", res.Added, "adopted", res.Adopted, "size", res.Size)
			}
			if res.Added < logBatch && res.Adopted < logBatch { // caught up
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

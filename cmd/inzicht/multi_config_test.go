package main

import (
	"strings"
	"testing"
	"time"
)

// TestScalingConfig: the settings for several machines have safe defaults (no replica, a 5 s lag bound,
// River listening) and refuse values that are not what they say, naming the variable.
func TestScalingConfig(t *testing.T) {
	c, err := loadConfig("serve", envOf(prodEnv()))
	if err != nil {
		t.Fatal(err)
	}
	if c.ReplicaURL != "" || c.ReplicaMaxLag != 5*time.Second || c.JobsPollOnly {
		t.Errorf("defaults: replica %q, max lag %v, poll only %v; want none, 5s, false", c.ReplicaURL, c.ReplicaMaxLag, c.JobsPollOnly)
	}
	env := prodEnv()
	env["INZICHT_DATABASE_REPLICA_URL"] = "postgres://inzicht_read@replica/inzicht"
	env["INZICHT_REPLICA_MAX_LAG"] = "2s"
	env["INZICHT_JOBS_POLL_ONLY"] = "true"
	if c, err = loadConfig("serve", envOf(env)); err != nil {
		t.Fatal(err)
	}
	if c.ReplicaURL != "postgres://inzicht_read@replica/inzicht" || c.ReplicaMaxLag != 2*time.Second || !c.JobsPollOnly {
		t.Errorf("set: replica %q, max lag %v, poll only %v", c.ReplicaURL, c.ReplicaMaxLag, c.JobsPollOnly)
	}
	for k, v := range map[string]string{
		"INZICHT_DATABASE_REPLICA_URL": "replica.example:5432",
		"INZICHT_REPLICA_MAX_LAG":      "-1s",
		"INZICHT_JOBS_POLL_ONLY":       "sometimes",
	} {
		env := prodEnv()
		env[k] = v
		if _, err := loadConfig("serve", envOf(env)); err == nil || !strings.Contains(err.Error(), k) {
			t.Errorf("%s=%s: %v, want a refusal naming %s", k, v, err, k)
		}
	}
}

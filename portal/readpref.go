package portal

import "context"

type replicaKey struct{}

// AllowReplica marks ctx: what is read with it may come from a read replica, which lags the primary
// by at most the configured bound (INZICHT_REPLICA_MAX_LAG). The portal marks the requests of
// citizen and council pages that do not follow the reader's own change; everything else reads, and
// every write goes to, the primary.
func AllowReplica(ctx context.Context) context.Context {
	return context.WithValue(ctx, replicaKey{}, true)
}

// ReplicaAllowed reports whether ctx was marked by AllowReplica.
func ReplicaAllowed(ctx context.Context) bool {
	ok, _ := ctx.Value(replicaKey{}).(bool)
	return ok
}

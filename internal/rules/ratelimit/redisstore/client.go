package redisstore

import (
	"crypto/tls"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Topology timings of the clients NewClient builds.
const (
	// defaultTimeout bounds dialing and each read and write of background
	// work (probes, heartbeats, replays). A rate decision is bounded by the
	// Guard's budget instead, through its context.
	defaultTimeout = 500 * time.Millisecond
	// clusterStateReload is how stale a Cluster slot map may get before the
	// client reloads it in the background; the Guard's probe reloads it at
	// once when a node stops answering, and MOVED/ASK answers reload it too.
	clusterStateReload = 5 * time.Second
)

// ClientConfig says how to reach Redis.
type ClientConfig struct {
	// Addresses lists host:port of the server, of Cluster seed nodes, or of
	// the Sentinels when SentinelMaster is set.
	Addresses []string
	// Cluster selects the Cluster protocol (implied by more than one
	// address without SentinelMaster), for example behind one managed
	// configuration endpoint.
	Cluster bool
	// SentinelMaster, when set, names the master the Sentinels at Addresses
	// monitor; the client follows the Sentinels' failovers.
	SentinelMaster string
	// Username and Password authenticate (ACL user or requirepass), to the
	// data nodes and, when SentinelPassword is empty, to the Sentinels.
	Username, Password string
	// SentinelPassword authenticates to the Sentinels if they have their own.
	SentinelPassword string
	// TLS, when non-nil, connects with TLS.
	TLS *tls.Config
	// Timeout bounds dialing and each read and write (default 500 ms) of
	// work done off the request path. Rate decisions wait at most the
	// Guard's budget, whatever this is.
	Timeout time.Duration
}

// Mode returns how c reaches Redis: "sentinel", "cluster" or "standalone".
func (c ClientConfig) Mode() string {
	switch {
	case c.SentinelMaster != "":
		return "sentinel"
	case c.Cluster || len(c.Addresses) > 1:
		return "cluster"
	}
	return "standalone"
}

// NewClient returns a go-redis client for c. It does not connect; go-redis
// connects on first use and reconnects by itself.
//
// Every client honours its context's deadline (so a request never waits
// past the Guard's budget), dials once per attempt (go-redis would otherwise
// retry a refused dial 5 times, 100 ms apart) and retries a command once. A Cluster client routes every
// command to the master of its slot (never by latency or at random, since
// the script writes), follows up to 3 MOVED/ASK redirections and reloads
// its slot map on redirections, read-only errors, every 5 s, and whenever
// the Guard's probe asks. A Sentinel client asks the Sentinels for the
// current master and follows their switch-master announcements.
func NewClient(c ClientConfig) (redis.UniversalClient, error) {
	if len(c.Addresses) == 0 {
		return nil, fmt.Errorf("redis: no address")
	}
	to := c.Timeout
	if to <= 0 {
		to = defaultTimeout
	}
	switch c.Mode() {
	case "sentinel":
		sentinelPassword := c.SentinelPassword
		if sentinelPassword == "" {
			sentinelPassword = c.Password
		}
		return redis.NewFailoverClient(&redis.FailoverOptions{
			MasterName: c.SentinelMaster, SentinelAddrs: c.Addresses,
			SentinelPassword: sentinelPassword,
			Username:         c.Username, Password: c.Password, TLSConfig: c.TLS,
			DialTimeout: to, ReadTimeout: to, WriteTimeout: to,
			ContextTimeoutEnabled: true,
			DialerRetries:         1,
			MaxRetries:            1, MinRetryBackoff: time.Millisecond, MaxRetryBackoff: 10 * time.Millisecond,
		}), nil
	case "cluster":
		return redis.NewClusterClient(&redis.ClusterOptions{
			Addrs:    c.Addresses,
			Username: c.Username, Password: c.Password, TLSConfig: c.TLS,
			DialTimeout: to, ReadTimeout: to, WriteTimeout: to,
			ContextTimeoutEnabled:      true,
			DialerRetries:              1,
			MaxRedirects:               3,
			ReadOnly:                   false,
			RouteByLatency:             false,
			RouteRandomly:              false,
			ClusterStateReloadInterval: clusterStateReload,
			MaxRetries:                 1, MinRetryBackoff: time.Millisecond, MaxRetryBackoff: 10 * time.Millisecond,
		}), nil
	}
	return redis.NewClient(&redis.Options{
		Addr:     c.Addresses[0],
		Username: c.Username, Password: c.Password, TLSConfig: c.TLS,
		DialTimeout: to, ReadTimeout: to, WriteTimeout: to,
		ContextTimeoutEnabled: true,
		DialerRetries:         1,
		MaxRetries:            1, MinRetryBackoff: time.Millisecond, MaxRetryBackoff: 10 * time.Millisecond,
	}), nil
}

// CheckPrefix reports a key prefix that would break Cluster hash tags.
func CheckPrefix(prefix string) error {
	if strings.ContainsAny(prefix, "{}") {
		return fmt.Errorf("redis key_prefix %q: must not contain '{' or '}'", prefix)
	}
	return nil
}

// IsCluster reports whether c speaks the Cluster protocol.
func IsCluster(c redis.UniversalClient) bool {
	_, ok := c.(*redis.ClusterClient)
	return ok
}

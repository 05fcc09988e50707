package redisstore

import (
	"crypto/tls"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// ClientConfig says how to reach Redis.
type ClientConfig struct {
	// Addresses lists host:port of the server, or of Cluster seed nodes.
	Addresses []string
	// Cluster selects the Cluster protocol (implied by more than one address).
	Cluster bool
	// Username and Password authenticate (ACL user or requirepass).
	Username, Password string
	// TLS, when non-nil, connects with TLS.
	TLS *tls.Config
	// Timeout bounds dialing and each read and write (default 500 ms). The
	// proxy never waits longer than this for Redis on a request.
	Timeout time.Duration
}

// NewClient returns a go-redis client for c. It does not connect; go-redis
// connects on first use and reconnects by itself.
func NewClient(c ClientConfig) (redis.UniversalClient, error) {
	if len(c.Addresses) == 0 {
		return nil, fmt.Errorf("redis: no address")
	}
	to := c.Timeout
	if to <= 0 {
		to = 500 * time.Millisecond
	}
	return redis.NewUniversalClient(&redis.UniversalOptions{
		Addrs:         c.Addresses,
		IsClusterMode: c.Cluster || len(c.Addresses) > 1,
		Username:      c.Username,
		Password:      c.Password,
		TLSConfig:     c.TLS,
		DialTimeout:   to,
		ReadTimeout:   to,
		WriteTimeout:  to,
		// One retry: a request must not wait through a backoff series; the
		// Guard's probe handles longer outages.
		MaxRetries:      1,
		MinRetryBackoff: 10 * time.Millisecond,
		MaxRetryBackoff: 50 * time.Millisecond,
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

package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/poolguard/poolguard/internal/config"
	"github.com/poolguard/poolguard/internal/rules/ratelimit"
	"github.com/poolguard/poolguard/internal/rules/ratelimit/redisstore"
)

// redisMetrics are the rate store's metrics that are observed rather than
// read from the guard.
type redisMetrics struct {
	latency prometheus.Histogram
}

// openRedis connects the shared state to Redis r: the client (standalone,
// Cluster or Sentinel), the rate store behind its circuit breakers, and the
// replica heartbeat that sizes the local shares under fail_open.
func (sh *shared) openRedis(ctx context.Context, r config.Redis, mem *ratelimit.Memory, log *slog.Logger) (redis.UniversalClient, error) {
	client, err := redisstore.NewClient(redisstore.ClientConfig{
		Addresses: r.Address.Strings(), Cluster: r.Cluster,
		SentinelMaster: r.SentinelMaster, SentinelPassword: os.Getenv(r.SentinelPasswordEnv),
		Password: os.Getenv(r.PasswordEnv), TLS: redisTLS(r),
	})
	if err != nil {
		return nil, fmt.Errorf("state.redis: %w", err)
	}
	sh.close = append(sh.close, func() { client.Close() })
	rs, err := redisstore.New(client, r.KeyPrefix)
	if err != nil {
		sh.shutdown()
		return nil, fmt.Errorf("state.redis: %w", err)
	}
	sh.redis = &redisMetrics{latency: prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "poolguard_ratelimit_store_seconds",
		Help:    "Time a rate decision's script call to Redis took (calls cut off by the latency budget included).",
		Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25},
	})}
	replicas := func() int { return r.Replicas }
	if r.Replicas == 0 {
		host, _ := os.Hostname()
		hb := redisstore.NewHeartbeat(client, r.KeyPrefix, fmt.Sprintf("%s/%d", host, os.Getpid()), time.Second)
		hctx, cancel := context.WithCancel(ctx)
		go hb.Run(hctx)
		sh.close = append(sh.close, func() {
			cancel()
			lctx, done := context.WithTimeout(context.Background(), time.Second)
			defer done()
			_ = hb.Leave(lctx)
		})
		replicas = hb.Live
	}
	policy := redisstore.FailOpen
	if r.Failure == config.FailClosed {
		policy = redisstore.FailClosed
	}
	lat := sh.redis.latency
	sh.guard = redisstore.NewGuard(rs, redisstore.GuardOptions{
		Policy: policy, Local: mem, Budget: r.LatencyBudget, Replicas: replicas,
		OnChange: func(node string, open bool) {
			log.Warn("redis node", "node", node, "circuit_open", open, "policy", r.Failure)
		},
		Observe: func(d time.Duration, _ bool) { lat.Observe(d.Seconds()) },
	})
	sh.close = append(sh.close, sh.guard.Close)
	return client, nil
}

// registerRedis exposes the rate store's health: local decisions, the
// circuit of every Redis node, the time spent degraded and store latency.
func registerRedis(reg *prometheus.Registry, sh *shared) {
	g := sh.guard
	reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "poolguard_ratelimit_fallbacks_total",
		Help: "Requests with a rate decision taken without Redis (a node's circuit open): on local counters under fail_open, refused under fail_closed.",
	}, func() float64 { return float64(g.Fallbacks()) }))
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "poolguard_ratelimit_degraded",
		Help: "1 while some Redis node's circuit is open and the failure policy applies to its keys.",
	}, func() float64 { return boolFloat(g.Degraded()) }))
	reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "poolguard_ratelimit_degraded_seconds_total",
		Help: "Time during which some Redis node's circuit was open.",
	}, func() float64 { return g.DegradedTime().Seconds() }))
	reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "poolguard_ratelimit_replayed_total",
		Help: "Requests counted locally during an outage and added to the shared counters afterwards.",
	}, func() float64 { return float64(g.Replayed()) }))
	reg.MustRegister(circuitCollector{g})
	if sh.redis != nil {
		reg.MustRegister(sh.redis.latency)
	}
}

var circuitDesc = prometheus.NewDesc("poolguard_ratelimit_circuit_open",
	"1 while the circuit of this Redis node (Cluster master, or the one server) is open: its keys are decided without Redis.",
	[]string{"node"}, nil)

// circuitCollector exposes one gauge per Redis node seen so far.
type circuitCollector struct{ g *redisstore.Guard }

func (c circuitCollector) Describe(ch chan<- *prometheus.Desc) { ch <- circuitDesc }

func (c circuitCollector) Collect(ch chan<- prometheus.Metric) {
	for _, n := range c.g.Circuits() {
		ch <- prometheus.MustNewConstMetric(circuitDesc, prometheus.GaugeValue, boolFloat(n.Open), n.Node)
	}
}

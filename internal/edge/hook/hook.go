package hook

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/poolguard/poolguard/internal/config"
	"github.com/poolguard/poolguard/internal/edge/request"
)

// maxAnswerBytes bounds the hook's reply.
const maxAnswerBytes = 64 << 10

// Hook calls one decision hook. It is safe for concurrent use. A nil *Hook
// wants no operation.
type Hook struct {
	url        string
	timeout    time.Duration
	onError    Action
	operations map[string]bool
	headers    []string
	fields     []string
	sem        chan struct{}
	client     *http.Client
	counters   *Counters
}

// New returns the Hook configured by c, or nil when c is nil. counters,
// which may be nil, receive its counts; pass the same Counters to every
// Hook built across reloads.
func New(c *config.DecisionHook, counters *Counters) *Hook {
	if c == nil {
		return nil
	}
	if counters == nil {
		counters = new(Counters)
	}
	h := &Hook{
		url: c.URL.String(), timeout: c.Timeout, onError: Action(c.OnError),
		operations: make(map[string]bool, len(c.Operations)),
		fields:     c.BodyFields,
		sem:        make(chan struct{}, c.MaxConcurrency),
		client:     &http.Client{Transport: transport(c.Timeout, c.MaxConcurrency)},
		counters:   counters,
	}
	for _, op := range c.Operations {
		h.operations[op] = true
	}
	for _, name := range c.SendHeaders {
		h.headers = append(h.headers, http.CanonicalHeaderKey(name))
	}
	return h
}

// transport keeps up to n connections to the hook alive and never opens
// more; it ignores HTTP(S)_PROXY, which is for the upstream, not a sidecar.
func transport(timeout time.Duration, n int) *http.Transport {
	return &http.Transport{
		DialContext:         (&net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:     &tls.Config{MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout: timeout,
		ForceAttemptHTTP2:   true,
		MaxIdleConns:        n,
		MaxIdleConnsPerHost: n,
		MaxConnsPerHost:     n,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
}

// Wants reports whether requests for the operation op go to the hook.
func (h *Hook) Wants(op string) bool { return h != nil && h.operations[op] }

// Close closes the hook's idle connections; calls in flight finish.
func (h *Hook) Close() {
	if h != nil {
		h.client.CloseIdleConnections()
	}
}

// Decide asks the hook about the request v, which the web ACL labelled
// with labels. When the hook does not answer in time, cannot be reached,
// answers badly or already has max_concurrency calls in flight, Decide
// returns the on_error decision, labelled with the failure, and an *Error.
func (h *Hook) Decide(ctx context.Context, v *request.View, labels []string) (Decision, error) {
	select {
	case h.sem <- struct{}{}:
	default:
		return h.fail(FailOverloaded, errors.New("max_concurrency calls in flight"))
	}
	defer func() { <-h.sem }()
	h.counters.calls.Add(1)
	body, err := json.Marshal(BuildRequest(v, labels, h.headers, h.fields))
	if err != nil {
		return h.fail(FailResponse, err)
	}
	ctx, cancel := context.WithTimeout(ctx, h.timeout)
	defer cancel()
	d, f, err := h.call(ctx, body)
	if err != nil {
		return h.fail(f, err)
	}
	h.counters.decided(d.Action)
	return d, nil
}

// call POSTs body and decodes the answer; on error it says which Failure.
func (h *Hook) call(ctx context.Context, body []byte) (Decision, Failure, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.url, bytes.NewReader(body))
	if err != nil {
		return Decision{}, FailUnavailable, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "poolguard-decision-hook/1")
	resp, err := h.client.Do(req)
	if err != nil {
		return Decision{}, classify(ctx, err), err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxAnswerBytes))
		return Decision{}, FailStatus, fmt.Errorf("status %d", resp.StatusCode)
	}
	var a Answer
	dec := json.NewDecoder(io.LimitReader(resp.Body, maxAnswerBytes))
	if err := dec.Decode(&a); err != nil {
		if ctx.Err() != nil {
			return Decision{}, classify(ctx, err), err
		}
		return Decision{}, FailResponse, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxAnswerBytes)) // keep the connection reusable
	d, err := a.decision()
	if err != nil {
		return Decision{}, FailResponse, err
	}
	return d, "", nil
}

// classify names a transport error.
func classify(ctx context.Context, err error) Failure {
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return FailTimeout
	case errors.Is(ctx.Err(), context.Canceled):
		return FailCanceled
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return FailTimeout
	}
	return FailUnavailable
}

// fail counts a failure and returns the on_error decision for it.
func (h *Hook) fail(f Failure, err error) (Decision, error) {
	h.counters.failed(f)
	h.counters.decided(h.onError)
	d := Decision{Action: h.onError, Failure: f, Labels: []string{LabelPrefix + "error:" + string(f)}}
	if h.onError == Block {
		d.Status, d.ErrorType, d.Message = http.StatusForbidden, "ForbiddenException", "Request blocked: the risk check is unavailable."
	}
	return d, &Error{Failure: f, Err: err}
}

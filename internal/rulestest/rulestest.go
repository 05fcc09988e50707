// Package rulestest evaluates the proxy's web ACL on sample requests without
// serving: what the AWS console's sampled requests show, before deploying.
package rulestest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"time"

	"github.com/poolguard/poolguard/internal/cognito"
	"github.com/poolguard/poolguard/internal/proxy"
	"github.com/poolguard/poolguard/internal/request"
	"github.com/poolguard/poolguard/internal/waf"
)

// Request is a sample request. Body is the raw body; BodyJSON, if set, is
// used instead and may be any JSON value.
type Request struct {
	Name     string            `json:"name,omitempty"`
	Method   string            `json:"method,omitempty"`
	URI      string            `json:"uri,omitempty"`
	Headers  map[string]string `json:"headers,omitempty"`
	Body     string            `json:"body,omitempty"`
	BodyJSON json.RawMessage   `json:"bodyJson,omitempty"`
	ClientIP string            `json:"clientIp,omitempty"`
	Country  string            `json:"country,omitempty"`
	// Time is when the request arrives (RFC 3339); default: now, or one
	// millisecond after the previous request.
	Time string `json:"time,omitempty"`
	// Repeat sends the request this many times (for rate-based rules);
	// only the last result is printed, with the count of blocked ones.
	Repeat int `json:"repeat,omitempty"`
}

// Result is the web ACL's decision on one sample request.
type Result struct {
	Name                string               `json:"name,omitempty"`
	Action              waf.Action           `json:"action"`
	TerminatingRuleID   string               `json:"terminatingRuleId"`
	TerminatingRuleType waf.RuleType         `json:"terminatingRuleType,omitempty"`
	Labels              []string             `json:"labels"`
	NonTerminating      []waf.RuleMatch      `json:"nonTerminatingMatchingRules"`
	RateBased           []waf.RateBasedMatch `json:"rateBasedRuleList,omitempty"`
	ResponseCode        int                  `json:"responseCode,omitempty"`
	ProxyError          string               `json:"proxyError,omitempty"`
	Repeated            int                  `json:"repeated,omitempty"`
	NotAllowed          int                  `json:"notAllowed,omitempty"`
}

// Run evaluates st's web ACL on the request (or list of requests) in the
// JSON file at path, in order, sharing rate-limit state between them.
func Run(st *proxy.State, path string) ([]Result, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	reqs, err := parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if st.WAF == nil {
		return nil, fmt.Errorf("the config has no web ACL")
	}
	now := time.Now()
	out := make([]Result, 0, len(reqs))
	for i, r := range reqs {
		res, next, err := evaluate(st, &r, now)
		if err != nil {
			return nil, fmt.Errorf("%s: request %d (%s): %w", path, i, r.Name, err)
		}
		now = next
		out = append(out, res)
	}
	return out, nil
}

func parse(data []byte) ([]Request, error) {
	data = bytes.TrimSpace(data)
	if len(data) > 0 && data[0] == '[' {
		var rs []Request
		return rs, strictUnmarshal(data, &rs)
	}
	var r Request
	return []Request{r}, strictUnmarshal(data, &r)
}

func strictUnmarshal(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// evaluate runs one sample (Repeat times) and returns its result and the
// time the next sample arrives.
func evaluate(st *proxy.State, r *Request, now time.Time) (Result, time.Time, error) {
	v, parseErr, err := view(r)
	if err != nil {
		return Result{}, now, err
	}
	if r.Time != "" {
		if now, err = time.Parse(time.RFC3339Nano, r.Time); err != nil {
			return Result{}, now, fmt.Errorf("time: %w", err)
		}
	}
	n := max(r.Repeat, 1)
	var vd waf.Verdict
	res := Result{Name: r.Name}
	for range n {
		if err := st.WAF.Evaluate(context.Background(), now, v, &vd); err != nil {
			return Result{}, now, err
		}
		if vd.Action != waf.ActionAllow {
			res.NotAllowed++
		}
		now = now.Add(time.Millisecond)
	}
	res.Action, res.TerminatingRuleID, res.TerminatingRuleType = vd.Action, vd.TerminatingRuleID, vd.TerminatingRuleType
	res.Labels = append([]string{}, vd.Labels...)
	res.NonTerminating = append([]waf.RuleMatch{}, vd.NonTerminating...)
	res.RateBased = append([]waf.RateBasedMatch{}, vd.RateBased...)
	res.ResponseCode = responseCode(&vd)
	if r.Repeat > 1 {
		res.Repeated = n
	}
	if vd.Action == waf.ActionAllow {
		res.ProxyError = proxyError(st, v, parseErr)
	}
	return res, now, nil
}

func responseCode(vd *waf.Verdict) int {
	switch {
	case vd.Action == waf.ActionAllow:
		return 0
	case vd.CustomResponse != nil:
		return vd.CustomResponse.StatusCode
	case vd.Action == waf.ActionCaptcha:
		return http.StatusMethodNotAllowed
	case vd.Action == waf.ActionChallenge:
		return http.StatusAccepted
	}
	return http.StatusForbidden
}

// proxyError is the error the proxy would answer after the web ACL allowed
// the request: parseErr (a malformed call), or its operation policy's.
func proxyError(st *proxy.State, v *request.View, parseErr *cognito.Error) string {
	if parseErr != nil {
		return parseErr.Type + ": " + parseErr.Message
	}
	op, _ := cognito.Lookup(v.Operation)
	if err := st.Policy.Check(op); err != nil {
		return err.Type + ": " + err.Message
	}
	return ""
}

// view builds the request view the proxy would build, and the error the
// proxy would answer for a malformed Cognito call (the web ACL sees the
// request either way).
func view(r *Request) (*request.View, *cognito.Error, error) {
	u, err := url.ParseRequestURI(defaultString(r.URI, "/"))
	if err != nil {
		return nil, nil, fmt.Errorf("uri: %w", err)
	}
	hdr := http.Header{}
	for k, val := range r.Headers {
		hdr.Set(k, val)
	}
	body := []byte(r.Body)
	if len(r.BodyJSON) > 0 {
		body = r.BodyJSON
	}
	ip, err := netip.ParseAddr(defaultString(r.ClientIP, "192.0.2.1"))
	if err != nil {
		return nil, nil, fmt.Errorf("clientIp: %w", err)
	}
	v := &request.View{
		Method: defaultString(r.Method, http.MethodPost), Path: u.Path, RawQuery: u.RawQuery,
		Proto: "HTTP/1.1", Host: hdr.Get("Host"), Scheme: "https", Header: hdr, Body: body,
		Target: hdr.Get("X-Amz-Target"), PeerIP: ip, ClientIP: ip, Country: defaultString(r.Country, "XX"),
	}
	return v, cognito.Parse(v), nil
}

func defaultString(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

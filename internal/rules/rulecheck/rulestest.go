// Package rulecheck runs the proxy's request pipeline on sample requests
// without serving or sending anything upstream: what the AWS console's
// sampled requests show, before deploying. It calls the functions the
// proxy's handler calls (proxy.State's ReadView, Judge and Decide), so its
// verdict is the proxy's: Cognito's parse, the signals (IP-list, geo and
// bot labels, phone pseudo-headers), the web ACL, then the operation policy
// and rewrite. Only the decision hook is not consulted.
package rulecheck

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
	"github.com/poolguard/poolguard/internal/edge/proxy"
	"github.com/poolguard/poolguard/internal/edge/request"
	"github.com/poolguard/poolguard/internal/rules/waf"
)

// DefaultClientIP is the connection's address when a request names none.
const DefaultClientIP = "192.0.2.1"

// Request is a sample request, one element of a request file (see
// docs/rules-test.md). Body is the raw body; BodyJSON, if set, is used
// instead and may be any JSON value.
type Request struct {
	Name     string            `json:"name,omitempty"`
	Method   string            `json:"method,omitempty"`
	URI      string            `json:"uri,omitempty"`
	Headers  map[string]string `json:"headers,omitempty"`
	Body     string            `json:"body,omitempty"`
	BodyJSON json.RawMessage   `json:"bodyJson,omitempty"`
	// ClientIP is the address the connection comes from (default
	// DefaultClientIP). Behind trusted proxies, give an X-Forwarded-For
	// header as the load balancer would.
	ClientIP string `json:"clientIp,omitempty"`
	// Country is the country the geo database would give the client; a
	// configured geo database decides instead.
	Country string `json:"country,omitempty"`
	// Labels are labels the request carries before any rule runs, as the
	// proxy's outcome signals add them after earlier answers.
	Labels []string `json:"labels,omitempty"`
	// Time is when the request arrives (RFC 3339); default: now, or one
	// millisecond after the previous request.
	Time string `json:"time,omitempty"`
	// Repeat sends the request this many times (for rate-based rules);
	// only the last result is printed, with the count of blocked ones.
	Repeat int `json:"repeat,omitempty"`
}

// Result is the proxy's decision on one sample request.
type Result struct {
	Name                string               `json:"name,omitempty"`
	Action              waf.Action           `json:"action"`
	TerminatingRuleID   string               `json:"terminatingRuleId"`
	TerminatingRuleType waf.RuleType         `json:"terminatingRuleType,omitempty"`
	Labels              []string             `json:"labels"`
	NonTerminating      []waf.RuleMatch      `json:"nonTerminatingMatchingRules"`
	RateBased           []waf.RateBasedMatch `json:"rateBasedRuleList,omitempty"`
	// ResponseCode is the status the web ACL's action answers; 0 when it
	// allows the request.
	ResponseCode int `json:"responseCode,omitempty"`
	// ProxyError is the error the proxy answers instead of forwarding: the
	// request could not be read (the web ACL never saw it), or it was
	// allowed but is malformed or refused by the operation policy or the
	// client rules.
	ProxyError string `json:"proxyError,omitempty"`
	// UpstreamOperation is the Cognito operation the proxy would send
	// upstream for an allowed request (it may differ from the client's,
	// e.g. a refresh sent as GetTokensFromRefreshToken).
	UpstreamOperation string `json:"upstreamOperation,omitempty"`
	Repeated          int    `json:"repeated,omitempty"`
	NotAllowed        int    `json:"notAllowed,omitempty"`
}

// Run runs st's pipeline on the request (or list of requests) in the JSON
// file at path, in order, sharing rate-limit state between them.
func Run(st *proxy.State, path string) ([]Result, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	reqs, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	out, err := RunRequests(st, reqs, time.Now())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return out, nil
}

// RunRequests runs st's pipeline on reqs in order; now is when the first
// request without a time arrives.
func RunRequests(st *proxy.State, reqs []Request, now time.Time) ([]Result, error) {
	out := make([]Result, 0, len(reqs))
	for i := range reqs {
		res, next, err := evaluate(st, &reqs[i], now)
		if err != nil {
			return nil, fmt.Errorf("request %d (%s): %w", i, reqs[i].Name, err)
		}
		now = next
		out = append(out, res)
	}
	return out, nil
}

// Parse reads a request file: one request object or a list of them.
// Unknown fields are refused.
func Parse(data []byte) ([]Request, error) {
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
	if r.Time != "" {
		t, err := time.Parse(time.RFC3339Nano, r.Time)
		if err != nil {
			return Result{}, now, fmt.Errorf("time: %w", err)
		}
		now = t
	}
	if _, err := httpRequest(r); err != nil {
		return Result{}, now, err
	}
	n := max(r.Repeat, 1)
	var res Result
	for range n {
		hr, _ := httpRequest(r) // a fresh body for each repetition
		var err error
		if res, err = once(st, r, hr, now); err != nil {
			return Result{}, now, err
		}
		if res.Action != waf.ActionAllow {
			res.NotAllowed++
		}
		now = now.Add(time.Millisecond)
	}
	if r.Repeat > 1 {
		res.Repeated = n
	}
	return res, now, nil
}

// once runs the pipeline on one request, as proxy.Handler does.
func once(st *proxy.State, r *Request, hr *http.Request, now time.Time) (Result, error) {
	res := Result{Name: r.Name, Action: waf.ActionAllow, Labels: []string{}, NonTerminating: []waf.RuleMatch{}}
	var v request.View
	var vd waf.Verdict
	var memo waf.Memo
	adjust := func() {
		if r.Country != "" {
			v.Country = r.Country
		}
		v.Labels = append(v.Labels, r.Labels...)
	}
	// A call the web ACL blocks on its head is refused there (as the
	// handler's refuseOnHead does), its body unread.
	if st.ReadHead(hr, &v) {
		adjust()
		refused, err := st.JudgeHead(context.Background(), now, &v, &vd, &memo)
		if err != nil {
			return res, err
		}
		if refused {
			res.Action, res.TerminatingRuleID, res.TerminatingRuleType = vd.Action, vd.TerminatingRuleID, vd.TerminatingRuleType
			res.Labels = append(res.Labels, vd.Labels...)
			res.NonTerminating = append(res.NonTerminating, vd.NonTerminating...)
			res.RateBased = append([]waf.RateBasedMatch{}, vd.RateBased...)
			res.ResponseCode = responseCode(&vd)
			return res, nil
		}
	}
	if _, readErr := st.ReadView(hr, &v, nil); readErr != nil {
		res.ProxyError = describe(readErr)
		return res, nil
	}
	adjust()
	parseErr, err := st.Judge(context.Background(), now, &v, &vd, &memo)
	if err != nil {
		return res, err
	}
	if st.WAF != nil {
		res.Action, res.TerminatingRuleID, res.TerminatingRuleType = vd.Action, vd.TerminatingRuleID, vd.TerminatingRuleType
		res.Labels = append(res.Labels, vd.Labels...)
		res.NonTerminating = append(res.NonTerminating, vd.NonTerminating...)
		res.RateBased = append([]waf.RateBasedMatch{}, vd.RateBased...)
		res.ResponseCode = responseCode(&vd)
	}
	if res.Action != waf.ActionAllow {
		return res, nil
	}
	if parseErr != nil {
		res.ProxyError = describe(parseErr)
		return res, nil
	}
	plan, perr := st.Decide(&v, now)
	if perr != nil {
		res.ProxyError = describe(perr)
		return res, nil
	}
	res.UpstreamOperation = cognito.OperationFromTarget(plan.Target)
	return res, nil
}

func describe(e *cognito.Error) string { return e.Type + ": " + e.Message }

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

// httpRequest builds the HTTP request r describes, arriving from r's
// client address.
func httpRequest(r *Request) (*http.Request, error) {
	u, err := url.ParseRequestURI(defaultString(r.URI, "/"))
	if err != nil {
		return nil, fmt.Errorf("uri: %w", err)
	}
	ip, err := netip.ParseAddr(defaultString(r.ClientIP, DefaultClientIP))
	if err != nil {
		return nil, fmt.Errorf("clientIp: %w", err)
	}
	body := []byte(r.Body)
	if len(r.BodyJSON) > 0 {
		body = r.BodyJSON
	}
	hr, err := http.NewRequest(defaultString(r.Method, http.MethodPost), "http://localhost"+u.RequestURI(), bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	hr.RequestURI = u.RequestURI()
	hr.RemoteAddr = netip.AddrPortFrom(ip, 443).String()
	for k, val := range r.Headers {
		hr.Header.Set(k, val)
	}
	if h := hr.Header.Get("Host"); h != "" {
		hr.Host = h
		hr.Header.Del("Host")
	}
	return hr, nil
}

func defaultString(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

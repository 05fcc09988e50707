// Package gen writes synthetic poolguard WAF logs: steady legitimate
// traffic from many addresses plus configurable attacks, encoded by the
// real waflog Encoder so the records are exactly what the proxy writes.
// Output is deterministic for a given Config.
package gen

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/netip"
	"time"

	"github.com/poolguard/poolguard/internal/edge/request"
	"github.com/poolguard/poolguard/internal/ops/observe"
	"github.com/poolguard/poolguard/internal/ops/waflog"
	"github.com/poolguard/poolguard/internal/rules/waf"
)

// Attack is one abusive source.
type Attack struct {
	// IP is the source address.
	IP string
	// Operation is the Cognito operation called; empty with URI set for a
	// Hosted UI path.
	Operation string
	URI       string
	// From and To bound the attack, as offsets from Config.Start.
	From, To time.Duration
	// Share is the fraction of records inside [From, To) that are this
	// attack's.
	Share float64
	// Labels are added to the attack's records (e.g. an IP reputation
	// label).
	Labels []string
	// ErrorRate is the fraction of forwarded requests Cognito refuses
	// (400 NotAuthorizedException).
	ErrorRate float64
	// BlockRate is the fraction of requests the web ACL blocks with the
	// rate-based rule RateLimit<category>; the rest are counted.
	BlockRate float64
}

// Config describes a log.
type Config struct {
	Start    time.Time
	Duration time.Duration
	// Records is the number of records; when 0, Bytes sets it.
	Records int
	// Bytes is the approximate size of the log.
	Bytes int64
	// Seed makes the traffic reproducible.
	Seed uint64
	// LegitIPs is the number of legitimate sources (default 2000).
	LegitIPs int
	Attacks  []Attack
}

// Simulated returns the simulated attack used by the tests, the benchmark
// and the documentation: an hour of traffic with a credential-stuffing
// burst on InitiateAuth, a SignUp bot and a low-rate source on the IP
// reputation list.
func Simulated(start time.Time, records int) Config {
	return Config{
		Start: start, Duration: time.Hour, Records: records, Seed: 1,
		Attacks: []Attack{
			{IP: "203.0.113.66", Operation: "InitiateAuth", From: 20 * time.Minute, To: 35 * time.Minute, Share: 0.30, ErrorRate: 0.95, BlockRate: 0.5},
			{IP: "203.0.113.77", Operation: "SignUp", From: 40 * time.Minute, To: 50 * time.Minute, Share: 0.10, ErrorRate: 0.2},
			{IP: "192.0.2.99", Operation: "ForgotPassword", From: 0, To: time.Hour, Share: 0.02,
				Labels: []string{"awswaf:managed:aws:amazon-ip-list:AWSManagedIPReputationList"}},
		},
	}
}

// legitOps are the operations of ordinary traffic with their weights; ""
// entries are Hosted UI paths.
var legitOps = []struct {
	op, uri string
	weight  int
}{
	{"InitiateAuth", "/", 30}, {"RespondToAuthChallenge", "/", 10}, {"GetUser", "/", 15},
	{"GetTokensFromRefreshToken", "/", 15}, {"SignUp", "/", 4}, {"ConfirmSignUp", "/", 4},
	{"ResendConfirmationCode", "/", 1}, {"ForgotPassword", "/", 2}, {"ConfirmForgotPassword", "/", 2},
	{"UpdateUserAttributes", "/", 3}, {"GlobalSignOut", "/", 2},
	{"", "/login", 5}, {"", "/oauth2/authorize", 3}, {"", "/oauth2/token", 2}, {"", "/signup", 1}, {"", "/forgotPassword", 1},
}

var categoryOf = map[string]string{
	"InitiateAuth": "SignIn", "RespondToAuthChallenge": "SignIn",
	"SignUp": "UserCreation", "ConfirmSignUp": "UserCreation", "ResendConfirmationCode": "UserCreation",
	"ForgotPassword": "AccountRecovery", "ConfirmForgotPassword": "AccountRecovery",
}

// Write writes the log described by c to w.
func Write(w io.Writer, c Config) error {
	if c.Duration <= 0 {
		return fmt.Errorf("gen: duration must be positive")
	}
	if c.Records == 0 {
		if c.Bytes <= 0 {
			return fmt.Errorf("gen: set Records or Bytes")
		}
		avg, err := averageSize(c)
		if err != nil {
			return err
		}
		c.Records = int(c.Bytes/int64(avg)) + 1
	}
	g, err := newGenerator(c)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	buf := make([]byte, 0, 4096)
	for i := range c.Records {
		buf = g.enc.Append(buf[:0], g.next(i))
		if _, err := bw.Write(buf); err != nil {
			return err
		}
	}
	return bw.Flush()
}

func averageSize(c Config) (int, error) {
	c.Records = 2000
	g, err := newGenerator(c)
	if err != nil {
		return 0, err
	}
	total := 0
	for i := range c.Records {
		total += len(g.enc.Append(nil, g.next(i)))
	}
	return total / c.Records, nil
}

type generator struct {
	c        Config
	rng      *rand.Rand
	enc      *waflog.Encoder
	legit    []netip.Addr
	attackIP []netip.Addr
	weights  int
	o        observe.Outcome
	v        request.View
	verdict  waf.Verdict
	reqID    []byte
}

func newGenerator(c Config) (*generator, error) {
	enc, err := waflog.NewEncoder(waflog.EncoderOptions{Region: "eu-west-1", Account: "111122223333"})
	if err != nil {
		return nil, err
	}
	g := &generator{c: c, rng: rand.New(rand.NewPCG(c.Seed, c.Seed^0x9e3779b97f4a7c15)), enc: enc}
	n := c.LegitIPs
	if n <= 0 {
		n = 2000
	}
	for i := range n {
		g.legit = append(g.legit, netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}))
	}
	for _, a := range c.Attacks {
		ip, err := netip.ParseAddr(a.IP)
		if err != nil {
			return nil, fmt.Errorf("gen: attack IP: %w", err)
		}
		g.attackIP = append(g.attackIP, ip)
	}
	for _, o := range legitOps {
		g.weights += o.weight
	}
	g.v.Header = http.Header{}
	return g, nil
}

// next returns record i's Outcome (reused between calls).
func (g *generator) next(i int) *observe.Outcome {
	offset := time.Duration(int64(i) * int64(g.c.Duration) / int64(g.c.Records))
	at := g.c.Start.Add(offset)
	g.o = observe.Outcome{Start: at, View: &g.v, WebACLName: "poolguard", UserPoolID: "eu-west-1_AbCdEfGhI"}
	g.verdict = waf.Verdict{Action: waf.ActionAllow, TerminatingRuleID: waf.DefaultActionID, Labels: g.verdict.Labels[:0],
		NonTerminating: g.verdict.NonTerminating[:0], RateBased: g.verdict.RateBased[:0]}
	g.o.Verdict = &g.verdict
	g.reqID = fmt.Appendf(g.reqID[:0], "%08x-0000-4000-8000-%012x", i, g.rng.Uint64()&0xffffffffffff)

	u := g.rng.Float64()
	for ai, a := range g.c.Attacks {
		if offset < a.From || offset >= a.To {
			continue
		}
		if u < a.Share {
			g.fill(a.Operation, a.URI, g.attackIP[ai], "python-requests/2.31")
			g.verdict.Labels = append(g.verdict.Labels, a.Labels...)
			g.attack(a)
			return &g.o
		}
		u -= a.Share
	}
	pick := g.rng.IntN(g.weights)
	for _, o := range legitOps {
		if pick < o.weight {
			g.fill(o.op, o.uri, g.legit[g.rng.IntN(len(g.legit))], "aws-sdk-js/3.620.0 ua/2.0 os/macOS lang/js")
			break
		}
		pick -= o.weight
	}
	g.forward(0.03)
	return &g.o
}

func (g *generator) fill(op, uri string, ip netip.Addr, ua string) {
	v := &g.v
	clear(v.Header)
	*v = request.View{Header: v.Header, Method: "POST", Path: uri, Proto: "HTTP/1.1", Host: "auth.example.com",
		Scheme: "https", ClientIP: ip, PeerIP: ip, Country: "DE", RequestID: string(g.reqID)}
	if uri == "" {
		v.Path = "/"
	}
	v.Header["User-Agent"] = []string{ua}
	v.Header["Content-Type"] = []string{"application/x-amz-json-1.1"}
	v.Header["Origin"] = []string{"https://app.example.com"}
	if op != "" {
		v.Operation = op
		v.Target = "AWSCognitoIdentityProviderService." + op
		v.Header["X-Amz-Target"] = []string{v.Target}
		v.ClientID = "3n4b5urk1ft4fl3mg5e62d9ado"
		if op == "InitiateAuth" {
			v.AuthFlow = "USER_SRP_AUTH"
		}
	} else {
		v.Method = "GET"
		v.Header["Accept-Language"] = []string{"de-DE,de;q=0.9"}
	}
}

func (g *generator) forward(errRate float64) {
	o := &g.o
	o.Forwarded, o.UpstreamOperation, o.Status, o.UpstreamStatus = true, g.v.Operation, 200, 200
	o.UpstreamLatency = time.Duration(20+g.rng.IntN(60)) * time.Millisecond
	o.Duration = o.UpstreamLatency + 500*time.Microsecond
	if g.rng.Float64() < errRate {
		o.Status, o.UpstreamStatus, o.UpstreamErrorType = 400, 400, "NotAuthorizedException"
	}
}

func (g *generator) attack(a Attack) {
	cat := categoryOf[a.Operation]
	if len(a.Labels) > 0 {
		cat = "IPReputation"
	}
	if cat == "" {
		cat = "Default"
	}
	rule := "RateLimit" + cat
	rb := waf.RateBasedMatch{RuleName: rule, LimitKey: "IP", LimitValue: g.v.ClientIP.String(), MaxRateAllowed: 100, EvaluationWindowSec: 300}
	if g.rng.Float64() < a.BlockRate {
		g.verdict.Action, g.verdict.TerminatingRuleID, g.verdict.TerminatingRuleType = waf.ActionBlock, rule, waf.RuleTypeRateBased
		g.verdict.RateBased = append(g.verdict.RateBased, rb)
		g.o.Status, g.o.ErrorType = 403, "ForbiddenException"
		g.o.Duration = 300 * time.Microsecond
		return
	}
	g.verdict.NonTerminating = append(g.verdict.NonTerminating, waf.RuleMatch{RuleID: rule, Action: waf.ActionCount, Type: waf.RuleTypeRateBased})
	g.verdict.RateBased = append(g.verdict.RateBased, rb)
	g.forward(a.ErrorRate)
}

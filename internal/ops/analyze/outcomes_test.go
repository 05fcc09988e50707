package analyze

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/poolguard/poolguard/internal/cognito"
	"github.com/poolguard/poolguard/internal/edge/request"
	"github.com/poolguard/poolguard/internal/ops/observe"
	"github.com/poolguard/poolguard/internal/ops/waflog"
	"github.com/poolguard/poolguard/internal/rules/outcome"
	"github.com/poolguard/poolguard/internal/rules/waf"
)

// signIn is one generated sign-in and Cognito's answer to it.
type signIn struct {
	ip, user string
	status   int
	errType  string
}

// testPool is the user pool of the sign-ins writeSignIns logs.
const testPool = "eu-west-1_AbCdEfGhI"

// writeSignIns runs each sign-in through the attack protection's tracker
// (a memory store, a keyed hasher) and writes the WAF log records the
// proxy would, one a second; it returns the log's path and the hasher.
func writeSignIns(t *testing.T, calls []signIn) (string, *outcome.Hasher) {
	t.Helper()
	enc, err := waflog.NewEncoder(waflog.EncoderOptions{Region: "eu-west-1", Account: "111122223333"})
	if err != nil {
		t.Fatal(err)
	}
	hasher := outcome.NewHasher([]byte("analyze-test-key"))
	tr := outcome.New(outcome.Config{}, outcome.NewMemory(0), hasher, nil)
	var buf bytes.Buffer
	for i, c := range calls {
		at := start.Add(time.Duration(i) * time.Second)
		v := &request.View{Method: "POST", Path: "/", Header: http.Header{}, Proto: "HTTP/1.1",
			ClientIP: netip.MustParseAddr(c.ip), Operation: "InitiateAuth", Target: cognito.TargetPrefix + "InitiateAuth",
			ClientID: "client", UserPool: testPool, AuthFlow: "USER_PASSWORD_AUTH", Username: c.user}
		var x outcome.Exchange
		if err := tr.Before(context.Background(), at, v, &x); err != nil {
			t.Fatal(err)
		}
		body := []byte(`{"AuthenticationResult":{"AccessToken":"a","ExpiresIn":3600}}`)
		if c.status != 200 {
			body = []byte(`{"__type":"` + c.errType + `","message":"m"}`)
		}
		if _, err := tr.After(context.Background(), at, v, &x, c.status, c.errType, body); err != nil {
			t.Fatal(err)
		}
		o := &observe.Outcome{Start: at, View: v, Verdict: &waf.Verdict{Action: waf.ActionAllow, TerminatingRuleID: waf.DefaultActionID},
			WebACLName: "poolguard", Status: c.status, Forwarded: true, UpstreamOperation: "InitiateAuth", UpstreamStatus: c.status, Tracking: &x}
		buf.Write(enc.Append(nil, o))
	}
	path := filepath.Join(t.TempDir(), "waf.log")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, hasher
}

// stuffingLog is 30 real users signing in from their own addresses (one
// typo each, then three successes) while one attacker at 203.0.113.9
// tries 40 leaked user names (unknown) and 15 passwords for the victim;
// the victim also signs in successfully from her own address.
func stuffingLog() []signIn {
	var calls []signIn
	for u := range 30 {
		ip, user := fmt.Sprintf("198.51.%d.%d", 100+u%3, 10+u), fmt.Sprintf("user%02d@example.com", u)
		calls = append(calls, signIn{ip, user, 400, "NotAuthorizedException"})
		for range 3 {
			calls = append(calls, signIn{ip, user, 200, ""})
		}
		if u%2 == 0 {
			calls = append(calls, signIn{"203.0.113.9", fmt.Sprintf("leaked%02d@example.com", u), 400, "UserNotFoundException"})
			calls = append(calls, signIn{"203.0.113.9", fmt.Sprintf("leaked%02d@example.com", u+100), 400, "UserNotFoundException"})
			calls = append(calls, signIn{"203.0.113.9", "victim@example.com", 400, "NotAuthorizedException"})
		}
	}
	calls = append(calls, signIn{"192.0.2.44", "Victim@Example.com", 200, ""})
	return calls
}

func TestOutcomes(t *testing.T) {
	path, hasher := writeSignIns(t, stuffingLog())
	o, err := ScanOutcomes([]string{path}, Filter{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	victim := fmt.Sprintf("%016x", hasher.User(testPool, "victim@example.com"))
	tests := []struct {
		name                 string
		rows                 []*OutcomeRow
		key                  string
		failures, successes  int64
		wrong, unknown, reqs int64
	}{
		{"client IP", o.ByIP(3), "203.0.113.9", 45, 0, 15, 30, 45},
		{"network", o.ByNetwork(3), "203.0.113.0/24", 45, 0, 15, 30, 45},
		{"user", o.ByUser(3), victim, 15, 1, 15, 0, 16},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if len(tc.rows) != 3 {
				t.Fatalf("%d rows, want --top 3", len(tc.rows))
			}
			r := tc.rows[0]
			if r.Key != tc.key || r.Failures() != tc.failures || r.Successes != tc.successes ||
				r.WrongCredentials != tc.wrong || r.Unknown != tc.unknown || r.Requests != tc.reqs {
				t.Errorf("top row %+v, want %s with %d failures (%d wrong, %d unknown), %d successes, %d requests",
					*r, tc.key, tc.failures, tc.wrong, tc.unknown, tc.successes, tc.reqs)
			}
			if next := tc.rows[1]; next.Failures() >= r.Failures() {
				t.Errorf("second row %+v has as many failures as the top row's %d", *next, r.Failures())
			}
		})
	}
	// A real user: one typo, three successes, from her own address.
	if r := o.ips["198.51.100.10"]; r == nil || r.Failures() != 1 || r.Successes != 3 || r.FailureRatio() != 0.25 {
		t.Errorf("real user's row = %+v, want 1 failure, 3 successes, ratio 0.25", r)
	}
	if len(o.users) != 30+30+1 { // real users, leaked names, the victim
		t.Errorf("%d users, want 61", len(o.users))
	}
}

func TestOutcomesCommand(t *testing.T) {
	path, _ := writeSignIns(t, stuffingLog())
	var out bytes.Buffer
	o := options("outcomes", path)
	o.Format, o.Top = FormatJSON, 2
	if err := Run(context.Background(), o, &out); err != nil {
		t.Fatal(err)
	}
	var got map[string][]map[string]any
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	for table, want := range map[string]string{"client_ips": "203.0.113.9", "networks": "203.0.113.0/24"} {
		rows := got[table]
		if len(rows) != 2 || rows[0][strings.TrimSuffix(strings.TrimSuffix(table, "s"), "_ip")+map[string]string{"client_ips": "_ip", "networks": ""}[table]] != want {
			t.Errorf("%s = %v, want 2 rows, %s first", table, rows, want)
		}
		if rows[0]["failure_ratio"] != 1.0 || rows[0]["failures"] != 45.0 {
			t.Errorf("%s first row = %v, want 45 failures, ratio 1", table, rows[0])
		}
	}
	if len(got["users"]) != 2 {
		t.Errorf("users = %v, want 2 rows", got["users"])
	}
	out.Reset()
	if err := Run(context.Background(), options("outcomes", path), &out); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "client_ip ") || !strings.Contains(out.String(), "\n203.0.113.9 ") {
		t.Errorf("table output:\n%s", out.String())
	}
}

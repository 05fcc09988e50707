// Package outcometest holds what every outcome.Store must pass: a
// conformance suite (Conformance) of attack histories played through an
// outcome.Tracker, which the in-memory store and the Redis store run
// unchanged, so that both behave the same.
package outcometest

import (
	"context"
	"encoding/base64"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/poolguard/poolguard/internal/edge/request"
	"github.com/poolguard/poolguard/internal/rules/outcome"
)

// T0 is the fixed instant the conformance histories start at.
var T0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

// The user pools of the histories: one e-mail address can name a user in
// each, and clients of both can sit behind one proxy.
const (
	PoolA = "eu-west-1_PoolA"
	PoolB = "eu-west-1_PoolB"
)

// The addresses of the histories: the user's home, an attacker's address
// and another address in the attacker's /24.
const (
	home     = "192.0.2.1"
	attacker = "203.0.113.9"
	neighbor = "203.0.113.77"
)

// answer is Cognito's answer to a call.
type answer struct {
	status  int
	errType string
	body    string
}

var (
	wrongPassword = answer{400, "NotAuthorizedException", ""}
	confirmed     = answer{200, "", `{}`}
)

// signedIn is a successful sign-in's answer whose ID token names the user
// by sub and e-mail.
func signedIn(sub, email string) answer {
	claims := `{"sub":"` + sub + `","cognito:username":"` + sub + `","email":"` + email + `"}`
	return answer{200, "", `{"AuthenticationResult":{"IdToken":"x.` + base64.RawURLEncoding.EncodeToString([]byte(claims)) + `.sig"}}`}
}

// step is n calls (1 when 0) at T0+at of op for user in pool from ip,
// each answered ans.
type step struct {
	at       time.Duration
	n        int
	pool, ip string
	op, user string
	ans      answer
}

// fail is n wrong-password sign-ins of user in pool from ip at T0+at.
func fail(at time.Duration, n int, pool, ip, user string) step {
	return step{at: at, n: n, pool: pool, ip: ip, op: "InitiateAuth", user: user, ans: wrongPassword}
}

// reset is a confirmed password reset of user in pool from ip at T0+at.
func reset(at time.Duration, pool, ip, user string) step {
	return step{at: at, pool: pool, ip: ip, op: "ConfirmForgotPassword", user: user, ans: confirmed}
}

// signIn is a successful sign-in of user in pool from ip at T0+at, whose
// ID token names sub and email.
func signIn(at time.Duration, pool, ip, user, sub, email string) step {
	return step{at: at, pool: pool, ip: ip, op: "InitiateAuth", user: user, ans: signedIn(sub, email)}
}

// want is what a sign-in attempt's Before must read and label.
type want struct {
	pairFail, netPairFail int
	known, bruteForce     bool
}

// scenario is a history and the attempt probed after it: the attempt of
// probe.user in probe.pool from probe.ip at T0+probe.at (Before only).
type scenario struct {
	name    string
	history []step
	probe   step
	want    want
}

var s = time.Second

var scenarios = []scenario{
	{
		name: "a password reset clears the user's failures for good: one failure after it counts one",
		history: []step{
			fail(0, 10, PoolA, attacker, "erin@example.com"),
			reset(s, PoolA, home, "erin@example.com"),
			fail(2*s, 1, PoolA, attacker, "erin@example.com"),
		},
		probe: fail(3*s, 1, PoolA, attacker, "erin@example.com"),
		want:  want{pairFail: 1, netPairFail: 1},
	},
	{
		name: "a password reset clears the failures of every source of the user, not only the next one counted",
		history: []step{
			fail(0, 10, PoolA, attacker, "erin@example.com"),
			fail(0, 10, PoolA, neighbor, "erin@example.com"),
			reset(s, PoolA, home, "erin@example.com"),
			fail(2*s, 1, PoolA, attacker, "erin@example.com"),
		},
		probe: fail(3*s, 1, PoolA, neighbor, "erin@example.com"),
		want:  want{pairFail: 0, netPairFail: 1},
	},
	{
		name: "failures after a password reset count from it: a reset is no allowance for later failures",
		history: []step{
			fail(0, 10, PoolA, attacker, "erin@example.com"),
			reset(s, PoolA, home, "erin@example.com"),
			fail(2*s, 10, PoolA, attacker, "erin@example.com"),
		},
		probe: fail(3*s, 1, PoolA, attacker, "erin@example.com"),
		want:  want{pairFail: 10, netPairFail: 10, bruteForce: true},
	},
	{
		name: "a password reset with no failures before it hides none after it",
		history: []step{
			reset(0, PoolA, home, "erin@example.com"),
			fail(s, 1, PoolA, attacker, "erin@example.com"),
		},
		probe: fail(2*s, 1, PoolA, attacker, "erin@example.com"),
		want:  want{pairFail: 1, netPairFail: 1},
	},
	{
		// The store's clock steps in seconds, so it cannot order a reset
		// and a failure of one second. They count before the reset: the
		// user who reset her password is not labelled for a typo made
		// then, and an attacker gains at most the failures of one second
		// she cannot choose (a reset needs the code sent to the user).
		name: "failures in a password reset's second count before it, those after it in that second too",
		history: []step{
			fail(0, 10, PoolA, attacker, "erin@example.com"),
			reset(0, PoolA, home, "erin@example.com"),
			fail(0, 10, PoolA, attacker, "erin@example.com"),
		},
		probe: fail(s, 1, PoolA, attacker, "erin@example.com"),
		want:  want{},
	},
	{
		name: "failures in a password reset's second are gone for good: one failure the next second counts one",
		history: []step{
			fail(0, 10, PoolA, attacker, "erin@example.com"),
			reset(0, PoolA, home, "erin@example.com"),
			fail(0, 10, PoolA, attacker, "erin@example.com"),
			fail(s, 1, PoolA, attacker, "erin@example.com"),
		},
		probe: fail(2*s, 1, PoolA, attacker, "erin@example.com"),
		want:  want{pairFail: 1, netPairFail: 1},
	},
	{
		name: "a successful sign-in clears its source's failures for good and makes it known",
		history: []step{
			fail(0, 10, PoolA, attacker, "erin@example.com"),
			signIn(s, PoolA, attacker, "erin@example.com", "sub-erin", "erin@example.com"),
			fail(2*s, 1, PoolA, attacker, "erin@example.com"),
		},
		probe: fail(3*s, 1, PoolA, attacker, "erin@example.com"),
		want:  want{pairFail: 1, netPairFail: 1, known: true},
	},
	{
		name: "a sign-in in another pool under the user's e-mail neither makes its source known for her nor clears its failures",
		history: []step{
			signIn(0, PoolA, home, "alice@example.com", "sub-alice-a", "alice@example.com"),
			fail(s, 10, PoolA, attacker, "alice@example.com"),
			signIn(2*s, PoolB, attacker, "alice@example.com", "sub-alice-b", "alice@example.com"),
		},
		probe: fail(3*s, 1, PoolA, attacker, "alice@example.com"),
		want:  want{pairFail: 10, netPairFail: 10, bruteForce: true},
	},
	{
		name: "a sign-in in another pool under the user's e-mail, between two of hers, does not make its source known for her",
		history: []step{
			signIn(0, PoolA, home, "alice@example.com", "sub-alice-a", "alice@example.com"),
			signIn(s, PoolB, attacker, "alice@example.com", "sub-alice-b", "alice@example.com"),
			signIn(2*s, PoolA, home, "alice@example.com", "sub-alice-a", "alice@example.com"),
		},
		probe: fail(3*s, 1, PoolA, attacker, "alice@example.com"),
		want:  want{},
	},
	{
		name: "a sign-in in another pool under the user's e-mail leaves her home known",
		history: []step{
			signIn(0, PoolA, home, "alice@example.com", "sub-alice-a", "alice@example.com"),
			signIn(s, PoolB, attacker, "alice@example.com", "sub-alice-b", "alice@example.com"),
		},
		probe: fail(2*s, 1, PoolA, home, "alice@example.com"),
		want:  want{known: true},
	},
	{
		name: "a password reset in another pool under the user's name does not clear her failures",
		history: []step{
			fail(0, 10, PoolA, attacker, "alice@example.com"),
			reset(s, PoolB, attacker, "alice@example.com"),
		},
		probe: fail(2*s, 1, PoolA, attacker, "alice@example.com"),
		want:  want{pairFail: 10, netPairFail: 10, bruteForce: true},
	},
	{
		name: "failures against a name in another pool do not count for this pool's user",
		history: []step{
			fail(0, 10, PoolB, attacker, "alice@example.com"),
		},
		probe: fail(s, 1, PoolA, attacker, "alice@example.com"),
		want:  want{},
	},
}

// Conformance runs the suite every outcome.Store must pass. newStore must
// return a new, empty store each time it is called.
func Conformance(t *testing.T, newStore func() outcome.Store) {
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			r := rig{t: t, tr: outcome.New(outcome.DefaultConfig(), newStore(), outcome.NewHasher([]byte("conformance")), nil)}
			for _, st := range sc.history {
				for range max(st.n, 1) {
					r.call(st, true)
				}
			}
			x, v := r.call(sc.probe, false)
			snap := x.Snapshot
			got := want{
				pairFail: snap.PairFail, netPairFail: snap.NetPairFail,
				known:      slices.Contains(v.Labels, outcome.LabelKnownSource),
				bruteForce: slices.Contains(v.Labels, outcome.LabelBruteForce),
			}
			if got != sc.want {
				t.Errorf("got %+v, want %+v (labels %v)", got, sc.want, v.Labels)
			}
		})
	}
}

// rig drives a tracker over the store under test.
type rig struct {
	t  *testing.T
	tr *outcome.Tracker
}

// call runs st's call through Before and, when answered, After with st's
// answer; it returns the exchange and the view.
func (r *rig) call(st step, answered bool) (*outcome.Exchange, *request.View) {
	r.t.Helper()
	v := &request.View{Operation: st.op, UserPool: st.pool, Username: st.user, ClientIP: netip.MustParseAddr(st.ip)}
	if st.op == "InitiateAuth" {
		v.AuthFlow = "USER_PASSWORD_AUTH"
	}
	now := T0.Add(st.at)
	x := new(outcome.Exchange)
	ctx := context.Background()
	if err := r.tr.Before(ctx, now, v, x); err != nil {
		r.t.Fatal(err)
	}
	if answered {
		if _, err := r.tr.After(ctx, now, v, x, st.ans.status, st.ans.errType, []byte(st.ans.body)); err != nil {
			r.t.Fatal(err)
		}
	}
	return x, v
}

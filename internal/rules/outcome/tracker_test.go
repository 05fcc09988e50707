package outcome

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/poolguard/poolguard/internal/edge/request"
)

var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

// rig drives a tracker over a memory store with explicit times.
type rig struct {
	t  *testing.T
	tr *Tracker
}

func newRig(t *testing.T, cfg Config) *rig {
	return &rig{t: t, tr: New(cfg, NewMemory(0), NewHasher([]byte("k")), nil)}
}

// call runs one call through Before and, unless the labels it got are
// refused (refuse), After with Cognito's answer; it returns the labels.
func (r *rig) call(now time.Time, ip, op, user string, status int, errType, body string, refuse ...string) []string {
	r.t.Helper()
	v := &request.View{Operation: op, Username: user, ClientIP: netip.MustParseAddr(ip)}
	if op == "InitiateAuth" {
		v.AuthFlow = "USER_PASSWORD_AUTH"
	}
	if op == "SignUp" {
		v.Phone, v.PhoneCC = "+33612345678", "+33"
	}
	var x Exchange
	if err := r.tr.Before(context.Background(), now, v, &x); err != nil {
		r.t.Fatal(err)
	}
	for _, l := range refuse {
		if slices.Contains(v.Labels, l) {
			if x.Snapshot.SMSReserved {
				_, _ = r.tr.After(context.Background(), now, v, &x, 403, "ForbiddenException", nil)
			}
			return v.Labels
		}
	}
	if _, err := r.tr.After(context.Background(), now, v, &x, status, errType, []byte(body)); err != nil {
		r.t.Fatal(err)
	}
	return v.Labels
}

func (r *rig) fail(now time.Time, ip, user string) []string {
	return r.call(now, ip, "InitiateAuth", user, 400, "NotAuthorizedException", "")
}

func (r *rig) succeed(now time.Time, ip, user string) []string {
	return r.call(now, ip, "InitiateAuth", user, 200, "", `{"AuthenticationResult":{"AccessToken":"a"}}`)
}

func has(labels []string, l string) bool { return slices.Contains(labels, l) }

// Brute force: the 11th attempt from one IP for one user carries the label
// (the threshold is 10 failures), for that user only; a success from the
// IP clears it; a known source never gets it; the window ends it.
func TestBruteForcePerUserAndSource(t *testing.T) {
	r := newRig(t, DefaultConfig())
	r.succeed(t0, "192.0.2.1", "alice") // alice's home
	for i := range 10 {
		if l := r.fail(t0.Add(time.Duration(i)*time.Second), "203.0.113.9", "alice"); has(l, LabelBruteForce) {
			t.Fatalf("attempt %d labelled brute force", i+1)
		}
	}
	now := t0.Add(time.Minute)
	if l := r.fail(now, "203.0.113.9", "alice"); !has(l, LabelBruteForce) {
		t.Fatalf("11th attempt not labelled: %v", l)
	}
	if l := r.fail(now, "203.0.113.9", "bob"); has(l, LabelBruteForce) {
		t.Fatalf("another user from the same IP labelled: %v", l)
	}
	if l := r.fail(now, "198.51.100.4", "ALICE"); has(l, LabelBruteForce) {
		t.Fatalf("alice from another network labelled: %v", l)
	}
	for range 12 {
		r.fail(now, "192.0.2.1", "alice") // her own typos, from home
	}
	if l := r.fail(now, "192.0.2.1", "alice"); has(l, LabelBruteForce) || !has(l, LabelKnownSource) {
		t.Fatalf("alice at home: %v, want known and no brute force", l)
	}
	if l := r.fail(now.Add(3*time.Hour), "203.0.113.9", "alice"); has(l, LabelBruteForce) {
		t.Fatalf("still labelled after the window: %v", l)
	}
	// A success from the attacked source clears its count.
	for range 10 {
		r.fail(now.Add(4*time.Hour), "203.0.113.77", "alice")
	}
	r.succeed(now.Add(4*time.Hour), "203.0.113.77", "alice")
	if l := r.fail(now.Add(4*time.Hour), "203.0.113.77", "alice"); has(l, LabelBruteForce) {
		t.Fatalf("labelled after a success from the source: %v", l)
	}
}

// A /24 gets 4× the per-IP threshold, so rotating addresses within it does
// not help; an IPv6 /64 is one source.
func TestBruteForceNetworks(t *testing.T) {
	r := newRig(t, DefaultConfig())
	for i := range 40 {
		r.fail(t0, fmt.Sprintf("203.0.113.%d", i+1), "carol")
	}
	if l := r.fail(t0, "203.0.113.200", "carol"); !has(l, LabelBruteForce) {
		t.Fatalf("41st failure from one /24 not labelled: %v", l)
	}
	for i := range 10 {
		r.fail(t0, fmt.Sprintf("198.51.100.%d", i+1), "erin")
	}
	if l := r.fail(t0, "198.51.100.200", "erin"); has(l, LabelBruteForce) {
		t.Fatalf("11th failure from one /24 labelled, under 4x the threshold: %v", l)
	}
	for i := range 10 {
		r.fail(t0, fmt.Sprintf("2001:db8:1:2::%x", i+1), "dave")
	}
	if l := r.fail(t0, "2001:db8:1:2:ffff::1", "dave"); !has(l, LabelBruteForce) {
		t.Fatalf("11th failure from one /64 not labelled: %v", l)
	}
}

// A confirmed password reset clears the user's brute-force counts.
func TestPasswordResetClears(t *testing.T) {
	r := newRig(t, DefaultConfig())
	for range 10 {
		r.fail(t0, "203.0.113.9", "erin")
	}
	r.call(t0.Add(time.Second), "198.51.100.1", "ConfirmForgotPassword", "erin", 200, "", `{}`)
	if l := r.fail(t0.Add(2*time.Second), "203.0.113.9", "erin"); has(l, LabelBruteForce) {
		t.Fatalf("labelled after a password reset: %v", l)
	}
}

// Only a successful sign-in makes its source known for the user: a
// confirmed password reset proves a code, not the password, so its source
// is neither known nor spared the brute-force label.
func TestPasswordResetDoesNotMakeSourceKnown(t *testing.T) {
	r := newRig(t, DefaultConfig())
	r.call(t0, "203.0.113.9", "ConfirmForgotPassword", "erin", 200, "", `{}`)
	for range 10 {
		r.fail(t0.Add(time.Second), "203.0.113.9", "erin")
	}
	if l := r.fail(t0.Add(2*time.Second), "203.0.113.9", "erin"); has(l, LabelKnownSource) || !has(l, LabelBruteForce) {
		t.Fatalf("after a reset from the source: %v, want brute force and not known", l)
	}
}

// Failures from 3 or more sources adding up to 10 put the account under
// attack; the label goes to every request for that user, known sources
// included (the preset exempts those with the known label).
func TestUnderAttack(t *testing.T) {
	r := newRig(t, DefaultConfig())
	r.succeed(t0, "192.0.2.1", "frank")
	for i := range 10 {
		if l := r.fail(t0, fmt.Sprintf("10.%d.0.1", i/2), "frank"); has(l, LabelUnderAttack) {
			t.Fatalf("attempt %d labelled", i+1)
		}
	}
	if l := r.fail(t0, "10.99.0.1", "frank"); !has(l, LabelUnderAttack) {
		t.Fatalf("not under attack: %v", l)
	}
	if l := r.succeed(t0, "192.0.2.1", "frank"); !has(l, LabelUnderAttack) || !has(l, LabelKnownSource) {
		t.Fatalf("home sign-in: %v, want under-attack and known", l)
	}
	// 10 failures from one source are brute force, not an attack on the account.
	for range 10 {
		r.fail(t0, "10.200.0.1", "grace")
	}
	if l := r.fail(t0, "10.201.0.1", "grace"); has(l, LabelUnderAttack) {
		t.Fatalf("one source put the account under attack: %v", l)
	}
}

// A source failing for 5 users with no success is suspicious; one with a
// healthy success ratio (a shared office NAT) is not; enumeration is a
// high share of unknown users.
func TestSuspiciousAndEnumeration(t *testing.T) {
	r := newRig(t, DefaultConfig())
	for i := range 5 {
		r.fail(t0, "203.0.113.5", fmt.Sprintf("leaked%d", i))
	}
	if l := r.fail(t0, "203.0.113.5", "leaked9"); !has(l, LabelSuspicious) {
		t.Fatalf("not suspicious: %v", l)
	}
	for i := range 40 {
		r.succeed(t0, "198.51.100.5", fmt.Sprintf("staff%d", i))
		if i%5 == 0 {
			r.fail(t0, "198.51.100.5", fmt.Sprintf("staff%d", i))
		}
	}
	if l := r.fail(t0, "198.51.100.5", "staff1"); has(l, LabelSuspicious) {
		t.Fatalf("office NAT suspicious: %v", l)
	}
	for i := range 10 {
		r.call(t0, "192.0.2.77", "InitiateAuth", fmt.Sprintf("nobody%d", i), 400, "UserNotFoundException", "")
	}
	if l := r.fail(t0, "192.0.2.77", "nobody"); !has(l, LabelEnumerating) {
		t.Fatalf("not enumerating: %v", l)
	}
	// The burst: 10 failures in a minute for one user from one source.
	for range 10 {
		r.fail(t0, "192.0.2.88", "henry")
	}
	if l := r.fail(t0.Add(30*time.Second), "192.0.2.88", "henry"); !has(l, LabelSuspicious) {
		t.Fatalf("burst not suspicious: %v", l)
	}
}

// The SMS budget holds exactly: reservations are taken before the call and
// given back when Cognito sent no SMS; the calling-code budget is separate.
func TestSMSBudgetExact(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Windows.SMSHour, cfg.Windows.CallingCodeHour = 5, 3
	r := newRig(t, cfg)
	sms := `{"CodeDeliveryDetails":{"DeliveryMedium":"SMS"}}`
	sent, refused := 0, 0
	for i := range 8 {
		body := sms
		if i == 1 {
			body = `{"CodeDeliveryDetails":{"DeliveryMedium":"EMAIL"}}` // gives its reservation back
		}
		l := r.call(t0.Add(time.Duration(i)*time.Second), "192.0.2.1", "SignUp", fmt.Sprintf("u%d", i), 200, "", body, LabelSMSExhausted)
		if has(l, LabelSMSExhausted) {
			refused++
		} else if body == sms {
			sent++
		}
	}
	if sent != 3 || refused != 4 {
		t.Fatalf("%d SMS sent, %d refused; want 3 (the +33 budget) and 4", sent, refused)
	}
	if st := r.tr.Stats(); st.SMSSent.Load() != 3 || st.Outcomes[SMSSent].Load() != 3 || st.StoreErrors.Load() != 0 {
		t.Fatalf("stats: %d SMS sent, %d sms_sent outcomes, %d store errors; want 3, 3, 0", st.SMSSent.Load(), st.Outcomes[SMSSent].Load(), st.StoreErrors.Load())
	}
	if l := r.call(t0.Add(time.Hour), "192.0.2.1", "SignUp", "later", 200, "", sms, LabelSMSExhausted); has(l, LabelSMSExhausted) {
		t.Fatalf("refused in the next hour: %v", l)
	}
}

// Once a sign-in names the user, its aliases share her counters.
func TestAliasesResolve(t *testing.T) {
	r := newRig(t, DefaultConfig())
	tok := "x." + b64(`{"sub":"0c5e-uuid","cognito:username":"0c5e-uuid","email":"Ivy@Example.com"}`) + ".sig"
	r.call(t0, "192.0.2.1", "InitiateAuth", "ivy@example.com", 200, "", `{"AuthenticationResult":{"IdToken":"`+tok+`"}}`)
	for i := range 10 {
		name := []string{"IVY@example.com", "0C5E-UUID"}[i%2]
		r.fail(t0, "203.0.113.3", name)
	}
	if l := r.fail(t0, "203.0.113.3", "0c5e-uuid"); !has(l, LabelBruteForce) {
		t.Fatalf("aliases counted apart: %v", l)
	}
}

// The source thresholds, at their edges: a source is suspicious once its
// failures per minute or per day, or the users it failed for, reach their
// threshold (times NetworkFactor for an IPv4 /24) while its successes stay
// under SuspiciousMaxSuccessPercent of its attempts; it is enumerating once
// its unknown-user answers reach EnumerationMinimum and
// EnumerationPercent of its attempts. A zero threshold disables its test.
func TestSourceThresholds(t *testing.T) {
	def := DefaultConfig() // 10 a minute, 100 a day, 5 users, 20%; 10 unknown, 80%
	noSuspicious := def
	noSuspicious.SuspiciousPerMinute, noSuspicious.SuspiciousPerDay, noSuspicious.SuspiciousUsersPerDay = 0, 0, 0
	noEnumeration := def
	noEnumeration.EnumerationMinimum = 0
	for _, tt := range []struct {
		name                    string
		cfg                     *Config
		f                       int
		s                       SourceCounts
		suspicious, enumerating bool
	}{
		{"quiet", &def, 1, SourceCounts{FailMinute: 9, FailDay: 99, UsersDay: 4}, false, false},
		{"burst", &def, 1, SourceCounts{FailMinute: 10, FailDay: 10}, true, false},
		{"day", &def, 1, SourceCounts{FailDay: 100}, true, false},
		{"users", &def, 1, SourceCounts{FailDay: 5, UsersDay: 5}, true, false},
		{"network, quiet", &def, 4, SourceCounts{FailMinute: 39, FailDay: 399, UsersDay: 19}, false, false},
		{"network, burst", &def, 4, SourceCounts{FailMinute: 40, FailDay: 40}, true, false},
		{"network, day", &def, 4, SourceCounts{FailDay: 400}, true, false},
		{"network, users", &def, 4, SourceCounts{FailDay: 20, UsersDay: 20}, true, false},
		{"successes at 20%", &def, 1, SourceCounts{FailDay: 100, SuccessDay: 25}, false, false},
		{"successes under 20%", &def, 1, SourceCounts{FailDay: 100, SuccessDay: 24}, true, false},
		{"suspicious thresholds off", &noSuspicious, 1, SourceCounts{FailMinute: 50, FailDay: 500, UsersDay: 50}, false, false},
		{"unknown users", &def, 1, SourceCounts{UnknownDay: 10, FailDay: 10}, false, true},
		{"unknown users under the minimum", &def, 1, SourceCounts{UnknownDay: 9, FailDay: 9}, false, false},
		{"unknown users at 80%", &def, 1, SourceCounts{UnknownDay: 80, FailDay: 100}, true, true},
		{"unknown users under 80%", &def, 1, SourceCounts{UnknownDay: 79, FailDay: 100}, true, false},
		{"successes count as attempts", &def, 1, SourceCounts{UnknownDay: 10, FailDay: 10, SuccessDay: 5}, false, false},
		{"network, unknown users under 4x", &def, 4, SourceCounts{UnknownDay: 39, FailDay: 39}, false, false},
		{"network, unknown users at 4x", &def, 4, SourceCounts{UnknownDay: 40, FailDay: 40}, false, true},
		{"enumeration threshold off", &noEnumeration, 1, SourceCounts{UnknownDay: 50, FailDay: 50}, false, false},
	} {
		if got := tt.cfg.suspicious(&tt.s, tt.f); got != tt.suspicious {
			t.Errorf("%s: suspicious = %v, want %v", tt.name, got, tt.suspicious)
		}
		if got := tt.cfg.enumerating(&tt.s, tt.f); got != tt.enumerating {
			t.Errorf("%s: enumerating = %v, want %v", tt.name, got, tt.enumerating)
		}
	}
}

// A successful sign-in makes its address and its network known for the
// user for exactly Windows.KnownSource (30 days by default); a source the
// user never signed in from is not known.
func TestKnownSourcePeriod(t *testing.T) {
	r := newRig(t, DefaultConfig())
	if l := r.fail(t0, "192.0.2.1", "kim"); has(l, LabelKnownSource) {
		t.Fatalf("a source never signed in from is known: %v", l)
	}
	r.succeed(t0, "192.0.2.1", "kim")
	last, end := t0.Add(30*24*time.Hour-time.Second), t0.Add(30*24*time.Hour)
	for _, tt := range []struct {
		at    time.Time
		ip    string
		known bool
	}{
		{last, "192.0.2.1", true},     // the address
		{last, "192.0.2.77", true},    // its /24
		{last, "198.51.100.1", false}, // elsewhere
		{end, "192.0.2.1", false},
		{end, "192.0.2.77", false},
	} {
		if l := r.fail(tt.at, tt.ip, "kim"); has(l, LabelKnownSource) != tt.known {
			t.Errorf("%s at %v: %v, want known=%v", tt.ip, tt.at.Sub(t0), l, tt.known)
		}
	}
}

// Only sign-in and recovery calls are attempts at a secret: a failed call
// that only sends an SMS neither counts towards brute force nor gets the
// user or source labels. A zero BruteForce or UnderAttackFailures
// disables its label; an account is under attack from exactly
// UnderAttackSources sources.
func TestAttemptsAndDisabledLabels(t *testing.T) {
	r := newRig(t, DefaultConfig())
	for range 10 {
		r.call(t0, "203.0.113.9", "GetUserAttributeVerificationCode", "lee", 400, "NotAuthorizedException", "")
	}
	if l := r.fail(t0, "203.0.113.9", "lee"); has(l, LabelBruteForce) {
		t.Fatalf("SMS calls counted as attempts: %v", l)
	}
	for i := range 5 {
		r.fail(t0, "192.0.2.5", fmt.Sprintf("leaked%d", i)) // a suspicious source
	}
	if l := r.call(t0, "192.0.2.5", "GetUserAttributeVerificationCode", "leaked0", 200, "", `{"CodeDeliveryDetails":{"DeliveryMedium":"SMS"}}`); has(l, LabelSuspicious) || has(l, LabelBruteForce) {
		t.Fatalf("an SMS call labelled as an attempt: %v", l)
	}

	cfg := DefaultConfig()
	cfg.BruteForce, cfg.UnderAttackFailures = 0, 0
	r = newRig(t, cfg)
	for i := range 20 {
		r.fail(t0, fmt.Sprintf("10.%d.0.1", i%4), "mia")
	}
	if l := r.fail(t0, "10.0.0.1", "mia"); has(l, LabelBruteForce) || has(l, LabelUnderAttack) {
		t.Fatalf("disabled labels given: %v", l)
	}

	r = newRig(t, DefaultConfig())
	for i := range 10 {
		r.fail(t0, fmt.Sprintf("10.%d.0.1", i%3), "noa") // 3 sources, 10 failures
	}
	if l := r.fail(t0, "10.0.0.1", "noa"); !has(l, LabelUnderAttack) {
		t.Fatalf("10 failures from 3 sources: %v, want under attack", l)
	}
}

// Which operations the tracker counts, and how: sign-ins (a refresh is no
// attempt at a secret), account recovery, and calls that may send an SMS
// (a sign-up or attribute update only with a phone number). Category
// names sign-in first, then recovery, then SMS; a nil Tracker tracks
// nothing.
func TestOperationClasses(t *testing.T) {
	tr := New(DefaultConfig(), NewMemory(0), NewHasher(nil), nil)
	for _, tt := range []struct {
		op, flow, phone string
		category        int // index in Categories; -1: not tracked
	}{
		{"InitiateAuth", "USER_PASSWORD_AUTH", "", 0},
		{"AdminInitiateAuth", "USER_SRP_AUTH", "", 0},
		{"InitiateAuth", "REFRESH_TOKEN_AUTH", "", -1},
		{"RespondToAuthChallenge", "", "", 0},
		{"ForgotPassword", "", "", 1},
		{"ResendConfirmationCode", "", "", 1},
		{"ConfirmForgotPassword", "", "", 1},
		{"ConfirmSignUp", "", "", 1},
		{"GetUserAttributeVerificationCode", "", "", 2},
		{"SignUp", "", "+33612345678", 2},
		{"UpdateUserAttributes", "", "+33612345678", 2},
		{"SignUp", "", "", -1},
		{"ListUsers", "", "", -1},
	} {
		v := &request.View{Operation: tt.op, AuthFlow: tt.flow, Username: "u", Phone: tt.phone, ClientIP: netip.MustParseAddr("192.0.2.1")}
		if tt.phone != "" {
			v.PhoneCC = "+33"
		}
		tracked := tt.category >= 0
		if got := tr.Tracks(v); got != tracked {
			t.Errorf("%s %s: Tracks = %v, want %v", tt.op, tt.flow, got, tracked)
		}
		var x Exchange
		if err := tr.Before(context.Background(), t0, v, &x); err != nil {
			t.Fatal(err)
		}
		if x.Tracked() != tracked || x.Category() != tt.category {
			t.Errorf("%s %s: Tracked %v, Category %d; want %v, %d", tt.op, tt.flow, x.Tracked(), x.Category(), tracked, tt.category)
		}
		maySend := tt.op == "ForgotPassword" || tt.op == "ResendConfirmationCode" || tt.category == 2
		if x.Subject.SMS != maySend || x.Snapshot.SMSReserved != maySend {
			t.Errorf("%s %s: SMS %v, reserved %v; want %v", tt.op, tt.flow, x.Subject.SMS, x.Snapshot.SMSReserved, maySend)
		}
	}
	if (*Tracker)(nil).Tracks(&request.View{Operation: "InitiateAuth"}) {
		t.Error("a nil Tracker tracks")
	}
}

// NeedsBody asks for the body of every answer After reads it from: any
// 2xx (Classify reads a success from its body alone) and errors without an
// x-amzn-ErrorType header (their __type); never for an untracked call.
func TestNeedsBody(t *testing.T) {
	tr := New(DefaultConfig(), NewMemory(0), NewHasher(nil), nil)
	var signIn, other Exchange
	for op, x := range map[string]*Exchange{"InitiateAuth": &signIn, "ListUsers": &other} {
		v := &request.View{Operation: op, AuthFlow: "USER_PASSWORD_AUTH", Username: "u", ClientIP: netip.MustParseAddr("192.0.2.1")}
		if err := tr.Before(context.Background(), t0, v, x); err != nil {
			t.Fatal(err)
		}
	}
	for _, tt := range []struct {
		x       *Exchange
		status  int
		errType string
		want    bool
	}{
		{&signIn, 200, "", true},
		{&signIn, 200, "NotAuthorizedException:", true},
		{&signIn, 400, "NotAuthorizedException:", false},
		{&signIn, 400, "", true},
		{&signIn, 500, "", true},
		{&other, 200, "", false},
		{&other, 400, "", false},
	} {
		if got := tr.NeedsBody(tt.x, tt.status, tt.errType); got != tt.want {
			t.Errorf("tracked %v, %d %q: NeedsBody = %v, want %v", tt.x.Tracked(), tt.status, tt.errType, got, tt.want)
		}
	}
}

func TestMemoryBounded(t *testing.T) {
	m := NewMemory(2048)
	w := DefaultConfig().Windows
	for i := range 10000 {
		s := Subject{IP: uint64(i)*0x9e3779b97f4a7c15 + 1}
		_ = m.Record(context.Background(), t0, &w, &s, Event{Kind: WrongCredentials, Attempt: true})
	}
	if n, _ := m.Len(); n > 2048 {
		t.Fatalf("%d records held, bound 2048", n)
	}
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// The user and user-source labels are for attempts at a secret: a call
// that only sends an SMS gets none of them, though its user is under
// attack, brute-forced from its source, or signing in from a known one.
func TestUserLabelsOnlyForAttempts(t *testing.T) {
	r := newRig(t, DefaultConfig())
	r.succeed(t0, "192.0.2.1", "lee") // known at home
	for i := range 12 {               // 10 failures from 10.0.0.1, 1 from each of two others
		r.fail(t0, fmt.Sprintf("10.%d.0.1", max(i-9, 0)), "lee")
	}
	if l := r.fail(t0, "10.0.0.1", "lee"); !has(l, LabelBruteForce) || !has(l, LabelUnderAttack) {
		t.Fatalf("a sign-in: %v, want brute force and under attack", l)
	}
	sms := `{"CodeDeliveryDetails":{"DeliveryMedium":"SMS"}}`
	for _, ip := range []string{"10.0.0.1", "192.0.2.1"} {
		l := r.call(t0, ip, "GetUserAttributeVerificationCode", "lee", 200, "", sms)
		for _, label := range []string{LabelKnownSource, LabelBruteForce, LabelUnderAttack} {
			if has(l, label) {
				t.Errorf("an SMS call from %s labelled %s: %v", ip, label, l)
			}
		}
	}
}

// Before adds its labels to the request's without allocating while both
// fit the exchange's buffer (12), and keeps every label when they do not.
func TestBeforeLabelBuffer(t *testing.T) {
	tr := New(DefaultConfig(), NewMemory(0), NewHasher(nil), nil)
	ip := netip.MustParseAddr("192.0.2.1")
	signIn := &request.View{Operation: "InitiateAuth", AuthFlow: "USER_PASSWORD_AUTH", Username: "uma", ClientIP: ip}
	var x Exchange
	if err := tr.Before(context.Background(), t0, signIn, &x); err != nil {
		t.Fatal(err)
	}
	if _, err := tr.After(context.Background(), t0, signIn, &x, 200, "", []byte(`{"AuthenticationResult":{}}`)); err != nil {
		t.Fatal(err)
	}
	for _, before := range []int{0, 11, 12, 20} { // the request's labels; Before adds one: known
		own := make([]string, before)
		for i := range own {
			own[i] = fmt.Sprintf("signals:%d", i)
		}
		want := append(slices.Clone(own), LabelKnownSource)
		v := *signIn
		allocs := testing.AllocsPerRun(10, func() {
			v.Labels = own[:before:before]
			if err := tr.Before(context.Background(), t0, &v, &x); err != nil {
				t.Fatal(err)
			}
		})
		if !slices.Equal(v.Labels, want) || !slices.Equal(own, want[:before]) {
			t.Errorf("%d labels before: %v, want %v (and the request's own unchanged)", before, v.Labels, want)
		}
		if before+1 <= 12 && allocs != 0 {
			t.Errorf("%d labels before: %v allocations, want none", before, allocs)
		}
	}
}

// countingStore counts the Record calls that reach its Memory.
type countingStore struct {
	*Memory
	records int
}

func (s *countingStore) Record(ctx context.Context, now time.Time, w *Windows, sub *Subject, ev Event) error {
	s.records++
	return s.Memory.Record(ctx, now, w, sub, ev)
}

// After calls the store (a Redis round trip for a shared store) only for
// an answer that taught something: a failed attempt, a successful
// sign-in, a password reset, or an SMS reservation to settle. A throttled
// or challenged sign-in, a sign-up confirmed or an e-mail sent teaches
// nothing.
func TestAfterRecordsOnlyWhatCounts(t *testing.T) {
	sms := `{"CodeDeliveryDetails":{"DeliveryMedium":"SMS"}}`
	for _, tt := range []struct {
		op      string
		status  int
		errType string
		body    string
		want    int
	}{
		{"InitiateAuth", 400, "NotAuthorizedException", "", 1},
		{"InitiateAuth", 200, "", `{"AuthenticationResult":{}}`, 1},
		{"ConfirmForgotPassword", 200, "", `{}`, 1},
		{"ConfirmForgotPassword", 400, "CodeMismatchException", "", 1},
		{"SignUp", 200, "", sms, 1},                         // keeps its reservation
		{"SignUp", 400, "InvalidParameterException", "", 1}, // gives it back
		{"InitiateAuth", 400, "TooManyRequestsException", "", 0},
		{"InitiateAuth", 200, "", `{"ChallengeName":"SMS_MFA","Session":"s"}`, 0},
		{"InitiateAuth", 500, "InternalErrorException", "", 0},
		{"ConfirmSignUp", 200, "", `{}`, 0},
	} {
		st := &countingStore{Memory: NewMemory(0)}
		tr := New(DefaultConfig(), st, NewHasher(nil), nil)
		v := &request.View{Operation: tt.op, AuthFlow: "USER_PASSWORD_AUTH", Username: "val", ClientIP: netip.MustParseAddr("192.0.2.1")}
		if tt.op == "SignUp" {
			v.Phone, v.PhoneCC = "+33612345678", "+33"
		}
		var x Exchange
		if err := tr.Before(context.Background(), t0, v, &x); err != nil {
			t.Fatal(err)
		}
		if _, err := tr.After(context.Background(), t0, v, &x, tt.status, tt.errType, []byte(tt.body)); err != nil {
			t.Fatal(err)
		}
		if st.records != tt.want {
			t.Errorf("%s answered %d %s%s: %d store records, want %d", tt.op, tt.status, tt.errType, tt.body, st.records, tt.want)
		}
	}
}

// Only a successful sign-in's ID token names the user: a token found in
// a failed sign-in's answer, or in the answer to another call (a password
// reset), teaches no alias.
func TestOnlySignInTokensNameTheUser(t *testing.T) {
	tok := `{"AuthenticationResult":{"IdToken":"x.` + b64(`{"sub":"s-1","cognito:username":"s-1","email":"wes@example.com"}`) + `.sig"}}`
	for _, tt := range []struct {
		op      string
		status  int
		errType string
		want    int // aliases learnt
	}{
		{"InitiateAuth", 200, "", 3},
		{"InitiateAuth", 400, "NotAuthorizedException", 0},
		{"ConfirmForgotPassword", 200, "", 0},
	} {
		m := NewMemory(0)
		tr := New(DefaultConfig(), m, NewHasher(nil), nil)
		v := &request.View{Operation: tt.op, AuthFlow: "USER_PASSWORD_AUTH", Username: "wes", ClientIP: netip.MustParseAddr("192.0.2.1")}
		var x Exchange
		if err := tr.Before(context.Background(), t0, v, &x); err != nil {
			t.Fatal(err)
		}
		if _, err := tr.After(context.Background(), t0, v, &x, tt.status, tt.errType, []byte(tok)); err != nil {
			t.Fatal(err)
		}
		if _, n := m.Len(); n != tt.want {
			t.Errorf("%s answered %d with an ID token: %d aliases learnt, want %d", tt.op, tt.status, n, tt.want)
		}
	}
}

// A call whose user pool the proxy does not know (an unlisted app client
// passed through) counts its users under its app client, which belongs to
// one pool: one name through two such clients, which may be of two pools,
// is two users, and neither is a listed pool's user of that name.
func TestUnknownPoolCountsPerClient(t *testing.T) {
	tr := New(DefaultConfig(), NewMemory(0), NewHasher([]byte("k")), nil)
	call := func(pool, client string, answer bool) Snapshot {
		t.Helper()
		v := &request.View{Operation: "InitiateAuth", AuthFlow: "USER_PASSWORD_AUTH", UserPool: pool, ClientID: client,
			Username: "alice@example.com", ClientIP: netip.MustParseAddr("203.0.113.9")}
		var x Exchange
		if err := tr.Before(context.Background(), t0, v, &x); err != nil {
			t.Fatal(err)
		}
		if answer {
			if _, err := tr.After(context.Background(), t0, v, &x, 400, "NotAuthorizedException", nil); err != nil {
				t.Fatal(err)
			}
		}
		return x.Snapshot
	}
	for range 3 {
		call("", "client-1", true)
	}
	for _, tt := range []struct {
		pool, client string
		want         int
	}{
		{"", "client-1", 3},
		{"", "client-2", 0},
		{"eu-west-1_A", "client-1", 0},
	} {
		if got := call(tt.pool, tt.client, false).PairFail; got != tt.want {
			t.Errorf("pool %q, client %q: %d failures, want %d", tt.pool, tt.client, got, tt.want)
		}
	}
}

package outcome

import (
	"context"
	"encoding/base64"
	"strings"
	"sync/atomic"
	"time"

	"github.com/tidwall/gjson"

	"github.com/poolguard/poolguard/internal/edge/request"
)

// The labels the tracker adds to a request before the web ACL runs.
const (
	// LabelSuspicious marks a source (address or network) with many failed
	// sign-in or recovery attempts across users and a low success ratio.
	LabelSuspicious = "poolguard:outcome:source:suspicious"
	// LabelEnumerating marks a source whose attempts are mostly answered
	// UserNotFoundException.
	LabelEnumerating = "poolguard:outcome:source:enumerating"
	// LabelBruteForce marks a request for a user from a source (address or
	// network) that failed for that user BruteForce.Threshold times and is
	// not known for it.
	LabelBruteForce = "poolguard:outcome:user-source:brute-force"
	// LabelKnownSource marks a request for a user from an address or
	// network the user signed in from successfully within the known-source
	// period.
	LabelKnownSource = "poolguard:outcome:user-source:known"
	// LabelUnderAttack marks a request for a user who collected failures
	// from many sources.
	LabelUnderAttack = "poolguard:outcome:user:under-attack"
	// LabelSMSExhausted marks a request that may send an SMS while an SMS
	// budget has none left.
	LabelSMSExhausted = "poolguard:sms:budget-exhausted"
)

// Labels lists every label the tracker adds, in the order it adds them.
var Labels = [...]string{LabelKnownSource, LabelBruteForce, LabelUnderAttack, LabelSuspicious, LabelEnumerating, LabelSMSExhausted}

// Config holds the thresholds. A zero threshold disables its label.
type Config struct {
	// BruteForce: failures for one user from one address (or network).
	BruteForce int
	// Suspicious source: failures per minute (burst) and per day, distinct
	// users failed per day, each with a success ratio (successes over
	// attempts, in percent) below SuspiciousMaxSuccessPercent.
	SuspiciousPerMinute, SuspiciousPerDay, SuspiciousUsersPerDay int
	SuspiciousMaxSuccessPercent                                  int
	// UnderAttack: failures for one user from at least
	// UnderAttackSources distinct sources in Windows.UnderAttack.
	UnderAttackFailures, UnderAttackSources int
	// Enumeration: at least EnumerationMinimum unknown-user answers per
	// day making at least EnumerationPercent of the source's attempts.
	EnumerationMinimum, EnumerationPercent int
	// NetworkFactor multiplies the source thresholds for an IPv4 /24
	// (an IPv6 /64 is one host's and uses them as they are).
	NetworkFactor int
	// Windows are the store's windows and SMS budgets.
	Windows Windows
}

// DefaultConfig returns the defaults of the cognito-attack-protection
// preset (modelled on Auth0's Attack Protection: brute-force threshold 10,
// suspicious IP throttling at 100 failures a day with bursts of 10 a
// minute).
func DefaultConfig() Config {
	return Config{
		BruteForce:          10,
		SuspiciousPerMinute: 10, SuspiciousPerDay: 100, SuspiciousUsersPerDay: 5, SuspiciousMaxSuccessPercent: 20,
		UnderAttackFailures: 10, UnderAttackSources: 3,
		EnumerationMinimum: 10, EnumerationPercent: 80,
		NetworkFactor: 4,
		Windows: Windows{
			BruteForce: time.Hour, UnderAttack: time.Hour, KnownSource: 30 * 24 * time.Hour,
		},
	}
}

// Stats are the tracker's counters since it was created, for metrics. Each
// field is safe for concurrent use.
type Stats struct {
	// Outcomes counts classified answers by Kind.
	Outcomes [len(kindNames)]atomic.Uint64
	// Labelled counts requests given each label, by index in Labels.
	Labelled [len(Labels)]atomic.Uint64
	// StoreErrors counts store calls that failed.
	StoreErrors atomic.Uint64
	// SMSSent counts SMS Cognito reported delivering.
	SMSSent atomic.Uint64
}

// Tracker classifies Cognito's answers, counts them in a Store and labels
// requests from the counts. A Tracker is immutable and safe for concurrent
// use; its Store and Stats outlive reloads.
type Tracker struct {
	cfg    Config
	store  Store
	hasher *Hasher
	stats  *Stats
}

// New returns a tracker with cfg over store; hasher makes its keys and
// stats (which may be nil) receives its counts.
func New(cfg Config, store Store, hasher *Hasher, stats *Stats) *Tracker {
	if stats == nil {
		stats = new(Stats)
	}
	if cfg.NetworkFactor < 1 {
		cfg.NetworkFactor = 1
	}
	return &Tracker{cfg: cfg, store: store, hasher: hasher, stats: stats}
}

// Stats returns the tracker's counters.
func (t *Tracker) Stats() *Stats { return t.stats }

// Exchange is one request's tracking state, kept by the proxy from Before
// to After. Its zero value is ready; the proxy reuses it between requests.
type Exchange struct {
	// Subject is whom the request is about.
	Subject Subject
	// Snapshot is what the store read before the request.
	Snapshot Snapshot
	// Kind is the classified answer (Unclassified until After).
	Kind Kind
	// Added are the labels Before added (a prefix of labels).
	Added  []string
	class  opClass
	added  [len(Labels)]string
	labels [12]string
}

// Categories are the operation categories Exchange.Category returns.
var Categories = [...]string{"sign_in", "recovery", "sms"}

// Category returns the index in Categories of how the request's answers
// count: a sign-in, an account-recovery call, or an SMS-sending call; -1
// when not tracked.
func (x *Exchange) Category() int {
	switch {
	case x.class&classSignIn != 0:
		return 0
	case x.class&classRecovery != 0:
		return 1
	case x.class&classSMS != 0:
		return 2
	}
	return -1
}

// Kinds lists the kind names, indexed by Kind.
func Kinds() []string { return kindNames[:] }

// Tracked reports whether Before counted the request's operation (so After
// will count its answer).
func (x *Exchange) Tracked() bool { return x.class != classNone }

// opClass says how an operation's answers count.
type opClass uint8

const (
	classNone     opClass = 0
	classSignIn   opClass = 1 << 0
	classRecovery opClass = 1 << 1
	classSMS      opClass = 1 << 2
)

// classOf returns how v's operation counts.
func classOf(v *request.View) opClass {
	switch v.Operation {
	case "InitiateAuth", "AdminInitiateAuth":
		if strings.HasPrefix(v.AuthFlow, "REFRESH_TOKEN") {
			return classNone
		}
		return classSignIn
	case "RespondToAuthChallenge", "AdminRespondToAuthChallenge":
		return classSignIn
	case "ForgotPassword", "ResendConfirmationCode":
		return classRecovery | classSMS
	case "ConfirmForgotPassword", "ConfirmSignUp":
		return classRecovery
	case "GetUserAttributeVerificationCode":
		return classSMS
	case "SignUp", "UpdateUserAttributes":
		if v.Phone != "" {
			return classSMS
		}
	}
	return classNone
}

// Tracks reports whether the tracker counts v's answers at all.
func (t *Tracker) Tracks(v *request.View) bool { return t != nil && classOf(v) != classNone }

// Before reads the counts of v's subject, reserves an SMS for a call that
// may send one, and appends the labels that apply to v.Labels. It does
// nothing for calls it does not count. An error means the store could not
// answer; v then has no outcome labels.
func (t *Tracker) Before(ctx context.Context, now time.Time, v *request.View, x *Exchange) error {
	x.class = classOf(v)
	x.Kind = Unclassified
	x.Added = nil
	if x.class == classNone {
		return nil
	}
	s := &x.Subject
	*s = Subject{Literal: t.hasher.User(poolOf(v), v.Username)}
	s.IP, s.Net = t.hasher.Addr(v.ClientIP)
	if x.class&classSMS != 0 {
		s.SMS = true
		s.Number, s.CallingCode = t.hasher.Phone(v.Phone), t.hasher.CallingCode(v.PhoneCC)
	}
	if err := t.store.Check(ctx, now, &t.cfg.Windows, s, &x.Snapshot); err != nil {
		t.stats.StoreErrors.Add(1)
		x.class = classNone
		return err
	}
	v.UserID = s.User
	added := t.labels(x, v.ClientIP.Unmap().Is4())
	if len(added) == 0 {
		return nil
	}
	x.Added = added
	// In x.labels while they fit; append moves them to a new array when
	// they do not.
	v.Labels = append(append(x.labels[:0], v.Labels...), added...)
	return nil
}

// labels writes the labels that apply into the start of x.labels and
// returns them.
func (t *Tracker) labels(x *Exchange, ipv4 bool) []string {
	c, snap := &t.cfg, &x.Snapshot
	out := x.added[:0]
	add := func(i int) {
		out = append(out, Labels[i])
		t.stats.Labelled[i].Add(1)
	}
	known := snap.KnownIP || snap.KnownNet
	nf := 1
	if ipv4 {
		nf = c.NetworkFactor
	}
	if x.Subject.User != 0 && x.class&(classSignIn|classRecovery) != 0 {
		if known {
			add(0)
		}
		if !known && c.BruteForce > 0 && (snap.PairFail >= c.BruteForce || snap.NetPairFail >= c.BruteForce*nf) {
			add(1)
		}
		if c.UnderAttackFailures > 0 && snap.UserFail >= c.UnderAttackFailures && snap.UserSources >= c.UnderAttackSources {
			add(2)
		}
	}
	if x.class&(classSignIn|classRecovery) != 0 {
		if c.suspicious(&snap.Source, 1) || c.suspicious(&snap.Network, nf) {
			add(3)
		}
		if c.enumerating(&snap.Source, 1) || c.enumerating(&snap.Network, nf) {
			add(4)
		}
	}
	if snap.SMSExhausted {
		add(5)
	}
	return out
}

func (c *Config) suspicious(s *SourceCounts, f int) bool {
	many := c.SuspiciousPerMinute > 0 && s.FailMinute >= c.SuspiciousPerMinute*f ||
		c.SuspiciousPerDay > 0 && s.FailDay >= c.SuspiciousPerDay*f ||
		c.SuspiciousUsersPerDay > 0 && s.UsersDay >= c.SuspiciousUsersPerDay*f
	return many && s.SuccessDay*100 < c.SuspiciousMaxSuccessPercent*(s.SuccessDay+s.FailDay)
}

func (c *Config) enumerating(s *SourceCounts, f int) bool {
	return c.EnumerationMinimum > 0 && s.UnknownDay >= c.EnumerationMinimum*f &&
		s.UnknownDay*100 >= c.EnumerationPercent*(s.FailDay+s.SuccessDay)
}

// NeedsBody reports whether After needs the answer's body: for successes
// (the delivery medium, the tokens naming the user) and for errors without
// an x-amzn-ErrorType header.
func (t *Tracker) NeedsBody(x *Exchange, status int, errType string) bool {
	if x.class == classNone {
		return false
	}
	return status/100 == 2 || errType == ""
}

// After classifies Cognito's answer to v (status, x-amzn-ErrorType and,
// when NeedsBody said so, the body) and counts it. It returns the kind.
func (t *Tracker) After(ctx context.Context, now time.Time, v *request.View, x *Exchange, status int, errType string, body []byte) (Kind, error) {
	if x.class == classNone {
		return Unclassified, nil
	}
	k := Classify(v.Operation, status, errType, body)
	x.Kind = k
	t.stats.Outcomes[k].Add(1)
	if k == SMSSent {
		t.stats.SMSSent.Add(1)
	}
	ev := Event{
		Kind:          k,
		Attempt:       x.class&(classSignIn|classRecovery) != 0,
		SignIn:        x.class&classSignIn != 0,
		PasswordReset: k == Success && v.Operation == "ConfirmForgotPassword",
		Reserved:      x.Snapshot.SMSReserved,
	}
	if k == Success && ev.SignIn {
		t.learn(&ev, x, poolOf(v), body)
	}
	if !ev.Reserved && !k.Failure() && !(ev.SignIn && k == Success) && !ev.PasswordReset {
		return k, nil
	}
	if err := t.store.Record(ctx, now, &t.cfg.Windows, &x.Subject, ev); err != nil {
		t.stats.StoreErrors.Add(1)
		return k, err
	}
	return k, nil
}

// poolOf returns the user pool v's user names are hashed in: v.UserPool,
// or for a call whose pool the proxy does not know (an unlisted client
// passed through) its app client, which belongs to one pool ("/" never
// appears in a user pool id).
func poolOf(v *request.View) string {
	if v.UserPool != "" {
		return v.UserPool
	}
	return "client/" + v.ClientID
}

// learn names the user of a successful sign-in in pool from its ID token
// (sub, cognito:username, email), so that every alias resolves to one
// user.
func (t *Tracker) learn(ev *Event, x *Exchange, pool string, body []byte) {
	id := gjson.GetBytes(body, "AuthenticationResult.IdToken").Str
	claims := jwtPayload(id)
	if len(claims) == 0 {
		return
	}
	r := gjson.GetManyBytes(claims, "sub", "cognito:username", "email")
	if r[0].Str == "" {
		return
	}
	ev.User = t.hasher.Sub(pool, r[0].Str)
	ev.Aliases = [3]uint64{x.Subject.Literal, t.hasher.User(pool, r[1].Str), t.hasher.User(pool, r[2].Str)}
}

// jwtPayload returns the decoded payload of a JWT, unverified: the token
// comes from the upstream over the proxy's own connection and only names
// whose counters an answer goes to.
func jwtPayload(tok string) []byte {
	_, rest, ok := strings.Cut(tok, ".")
	if !ok {
		return nil
	}
	payload, _, ok := strings.Cut(rest, ".")
	if !ok {
		return nil
	}
	out, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(payload, "="))
	if err != nil {
		return nil
	}
	return out
}

package outcome

import (
	"context"
	"time"
)

// Subject names who a request is about, as keyed 64-bit hashes (never the
// address, user name or number itself). Zero means absent.
type Subject struct {
	// Literal is the normalised user name the request names.
	Literal uint64
	// User is the resolved user: the user Literal is an alias of, once an
	// answer taught it, else Literal. Store.Check sets it.
	User uint64
	// IP is the client address; Net its network (/24 for IPv4, /64 for
	// IPv6).
	IP, Net uint64
	// Number and CallingCode are the phone number the request would send
	// an SMS to and its country calling code, when the request names one.
	Number, CallingCode uint64
	// SMS reports whether the request may send an SMS, so Check reserves
	// one against the budgets.
	SMS bool
}

// SourceCounts are one source's (an address's or a network's) counts.
type SourceCounts struct {
	// FailMinute and FailDay are failed attempts (wrong credentials,
	// unknown users, wrong codes) in the last minute and day.
	FailMinute, FailDay int
	// SuccessDay are successful sign-ins in the last day.
	SuccessDay int
	// UnknownDay are unknown-user answers in the last day.
	UnknownDay int
	// UsersDay are the distinct users with a failure from the source in the
	// last day (each (user, source) pair counts once per brute-force window).
	UsersDay int
}

// Snapshot is what Store.Check read for a request.
type Snapshot struct {
	// Source and Network are the counts of the client address and its network.
	Source, Network SourceCounts
	// PairFail and NetPairFail are the resolved user's failures from the
	// address and from its network in the brute-force window.
	PairFail, NetPairFail int
	// KnownIP and KnownNet report whether the user signed in successfully
	// from the address, or its network, within the known-source period.
	KnownIP, KnownNet bool
	// UserFail and UserSources are the user's failures, and the distinct
	// sources they came from, in the under-attack window.
	UserFail, UserSources int
	// SMSReserved reports that an SMS was reserved against the budgets
	// (settle it with Event.Reserved); SMSExhausted that a budget had none left.
	SMSReserved, SMSExhausted bool
	// SMSHour, SMSDay, CallingCodeHour and CallingCodeDay are the SMS
	// counts (reservations included) in the current hour and day.
	SMSHour, SMSDay, CallingCodeHour, CallingCodeDay int64
}

// Event is what Cognito's answer taught about a request's subject.
type Event struct {
	// Kind is the classified answer.
	Kind Kind
	// Attempt reports whether the call was a sign-in or account-recovery
	// attempt, whose failures count.
	Attempt bool
	// SignIn reports whether the call was a sign-in, whose success makes
	// its source known for the user and clears the pair's failures.
	SignIn bool
	// PasswordReset reports a confirmed password reset (or a successful
	// confirmation) that clears the user's brute-force counts.
	PasswordReset bool
	// Reserved settles the SMS reserved by Check: kept when Kind is
	// SMSSent, given back otherwise.
	Reserved bool
	// User is the user the answer names (a hash of its sub), when it
	// names one; Aliases are the user names that reach it (the literal
	// the client sent, cognito:username, email), each learnt to resolve
	// to User.
	User    uint64
	Aliases [3]uint64
}

// Windows are the windows and budgets the store counts with. The zero
// value of a field disables what it bounds, but for the two failure
// windows, which then count over an hour.
type Windows struct {
	// BruteForce is how long a (user, source) pair's failures count
	// (0: an hour).
	BruteForce time.Duration
	// UnderAttack is how long a user's failures count (0: an hour).
	UnderAttack time.Duration
	// KnownSource is how long a successful sign-in makes its source known,
	// and how long the aliases it taught resolve to its user.
	KnownSource time.Duration
	// SMSHour, SMSDay, CallingCodeHour and CallingCodeDay are the SMS
	// budgets per hour and day, overall and per country calling code
	// (0: no budget).
	SMSHour, SMSDay, CallingCodeHour, CallingCodeDay int64
}

// Store keeps the outcome counts. Time is an argument; stores never read
// the clock.
//
// Implementations must be safe for concurrent use.
type Store interface {
	// Check resolves s.User, reads the counts of s into snap and, when
	// s.SMS, reserves one SMS if every budget has room.
	Check(ctx context.Context, now time.Time, w *Windows, s *Subject, snap *Snapshot) error
	// Record counts what the answer to a request about s taught.
	Record(ctx context.Context, now time.Time, w *Windows, s *Subject, ev Event) error
}

package outcome

import (
	"context"
	"sync"
	"time"
)

// Record kinds, mixed into a record's key.
const (
	kindSource uint64 = iota + 1
	kindNet
	kindUser
	kindPair
	kindNetPair
	kindAlias
	kindSMSAll
	kindSMSCode
	kindSMSNumber
)

// Slots of a record's counters4, by kind. A source or network record
// counts its failures per minute in rec.a; a pair record its failures in
// rec.a.
const (
	// Source and network records, over a day.
	gFailDay    = 0
	gSuccessDay = 1
	gUnknownDay = 2
	gUsersDay   = 3
	// User records, over the under-attack window.
	gUserFail    = 0
	gUserSources = 1
)

const (
	minute = 60
	day    = 86400
	hour   = 3600
)

// rec is one tracked subject's counts: 36 bytes (TestRecordSize), so that
// with its key and the map's own overhead a tracked source or user costs
// under 128 bytes (BenchmarkMemoryPerTracked).
type rec struct {
	a    counter   // source, network: failures per minute; pair: failures
	g    counters4 // source, network: day counts; user: under-attack counts
	mark uint32    // pair: last success; user: last password reset (Unix s)
	seen uint32    // last update (Unix s)
}

// smsRec is one SMS budget's counts.
type smsRec struct {
	hour, day fixed
}

const shardCount = 64

type memShard struct {
	mu      sync.Mutex
	recs    map[uint64]rec
	aliases map[uint64]alias
	_       [40]byte
}

type alias struct {
	user    uint64
	expires uint32
}

// Memory is the in-process Store: 64 shards of Go maps from a keyed hash to
// a fixed-size record, bounded by a maximum number of records (when full,
// idle records go first, then the least recently updated of a random
// sample). A Memory is safe for concurrent use; create one with NewMemory.
type Memory struct {
	max    int
	shards [shardCount]memShard
	sms    struct {
		sync.Mutex
		m map[uint64]smsRec
	}
}

var _ Store = (*Memory)(nil)

// DefaultMaxRecords is the record bound of the store a proxy opens by
// default: about 120 MB when all 1,048,576 are held (117 B each).
const DefaultMaxRecords = 1 << 20

// NewMemory returns a store holding at most max records and max learnt
// aliases (at least 1,024 of each).
func NewMemory(max int) *Memory {
	if max < 1024 {
		max = 1024
	}
	m := &Memory{max: max}
	for i := range m.shards {
		m.shards[i].recs = make(map[uint64]rec)
		m.shards[i].aliases = make(map[uint64]alias)
	}
	m.sms.m = make(map[uint64]smsRec)
	return m
}

// mix returns the record key of kind for (a, b): a splitmix64 finaliser
// over inputs that are already keyed hashes.
func mix(kind, a, b uint64) uint64 {
	h := a ^ (b*0x9e3779b97f4a7c15 + kind*0xbf58476d1ce4e5b9)
	h ^= h >> 30
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 27
	h *= 0x94d049bb133111eb
	h ^= h >> 31
	if h == 0 {
		h = 1
	}
	return h
}

func (m *Memory) shard(k uint64) *memShard { return &m.shards[k>>58] }

// get returns a copy of the record under k (the zero record if absent).
func (m *Memory) get(k uint64) rec {
	sh := m.shard(k)
	sh.mu.Lock()
	r := sh.recs[k]
	sh.mu.Unlock()
	return r
}

// load locks the shard of k and returns it with a copy of the record
// under k (the zero record if absent); store writes it back and unlocks.
func (m *Memory) load(k uint64) (*memShard, rec) {
	sh := m.shard(k)
	sh.mu.Lock()
	return sh, sh.recs[k]
}

// store writes r under k at Unix second now and unlocks sh, evicting first
// when k is new and the shard is full.
func (m *Memory) store(sh *memShard, k uint64, r rec, now int64) {
	if _, ok := sh.recs[k]; !ok && len(sh.recs) >= m.max/shardCount {
		sh.evict(now)
	}
	r.seen = uint32(now)
	sh.recs[k] = r
	sh.mu.Unlock()
}

// evict drops idle records (nothing counted for a day and no success mark
// worth keeping), or else the least recently updated of a sample of 32.
func (sh *memShard) evict(now int64) {
	var oldest uint64
	var oldestSeen uint32
	n := 0
	for k, r := range sh.recs {
		if now-int64(r.seen) > day && now-int64(r.mark) > 30*day {
			delete(sh.recs, k)
			return
		}
		// The first record sampled is the oldest so far, whatever its
		// time: a sentinel of the largest time would choose nothing when
		// every record sampled has that time.
		if n == 0 || r.seen < oldestSeen {
			oldest, oldestSeen = k, r.seen
		}
		if n++; n == 32 {
			break
		}
	}
	delete(sh.recs, oldest)
}

// Resolve returns the user lit is an alias of at now, or lit.
func (m *Memory) resolve(lit uint64, now int64) uint64 {
	if lit == 0 {
		return 0
	}
	k := mix(kindAlias, lit, 0)
	sh := m.shard(k)
	sh.mu.Lock()
	a, ok := sh.aliases[k]
	sh.mu.Unlock()
	if ok && int64(a.expires) > now {
		return a.user
	}
	return lit
}

func (m *Memory) learn(lit, user uint64, now int64, life time.Duration) {
	if lit == 0 || user == 0 {
		return
	}
	k := mix(kindAlias, lit, 0)
	sh := m.shard(k)
	sh.mu.Lock()
	if _, ok := sh.aliases[k]; !ok && len(sh.aliases) >= m.max/shardCount {
		for old := range sh.aliases { // a random one: map order
			delete(sh.aliases, old)
			break
		}
	}
	sh.aliases[k] = alias{user: user, expires: uint32(now + int64(life/time.Second))}
	sh.mu.Unlock()
}

// Check implements Store.
func (m *Memory) Check(_ context.Context, now time.Time, w *Windows, s *Subject, snap *Snapshot) error {
	t := now.Unix()
	*snap = Snapshot{}
	s.User = m.resolve(s.Literal, t)
	if s.IP != 0 {
		snap.Source = sourceCounts(m.get(mix(kindSource, s.IP, 0)), t)
	}
	if s.Net != 0 {
		snap.Network = sourceCounts(m.get(mix(kindNet, s.Net, 0)), t)
	}
	if s.User != 0 {
		bf, ua, known := secs(w.BruteForce), secs(w.UnderAttack), int64(w.KnownSource/time.Second)
		u := m.get(mix(kindUser, s.User, 0))
		snap.UserFail, snap.UserSources = u.g.count(gUserFail, t, ua), u.g.count(gUserSources, t, ua)
		if s.IP != 0 {
			p := m.get(mix(kindPair, s.User, s.IP))
			snap.PairFail = pairFail(p, u, t, bf)
			snap.KnownIP = p.mark != 0 && t-int64(p.mark) < known
		}
		if s.Net != 0 {
			p := m.get(mix(kindNetPair, s.User, s.Net))
			snap.NetPairFail = pairFail(p, u, t, bf)
			snap.KnownNet = p.mark != 0 && t-int64(p.mark) < known
		}
	}
	if s.SMS {
		m.reserve(t, w, s, snap)
	}
	return nil
}

// pairFail is a pair's failure count, none of which count from before the
// user's latest password reset: a pair not counted since the reset (or in
// its second, which the store cannot order) has none.
func pairFail(p, u rec, now, window int64) int {
	if u.mark != 0 && p.seen <= u.mark {
		return 0
	}
	return p.a.count(now, window)
}

// clearBeforeReset empties the failures of pair record p when they were
// all counted no later than reset, the Unix second of the user's latest
// password reset (0: none). Failures of the reset's own second count as
// before it, whichever came first: the user who reset her password is not
// labelled for a typo made then, and an attacker, who cannot make a reset
// succeed without the code sent to the user, gains nothing she can plan.
//
// Without a reset (0) only an absent pair has seen <= 0, and it has no
// failures to clear.
func clearBeforeReset(p *rec, reset uint32) {
	if p.seen <= reset {
		p.a = counter{}
	}
}

func secs(d time.Duration) int64 {
	if s := int64(d / time.Second); s > 0 {
		return s
	}
	return hour
}

func sourceCounts(r rec, t int64) SourceCounts {
	return SourceCounts{
		FailMinute: r.a.count(t, minute),
		FailDay:    r.g.count(gFailDay, t, day),
		SuccessDay: r.g.count(gSuccessDay, t, day),
		UnknownDay: r.g.count(gUnknownDay, t, day),
		UsersDay:   r.g.count(gUsersDay, t, day),
	}
}

// reserve takes one SMS from the global and calling-code budgets if both
// have room; both are updated under one lock, so the budgets hold exactly.
func (m *Memory) reserve(t int64, w *Windows, s *Subject, snap *Snapshot) {
	m.sms.Lock()
	defer m.sms.Unlock()
	all := m.sms.m[mix(kindSMSAll, 0, 0)]
	var cc smsRec
	ccKey := mix(kindSMSCode, s.CallingCode, 0)
	if s.CallingCode != 0 {
		cc = m.sms.m[ccKey]
	}
	snap.SMSHour, snap.SMSDay = all.hour.value(t, hour), all.day.value(t, day)
	snap.CallingCodeHour, snap.CallingCodeDay = cc.hour.value(t, hour), cc.day.value(t, day)
	if over(snap.SMSHour, w.SMSHour) || over(snap.SMSDay, w.SMSDay) ||
		s.CallingCode != 0 && (over(snap.CallingCodeHour, w.CallingCodeHour) || over(snap.CallingCodeDay, w.CallingCodeDay)) {
		snap.SMSExhausted = true
		return
	}
	all.hour.add(t, hour, 1)
	all.day.add(t, day, 1)
	m.sms.m[mix(kindSMSAll, 0, 0)] = all
	if s.CallingCode != 0 {
		cc.hour.add(t, hour, 1)
		cc.day.add(t, day, 1)
		m.sms.m[ccKey] = cc
	}
	snap.SMSReserved = true
	snap.SMSHour++
	snap.SMSDay++
	if s.CallingCode != 0 {
		snap.CallingCodeHour++
		snap.CallingCodeDay++
	}
}

// over reports whether n has reached budget (0: no budget).
func over(n, budget int64) bool { return budget > 0 && n >= budget }

// release gives back an SMS reserved at reservedAt that was not sent.
func (m *Memory) release(t int64, s *Subject) {
	m.sms.Lock()
	defer m.sms.Unlock()
	for _, k := range [2]uint64{mix(kindSMSAll, 0, 0), mix(kindSMSCode, s.CallingCode, 0)} {
		if k == mix(kindSMSCode, 0, 0) && s.CallingCode == 0 {
			continue
		}
		r := m.sms.m[k]
		r.hour.add(t, hour, -1)
		r.day.add(t, day, -1)
		m.sms.m[k] = r
	}
}

// Record implements Store.
func (m *Memory) Record(_ context.Context, now time.Time, w *Windows, s *Subject, ev Event) error {
	t := now.Unix()
	if ev.Reserved && ev.Kind != SMSSent {
		m.release(t, s)
	}
	if ev.User != 0 {
		for _, a := range ev.Aliases {
			m.learn(a, ev.User, t, w.KnownSource)
		}
		if s.User == 0 || s.User == s.Literal {
			s.User = ev.User
		}
	}
	switch {
	case ev.Attempt && ev.Kind.Failure():
		m.recordFailure(t, w, s, ev.Kind)
	case ev.SignIn && ev.Kind == Success:
		m.recordSuccess(t, s)
	}
	if ev.PasswordReset && s.User != 0 {
		k := mix(kindUser, s.User, 0)
		sh, r := m.load(k)
		r.mark = uint32(t)
		m.store(sh, k, r, t)
	}
	return nil
}

// recordFailure counts a failure for its sources, its user and the user's
// pairs with them. A pair last counted no later than the user's latest
// password reset starts again from this failure: the failures before the
// reset never count again (pairFail only hides them until then).
func (m *Memory) recordFailure(t int64, w *Windows, s *Subject, k Kind) {
	bf, ua := secs(w.BruteForce), secs(w.UnderAttack)
	newPair := false
	reset := m.get(mix(kindUser, s.User, 0)).mark // no user: no record, 0
	if s.User != 0 && s.IP != 0 {
		key := mix(kindPair, s.User, s.IP)
		sh, r := m.load(key)
		newPair = r.a.count(t, bf) == 0
		clearBeforeReset(&r, reset)
		r.a.add(t, bf, 1)
		m.store(sh, key, r, t)
	}
	if s.User != 0 && s.Net != 0 {
		key := mix(kindNetPair, s.User, s.Net)
		sh, r := m.load(key)
		clearBeforeReset(&r, reset)
		r.a.add(t, bf, 1)
		m.store(sh, key, r, t)
	}
	if s.User != 0 {
		key := mix(kindUser, s.User, 0)
		sh, r := m.load(key)
		r.g.add(gUserFail, t, ua, 1)
		if newPair {
			r.g.add(gUserSources, t, ua, 1)
		}
		m.store(sh, key, r, t)
	}
	for _, src := range [2][2]uint64{{kindSource, s.IP}, {kindNet, s.Net}} {
		if src[1] == 0 {
			continue
		}
		key := mix(src[0], src[1], 0)
		sh, r := m.load(key)
		r.a.add(t, minute, 1)
		r.g.add(gFailDay, t, day, 1)
		if k == UnknownUser {
			r.g.add(gUnknownDay, t, day, 1)
		}
		if newPair || s.User == 0 {
			r.g.add(gUsersDay, t, day, 1)
		}
		m.store(sh, key, r, t)
	}
}

// recordSuccess counts a sign-in, marks its source known for the user and
// clears the pair's failures.
func (m *Memory) recordSuccess(t int64, s *Subject) {
	for _, src := range [2][2]uint64{{kindSource, s.IP}, {kindNet, s.Net}} {
		if src[1] != 0 {
			key := mix(src[0], src[1], 0)
			sh, r := m.load(key)
			r.g.add(gSuccessDay, t, day, 1)
			m.store(sh, key, r, t)
		}
	}
	if s.User == 0 {
		return
	}
	for _, p := range [2][2]uint64{{kindPair, s.IP}, {kindNetPair, s.Net}} {
		if p[1] != 0 {
			key := mix(p[0], s.User, p[1])
			sh, r := m.load(key)
			r.a = counter{}
			r.mark = uint32(t)
			m.store(sh, key, r, t)
		}
	}
}

// Len returns the number of records and learnt aliases held.
func (m *Memory) Len() (records, aliases int) {
	for i := range m.shards {
		sh := &m.shards[i]
		sh.mu.Lock()
		records += len(sh.recs)
		aliases += len(sh.aliases)
		sh.mu.Unlock()
	}
	return records, aliases
}

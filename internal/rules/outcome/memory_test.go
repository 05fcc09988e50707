package outcome

import (
	"context"
	"testing"
	"time"
)

// Each field of a Subject counts on its own ("zero means absent"): a
// subject with a network and no address counts the network's failures.
func TestMemoryNetworkWithoutAddress(t *testing.T) {
	m := NewMemory(0)
	w := DefaultConfig().Windows
	for range 3 {
		if err := m.Record(context.Background(), t0, &w, &Subject{Net: 42}, Event{Kind: WrongCredentials, Attempt: true}); err != nil {
			t.Fatal(err)
		}
	}
	var snap Snapshot
	if err := m.Check(context.Background(), t0, &w, &Subject{Net: 42}, &snap); err != nil {
		t.Fatal(err)
	}
	if snap.Network.FailDay != 3 || snap.Network.FailMinute != 3 || snap.Source != (SourceCounts{}) {
		t.Fatalf("network %+v, source %+v; want 3 failures for the network alone", snap.Network, snap.Source)
	}
}

// The learnt aliases are bounded like the records: a full shard forgets
// one alias for each it learns, and keeps the others.
func TestMemoryAliasesBounded(t *testing.T) {
	m := NewMemory(0) // 1,024 aliases, 16 a shard
	w := DefaultConfig().Windows
	var last uint64
	for i := range 5000 {
		last = uint64(i+1) * 0x9e3779b97f4a7c15
		ev := Event{Kind: Success, SignIn: true, User: ^last, Aliases: [3]uint64{last}}
		if err := m.Record(context.Background(), t0, &w, &Subject{}, ev); err != nil {
			t.Fatal(err)
		}
	}
	if _, n := m.Len(); n != 1024 {
		t.Fatalf("%d aliases held after learning 5,000; want the bound, 1,024", n)
	}
	s := Subject{Literal: last}
	var snap Snapshot
	if err := m.Check(context.Background(), t0, &w, &s, &snap); err != nil || s.User != ^last {
		t.Fatalf("the alias learnt last resolves to %#x (%v), want %#x", s.User, err, ^last)
	}
}

// The store a proxy opens by default holds about a million records, far
// above NewMemory's floor of 1,024: 8,192 sources are all kept.
func TestDefaultMaxRecords(t *testing.T) {
	m := NewMemory(DefaultMaxRecords)
	w := DefaultConfig().Windows
	for i := range 8192 {
		s := Subject{IP: uint64(i+1) * 0x9e3779b97f4a7c15}
		if err := m.Record(context.Background(), t0, &w, &s, Event{Kind: WrongCredentials, Attempt: true}); err != nil {
			t.Fatal(err)
		}
	}
	if n, _ := m.Len(); n != 8192 {
		t.Fatalf("%d records held of 8,192", n)
	}
}

// The SMS budgets count exactly: Check reports the counts with its own
// reservation, overall and for the number's calling code; either the
// hourly or the daily budget exhausts them; an SMS that was not sent is
// given back to every budget it was taken from, with or without a
// calling code.
func TestMemorySMSCounts(t *testing.T) {
	ctx := context.Background()
	m := NewMemory(0)
	w := Windows{SMSHour: 2, SMSDay: 3}
	check := func(s Subject) Snapshot {
		t.Helper()
		var snap Snapshot
		if err := m.Check(ctx, t0, &w, &s, &snap); err != nil {
			t.Fatal(err)
		}
		return snap
	}
	giveBack := func(s Subject) {
		t.Helper()
		if err := m.Record(ctx, t0, &w, &s, Event{Kind: EmailSent, Reserved: true}); err != nil {
			t.Fatal(err)
		}
	}
	uk := Subject{SMS: true, CallingCode: 44}
	for i, want := range []Snapshot{
		{SMSReserved: true, SMSHour: 1, SMSDay: 1, CallingCodeHour: 1, CallingCodeDay: 1},
		{SMSReserved: true, SMSHour: 2, SMSDay: 2, CallingCodeHour: 2, CallingCodeDay: 2},
		{SMSExhausted: true, SMSHour: 2, SMSDay: 2, CallingCodeHour: 2, CallingCodeDay: 2}, // the hour's budget
	} {
		if got := check(uk); got != want {
			t.Fatalf("check %d: %+v, want %+v", i+1, got, want)
		}
	}
	giveBack(uk)
	want := Snapshot{SMSReserved: true, SMSHour: 2, SMSDay: 2, CallingCodeHour: 2, CallingCodeDay: 2}
	if got := check(uk); got != want {
		t.Fatalf("after giving one back: %+v, want %+v", got, want)
	}
	// Without a calling code, only the overall budget counts.
	m = NewMemory(0)
	w = Windows{SMSHour: 1}
	if got := check(Subject{SMS: true}); !got.SMSReserved || got.CallingCodeHour != 0 {
		t.Fatalf("no calling code: %+v", got)
	}
	giveBack(Subject{SMS: true})
	if got := check(Subject{SMS: true}); !got.SMSReserved || got.SMSHour != 1 {
		t.Fatalf("after giving it back: %+v, want it reserved again", got)
	}
}

// A successful sign-in makes the address known for the user for exactly
// the known-source period, whether or not the subject has a network.
func TestMemoryKnownAddress(t *testing.T) {
	ctx := context.Background()
	m := NewMemory(0)
	w := DefaultConfig().Windows
	s := Subject{Literal: 7, User: 7, IP: 42}
	if err := m.Record(ctx, t0, &w, &s, Event{Kind: Success, SignIn: true}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		at    time.Time
		known bool
	}{
		{t0, true},
		{t0.Add(w.KnownSource - time.Second), true},
		{t0.Add(w.KnownSource), false},
	} {
		var snap Snapshot
		if err := m.Check(ctx, tt.at, &w, &Subject{Literal: 7, IP: 42}, &snap); err != nil {
			t.Fatal(err)
		}
		if snap.KnownIP != tt.known || snap.KnownNet {
			t.Errorf("at %v: KnownIP %v, KnownNet %v; want %v, false", tt.at.Sub(t0), snap.KnownIP, snap.KnownNet, tt.known)
		}
	}
}

// put stores a record under key k (keys below 1<<58 are all in shard 0)
// as last updated at Unix second seen, with a success or reset mark at
// Unix second mark (0: none).
func put(m *Memory, k uint64, seen, mark int64) {
	sh, r := m.load(k)
	r.mark = uint32(mark)
	m.store(sh, k, r, seen)
}

// held reports whether m holds a record under k.
func held(m *Memory, k uint64) bool {
	sh := m.shard(k)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	_, ok := sh.recs[k]
	return ok
}

// A full shard makes room for a new record by dropping one: first an idle
// record (nothing counted for more than a day and no success or reset
// mark from the last 30 days), else the least recently updated. So an
// attacker who floods the store with new records pushes out neither the
// counts of a source failing now (her own included) nor a record whose
// mark still matters (a known source, a reset) while an idle one is left.
// Each row runs in 20 fresh stores: which records eviction meets first
// depends on map order.
func TestEviction(t *testing.T) {
	const (
		now = int64(1_780_000_000)
		h   = int64(hour)
		d   = int64(day)
	)
	type r struct{ seenAgo, markAgo int64 } // markAgo < 0: no mark
	repeat := func(n int, x r) []r {
		out := make([]r, n)
		for i := range out {
			out[i] = x
		}
		return out
	}
	recent := make([]r, 16) // updated 1 to 16 minutes ago
	for i := range recent {
		recent[i] = r{int64(i+1) * minute, -1}
	}
	for _, tt := range []struct {
		name   string
		at     int64 // the time of the insertion
		recs   []r   // the shard's 16 records (its bound under NewMemory(0))
		update int   // index of a record updated instead of a new one inserted; -1: insert
		gone   int   // index of the record that must go; -1: any but keep
		keep   []int
	}{
		{"an idle record goes before older records of known sources", now,
			append(repeat(15, r{5 * d, 5 * d}), r{2 * d, -1}), -1, 15, nil},
		{"a record updated exactly a day ago is not idle yet", now,
			append(repeat(15, r{5 * d, 5 * d}), r{d, -1}), -1, -1, []int{15}},
		{"a mark from exactly 30 days ago still keeps its record", now,
			append(repeat(15, r{30 * d, 30 * d}), r{2 * d, -1}), -1, 15, nil},
		{"a mark older than 30 days keeps nothing", now,
			append(repeat(15, r{5 * d, 5 * d}), r{2 * d, 31 * d}), -1, 15, nil},
		{"with nothing idle the least recently updated goes", now,
			recent, -1, 15, nil},
		{"updating a record of a full shard drops none", now,
			recent, 3, -1, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}},
		{"at the last second a record's time holds, a full shard still makes room", 1<<32 - 1,
			repeat(16, r{0, -1}), -1, -1, nil},
	} {
		for round := range 20 {
			m := NewMemory(0)
			for i, x := range tt.recs {
				mark := int64(0)
				if x.markAgo >= 0 {
					mark = tt.at - x.markAgo
				}
				put(m, uint64(i+1), tt.at-x.seenAgo, mark)
			}
			k := uint64(100) // the new record, in the same shard
			if tt.update >= 0 {
				k = uint64(tt.update + 1)
			}
			put(m, k, tt.at, 0)
			if n, _ := m.Len(); n != len(tt.recs) || !held(m, k) {
				t.Fatalf("%s (round %d): %d records held, the new one %v; want the bound, %d, with the new one", tt.name, round, n, held(m, k), len(tt.recs))
			}
			if tt.gone >= 0 && held(m, uint64(tt.gone+1)) {
				t.Fatalf("%s (round %d): record %d kept, want it dropped", tt.name, round, tt.gone)
			}
			for _, i := range tt.keep {
				if !held(m, uint64(i+1)) {
					t.Fatalf("%s (round %d): record %d dropped, want it kept", tt.name, round, i)
				}
			}
		}
	}
}

// Eviction samples 32 records, not the whole shard, so that its cost
// stays bounded however large shards are: of 64 records (NewMemory(4096))
// it drops the oldest of those it met, one of the 33 oldest, and not
// always the oldest of all (a full scan would).
func TestEvictionSamples(t *testing.T) {
	const now = int64(1_780_000_000)
	notOldest := 0
	for round := range 64 {
		m := NewMemory(4096)
		for i := range 64 { // record i updated i+1 seconds ago
			put(m, uint64(i+1), now-int64(i+1), 0)
		}
		put(m, 1000, now, 0)
		gone := -1
		for i := range 64 {
			if !held(m, uint64(i+1)) {
				gone = i
			}
		}
		if n, _ := m.Len(); n != 64 || gone < 64-33 {
			t.Fatalf("round %d: %d records held, record %d dropped; want 64, one of the 33 oldest (31 to 63)", round, n, gone)
		}
		if gone != 63 {
			notOldest++
		}
	}
	if notOldest == 0 {
		t.Fatal("the oldest record of 64 went in each of 64 evictions: the whole shard was scanned")
	}
}

// check runs m.Check for s at now and returns the snapshot, with s.User
// resolved.
func check(t *testing.T, m *Memory, now time.Time, w *Windows, s *Subject) Snapshot {
	t.Helper()
	var snap Snapshot
	if err := m.Check(context.Background(), now, w, s, &snap); err != nil {
		t.Fatal(err)
	}
	return snap
}

// record runs m.Record for s and ev at now.
func record(t *testing.T, m *Memory, now time.Time, w *Windows, s Subject, ev Event) {
	t.Helper()
	if err := m.Record(context.Background(), now, w, &s, ev); err != nil {
		t.Fatal(err)
	}
}

// An alias a sign-in taught resolves to its user for the known-source
// period and no longer: a user name that changed hands since then counts
// for itself again. Absent aliases (an ID token without an e-mail) are not
// learnt: they would take room in the bounded alias table.
func TestAliasLifetime(t *testing.T) {
	m := NewMemory(0)
	w := DefaultConfig().Windows
	const lit, email, user = 11, 12, 99
	record(t, m, t0, &w, Subject{Literal: lit, User: lit}, Event{Kind: Success, SignIn: true, User: user, Aliases: [3]uint64{lit, email, 0}})
	if _, n := m.Len(); n != 2 {
		t.Fatalf("%d aliases learnt from a user name, an e-mail and an absent alias; want 2", n)
	}
	for _, tt := range []struct {
		at   time.Duration
		want uint64
	}{
		{0, user},
		{w.KnownSource - time.Second, user},
		{w.KnownSource, email},
	} {
		s := Subject{Literal: email}
		if check(t, m, t0.Add(tt.at), &w, &s); s.User != tt.want {
			t.Errorf("at %v: %d resolves to %d, want %d", tt.at, email, s.User, tt.want)
		}
	}
}

// The sign-in that first names a user (its user name not yet an alias)
// counts for the user it names, not for the user name: the source it
// came from is known for her under every alias.
func TestFirstSignInCountsForTheUser(t *testing.T) {
	m := NewMemory(0)
	w := DefaultConfig().Windows
	const lit, email, user, ip = 11, 12, 99, 42
	record(t, m, t0, &w, Subject{Literal: lit, User: lit, IP: ip}, Event{Kind: Success, SignIn: true, User: user, Aliases: [3]uint64{lit, email}})
	for _, name := range []uint64{lit, email} {
		s := Subject{Literal: name, IP: ip}
		if snap := check(t, m, t0.Add(time.Minute), &w, &s); !snap.KnownIP || s.User != user {
			t.Errorf("%d: user %d, known %v; want %d, known", name, s.User, snap.KnownIP, user)
		}
	}
}

// A failure stores one record per thing it counts for: its address, its
// network, its user and the user's pairs with them. A subject field that
// is absent makes no record (nothing that no Check reads), so the bound
// holds only what counts.
func TestFailureRecords(t *testing.T) {
	w := DefaultConfig().Windows
	for _, tt := range []struct {
		name string
		s    Subject
		want int
	}{
		{"no user: address and network", Subject{IP: 1, Net: 2}, 2},
		{"no network: address, user, user and address", Subject{Literal: 7, User: 7, IP: 1}, 3},
		{"no address: network, user, user and network", Subject{Literal: 7, User: 7, Net: 2}, 3},
		{"all: two sources, a user, two pairs", Subject{Literal: 7, User: 7, IP: 1, Net: 2}, 5},
	} {
		m := NewMemory(0)
		record(t, m, t0, &w, tt.s, Event{Kind: WrongCredentials, Attempt: true})
		if n, _ := m.Len(); n != tt.want {
			t.Errorf("%s: %d records, want %d", tt.name, n, tt.want)
		}
	}
}

// A source's users per day are distinct users: one user failing five
// times from it counts once, five users once each. A failure naming no
// user cannot be told from another user's, so each counts as one.
func TestUsersPerDay(t *testing.T) {
	w := DefaultConfig().Windows
	for _, tt := range []struct {
		name  string
		users []uint64 // one failure each; 0: no user name
		want  int
	}{
		{"one user five times", []uint64{7, 7, 7, 7, 7}, 1},
		{"five users", []uint64{1, 2, 3, 4, 5}, 5},
		{"three failures naming no user", []uint64{0, 0, 0}, 3},
	} {
		m := NewMemory(0)
		for _, u := range tt.users {
			record(t, m, t0, &w, Subject{Literal: u, User: u, IP: 1, Net: 2}, Event{Kind: WrongCredentials, Attempt: true})
		}
		snap := check(t, m, t0, &w, &Subject{IP: 1, Net: 2})
		if snap.Source.UsersDay != tt.want || snap.Network.UsersDay != tt.want {
			t.Errorf("%s: %d users for the address, %d for the network; want %d", tt.name, snap.Source.UsersDay, snap.Network.UsersDay, tt.want)
		}
	}
}

// A zero brute-force or under-attack window counts over an hour (the
// thresholds, not the windows, disable labels): failures count, and an
// hour later they are gone.
func TestZeroWindowsCountAnHour(t *testing.T) {
	m := NewMemory(0)
	var w Windows
	s := Subject{Literal: 7, User: 7, IP: 1}
	for range 3 {
		record(t, m, t0, &w, s, Event{Kind: WrongCredentials, Attempt: true})
	}
	for _, tt := range []struct {
		at   time.Duration
		want int
	}{
		{0, 3},
		{2 * time.Hour, 0},
	} {
		snap := check(t, m, t0.Add(tt.at), &w, &Subject{Literal: 7, IP: 1})
		if snap.PairFail != tt.want || snap.UserFail != tt.want {
			t.Errorf("at %v: %d failures for the pair, %d for the user; want %d", tt.at, snap.PairFail, snap.UserFail, tt.want)
		}
	}
}

// A password reset clears the failures counted before it, those of its
// own second included: the store's clock steps in seconds, so failures
// counted in the second of a reset count as before it.
func TestResetClearsItsSecond(t *testing.T) {
	m := NewMemory(0)
	w := DefaultConfig().Windows
	s := Subject{Literal: 7, User: 7, IP: 1, Net: 2}
	for range 10 {
		record(t, m, t0, &w, s, Event{Kind: WrongCredentials, Attempt: true})
	}
	if snap := check(t, m, t0, &w, &Subject{Literal: 7, IP: 1, Net: 2}); snap.PairFail != 10 || snap.NetPairFail != 10 {
		t.Fatalf("before the reset: %d and %d failures, want 10", snap.PairFail, snap.NetPairFail)
	}
	record(t, m, t0, &w, s, Event{Kind: Success, Attempt: true, PasswordReset: true})
	if snap := check(t, m, t0.Add(time.Second), &w, &Subject{Literal: 7, IP: 1, Net: 2}); snap.PairFail != 0 || snap.NetPairFail != 0 {
		t.Errorf("after a reset in the same second: %d and %d failures, want 0", snap.PairFail, snap.NetPairFail)
	}
}

// Every address has a record of its own: mix is a bijection of its input
// for one kind (each step an xor-shift or an odd multiplication), so no
// two addresses share a key, not even pairs whose keys a weaker step
// would merge: addresses a bit apart, and 1 and 0xe96e25eb64aae735, whose
// keys are a bit apart before mix's second shift.
func TestAddressesKeptApart(t *testing.T) {
	w := DefaultConfig().Windows
	for _, p := range [][2]uint64{{2, 3}, {1, 0xe96e25eb64aae735}} {
		m := NewMemory(0)
		for range 3 {
			record(t, m, t0, &w, Subject{IP: p[0]}, Event{Kind: WrongCredentials, Attempt: true})
		}
		record(t, m, t0, &w, Subject{IP: p[1]}, Event{Kind: WrongCredentials, Attempt: true})
		a, b := check(t, m, t0, &w, &Subject{IP: p[0]}), check(t, m, t0, &w, &Subject{IP: p[1]})
		if a.Source.FailDay != 3 || b.Source.FailDay != 1 {
			t.Errorf("addresses %#x and %#x: %d and %d failures, want 3 and 1", p[0], p[1], a.Source.FailDay, b.Source.FailDay)
		}
	}
}

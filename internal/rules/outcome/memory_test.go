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

package outcome

import (
	"context"
	"testing"
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

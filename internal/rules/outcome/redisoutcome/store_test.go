package redisoutcome

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/poolguard/poolguard/internal/rules/outcome"
	"github.com/poolguard/poolguard/internal/rules/ratelimit/redisstore"
	"github.com/poolguard/poolguard/internal/testkit/outcometest"
	"github.com/poolguard/poolguard/internal/testkit/redistest"
)

var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

// The Redis store gives the same snapshots as the memory store for the
// same history: brute force, known source, aliases, SMS reservations.
func TestSameAsMemory(t *testing.T) {
	rd := redistest.Start(t)
	client, err := redisstore.NewClient(redisstore.ClientConfig{Addresses: []string{rd.Addr()}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	w := outcome.DefaultConfig().Windows
	w.SMSHour, w.CallingCodeHour = 3, 2
	stores := map[string]outcome.Store{"memory": outcome.NewMemory(0), "redis": New(client, "pg:", nil, true)}
	snaps := map[string][]outcome.Snapshot{}
	for name, st := range stores {
		ctx := context.Background()
		step := func(now time.Time, s outcome.Subject, ev outcome.Event) {
			var snap outcome.Snapshot
			if err := st.Check(ctx, now, &w, &s, &snap); err != nil {
				t.Fatalf("%s: Check: %v", name, err)
			}
			snaps[name] = append(snaps[name], snap)
			ev.Reserved = snap.SMSReserved
			if err := st.Record(ctx, now, &w, &s, ev); err != nil {
				t.Fatalf("%s: Record: %v", name, err)
			}
		}
		home, away := outcome.Subject{Literal: 11, IP: 21, Net: 31}, outcome.Subject{Literal: 12, IP: 22, Net: 32}
		step(t0, home, outcome.Event{Kind: outcome.Success, SignIn: true, User: 99, Aliases: [3]uint64{11, 12}})
		for i := range 12 {
			step(t0.Add(time.Duration(i)*time.Second), away, outcome.Event{Kind: outcome.WrongCredentials, Attempt: true, SignIn: true})
		}
		step(t0.Add(time.Minute), home, outcome.Event{Kind: outcome.UnknownUser, Attempt: true, SignIn: true})
		for i := range 4 {
			s := outcome.Subject{IP: 23, Net: 33, SMS: true, CallingCode: 44}
			kind := outcome.SMSSent
			if i == 0 {
				kind = outcome.EmailSent
			}
			step(t0.Add(2*time.Minute), s, outcome.Event{Kind: kind})
		}
	}
	m, r := snaps["memory"], snaps["redis"]
	for i := range m {
		if m[i] != r[i] {
			t.Errorf("step %d: memory %+v, redis %+v", i, m[i], r[i])
		}
	}
	if last := m[len(m)-1]; !last.SMSExhausted || m[12].PairFail != 11 || !m[13].KnownIP {
		t.Errorf("unexpected memory snapshots: last %+v, step 12 %+v, step 13 %+v", last, m[12], m[13])
	}
}

// The Redis store passes the store conformance suite the memory store
// passes: each history on keys of its own.
func TestConformance(t *testing.T) {
	rd := redistest.Start(t)
	client, err := redisstore.NewClient(redisstore.ClientConfig{Addresses: []string{rd.Addr()}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	n := 0
	outcometest.Conformance(t, func() outcome.Store {
		n++
		return New(client, fmt.Sprintf("pg%d:", n), nil, true)
	})
}

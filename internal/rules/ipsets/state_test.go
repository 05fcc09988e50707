package ipsets

import (
	"testing"
	"time"
)

func TestStateApplyPrune(t *testing.T) {
	p := pfx("198.51.100.7/32")
	exp := t0.Add(time.Minute)
	tests := []struct {
		name            string
		changes         []Change
		pruneAt         time.Time
		wantAdd, wantRm bool
	}{
		{"add", []Change{{Set: "s", Op: OpAdd, Prefixes: p}}, t0, true, false},
		{"remove cancels add", []Change{{Set: "s", Op: OpAdd, Prefixes: p}, {Set: "s", Op: OpRemove, Prefixes: p}}, t0, false, true},
		{"add cancels remove", []Change{{Set: "s", Op: OpRemove, Prefixes: p}, {Set: "s", Op: OpAdd, Prefixes: p}}, t0, true, false},
		{"forget", []Change{{Set: "s", Op: OpAdd, Prefixes: p}, {Set: "s", Op: OpForget, Prefixes: p}}, t0, false, false},
		{"kept before expiry", []Change{{Set: "s", Op: OpAdd, Prefixes: p, Expires: exp}}, exp.Add(-time.Millisecond), true, false},
		{"pruned at expiry", []Change{{Set: "s", Op: OpAdd, Prefixes: p, Expires: exp}}, exp, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := State{}
			for _, c := range tt.changes {
				st.Apply(c)
			}
			st.Prune(tt.pruneAt)
			ov := st["s"]
			var gotAdd, gotRm bool
			if ov != nil {
				_, gotAdd = ov.Add[p[0]]
				_, gotRm = ov.Remove[p[0]]
			}
			if gotAdd != tt.wantAdd || gotRm != tt.wantRm {
				t.Fatalf("add %v remove %v, want %v %v", gotAdd, gotRm, tt.wantAdd, tt.wantRm)
			}
		})
	}
}

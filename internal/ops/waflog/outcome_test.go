package waflog

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/tidwall/gjson"

	pgoutcome "github.com/poolguard/poolguard/internal/rules/outcome"
	"github.com/poolguard/poolguard/internal/rules/waf"
)

// TestOutcomeUserHash checks that poolguard.outcome.user is the tracker's
// keyed hash of the user, the same for two spellings of one user name and
// different for another user, and that the raw user name is not in it;
// the record fits the Athena DDL.
func TestOutcomeUserHash(t *testing.T) {
	hasher := pgoutcome.NewHasher([]byte("test-key"))
	tr := pgoutcome.New(pgoutcome.Config{}, pgoutcome.NewMemory(0), hasher, nil)
	enc, err := NewEncoder(EncoderOptions{Region: "eu-west-1", Account: "111122223333"})
	if err != nil {
		t.Fatal(err)
	}
	ddl := loadDDL(t)
	user := func(name string) string {
		o := outcome(&waf.Verdict{Action: waf.ActionAllow, TerminatingRuleID: waf.DefaultActionID})
		o.View.Username = name
		o.View.UserPool = o.UserPoolID
		var x pgoutcome.Exchange
		if err := tr.Before(context.Background(), t0, o.View, &x); err != nil {
			t.Fatal(err)
		}
		o.Tracking = &x
		line := enc.Append(nil, o)
		u := gjson.GetBytes(line, "poolguard.outcome.user").Str
		if len(u) != 16 || strings.Contains(u, name) {
			t.Fatalf("poolguard.outcome.user = %q, want 16 hex digits of a keyed hash", u)
		}
		if strings.Contains(string(gjson.GetBytes(line, "poolguard.outcome").Raw), name) {
			t.Fatalf("raw user name in poolguard.outcome: %s", gjson.GetBytes(line, "poolguard.outcome").Raw)
		}
		var rec map[string]any
		if err := json.Unmarshal(line, &rec); err != nil {
			t.Fatal(err)
		}
		for _, e := range conform("", rec, ddl) {
			t.Error(e)
		}
		return u
	}
	a, b, c := user("alice.smith"), user("ALICE.SMITH"), user("bob.jones")
	if a != b {
		t.Errorf("one user, two spellings: %s != %s", a, b)
	}
	if a == c {
		t.Errorf("two users, one hash %s", a)
	}
	if want := fmt.Sprintf("%016x", hasher.User(outcome(nil).UserPoolID, "alice.smith")); a != want {
		t.Errorf("user = %s, want the tracker's hash %s", a, want)
	}
}

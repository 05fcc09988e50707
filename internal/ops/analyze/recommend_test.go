package analyze

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/poolguard/poolguard/internal/ops/analyze/gen"
)

// attackLog writes an hour of real users (2000 addresses, a few sign-ins
// each, 3 % of them failing) with a loud credential stuffer (one address,
// thousands of sign-ins in five minutes, mostly failing, half blocked) and
// a distributed one (twenty addresses, each a few dozen failing sign-ins
// per five minutes).
func attackLog(t *testing.T) string {
	t.Helper()
	c := gen.Config{Start: start, Duration: time.Hour, Records: 40000, Seed: 7, LegitIPs: 2000,
		Attacks: []gen.Attack{{IP: "203.0.113.66", Operation: "InitiateAuth", From: 20 * time.Minute, To: 25 * time.Minute,
			Share: 0.3, ErrorRate: 0.95, BlockRate: 0.5}}}
	for i := range 20 {
		c.Attacks = append(c.Attacks, gen.Attack{IP: fmt.Sprintf("198.51.100.%d", i+1), Operation: "InitiateAuth",
			From: 30 * time.Minute, To: 45 * time.Minute, Share: 0.006, ErrorRate: 0.9})
	}
	var buf bytes.Buffer
	if err := gen.Write(&buf, c); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "waf.log")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// The recommended SignIn limit sits above every real user's peak and
// under every attacker's, and both attackers are listed as left out. (The
// raw-peak recommendation this replaces sized the limit at the loud
// attacker's peak times the headroom.)
func TestRecommendBetweenUsersAndAttackers(t *testing.T) {
	path := attackLog(t)
	legitPeak, attackPeaks := int64(0), map[string]int64{}
	per := map[string]int64{}
	for _, r := range decodeAll(t, path) {
		if bruteCategory(r) != "SignIn" {
			continue
		}
		key := r.HTTPRequest.ClientIP + "|" + strconv.FormatInt(r.Timestamp/300000, 10)
		per[key]++
		ip := r.HTTPRequest.ClientIP
		if strings.HasPrefix(ip, "10.") {
			legitPeak = max(legitPeak, per[key])
		} else {
			attackPeaks[ip] = max(attackPeaks[ip], per[key])
		}
	}
	if len(attackPeaks) != 21 {
		t.Fatalf("%d attacking addresses in the log, want 21", len(attackPeaks))
	}
	smallestAttack := attackPeaks["203.0.113.66"]
	for _, p := range attackPeaks {
		smallestAttack = min(smallestAttack, p)
	}
	if smallestAttack <= MinRateLimit || smallestAttack <= legitPeak {
		t.Fatalf("the log does not separate users (peak %d) from attackers (smallest peak %d)", legitPeak, smallestAttack)
	}

	var rec struct {
		Recommendations []struct {
			Category         string      `json:"category"`
			RecommendedLimit int64       `json:"recommended_limit"`
			Hostile          []Exclusion `json:"hostile_sources"`
			HostilePeak      int64       `json:"smallest_hostile_peak"`
		}
	}
	runJSON(t, &rec, options("recommend", path))
	for _, r := range rec.Recommendations {
		if r.Category != "SignIn" {
			continue
		}
		if r.RecommendedLimit <= legitPeak || r.RecommendedLimit >= smallestAttack {
			t.Errorf("SignIn limit %d, want above the users' peak %d and under the attackers' smallest peak %d",
				r.RecommendedLimit, legitPeak, smallestAttack)
		}
		if len(r.Hostile) != 21 || r.HostilePeak != smallestAttack {
			t.Errorf("%d hostile sources, smallest peak %d; want 21, %d: %+v", len(r.Hostile), r.HostilePeak, smallestAttack, r.Hostile)
		}
		for _, h := range r.Hostile {
			if h.Reason == "" || attackPeaks[h.IP] != h.Peak {
				t.Errorf("hostile %+v, want a reason and peak %d", h, attackPeaks[h.IP])
			}
		}
		return
	}
	t.Fatal("no SignIn recommendation")
}

func TestHostileReason(t *testing.T) {
	for _, tc := range []struct {
		c    ipCounts
		want string
	}{
		{ipCounts{requests: 10}, ""},
		{ipCounts{requests: 3, upstreamErrors: 3}, ""}, // a user mistyping: too few to judge
		{ipCounts{requests: 10, upstreamErrors: 6}, "mostly failures"},
		{ipCounts{requests: 10, upstreamErrors: 3, proxyErrors: 3}, "mostly failures"},
		{ipCounts{requests: 10, blocked: 6}, "mostly blocked"},
		{ipCounts{requests: 10, suspect: 6}, "mostly labelled"},
		{ipCounts{requests: 10, suspect: 5}, ""},
	} {
		if got := hostileReason(tc.c); !strings.HasPrefix(got, tc.want) || (tc.want == "") != (got == "") {
			t.Errorf("hostileReason(%+v) = %q, want %q...", tc.c, got, tc.want)
		}
	}
}

// A limit that would let the only hostile source through is capped under
// its peak; when that is under AWS's minimum, a note says so.
func TestRecommendCaps(t *testing.T) {
	mk := func(legit, hostile int64) Recommendation {
		r := Recommendation{HostilePeak: hostile}
		lp := map[uint32]PeakRow{}
		for i := range 100 {
			lp[uint32(i)] = PeakRow{Requests: legit}
		}
		r.size(lp, RecommendOptions{Headroom: 1.5, Percentile: 99})
		return r
	}
	if r := mk(20, 25); r.Limit != 24 || len(r.Notes) != 0 {
		t.Errorf("legit 20, hostile 25: limit %d notes %v, want 24", r.Limit, r.Notes)
	}
	if r := mk(20, 0); r.Limit != 30 {
		t.Errorf("legit 20, no hostile: limit %d, want 30", r.Limit)
	}
	if r := mk(20, 15); r.Limit != 14 || len(r.Notes) != 1 {
		t.Errorf("legit 20, hostile 15: limit %d notes %v, want 14 and a note", r.Limit, r.Notes)
	}
	if r := mk(2, 6); r.Limit != MinRateLimit || len(r.Notes) != 1 {
		t.Errorf("legit 2, hostile 6: limit %d notes %v, want %d and a note", r.Limit, r.Notes, MinRateLimit)
	}
}

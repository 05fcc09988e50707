package analyze

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"time"
)

// MinRateLimit is the smallest limit AWS WAF accepts for a rate-based rule.
const MinRateLimit = 10

// RecommendOptions tune Recommend.
type RecommendOptions struct {
	// Headroom multiplies the legitimate percentile peak (at least 1).
	Headroom float64
	// Percentile of legitimate per-source peaks the limit starts from
	// (1 to 100; default 99).
	Percentile float64
}

// Exclusion is a source left out of a recommendation, and why.
type Exclusion struct {
	IP     string `json:"client_ip"`
	Reason string `json:"reason"`
	// Peak is the source's highest request count in one bin of the
	// category, every request counted (blocked ones too).
	Peak int64 `json:"peak_requests"`
}

// Recommendation is one category's suggested limit, sized on legitimate
// traffic only.
type Recommendation struct {
	Category Category
	// LegitSources is how many sources count as legitimate traffic.
	LegitSources int
	// PercentilePeak is the chosen percentile of the legitimate sources'
	// peaks; Peak is the highest of them.
	PercentilePeak int64
	Peak           PeakRow // zero Requests: no legitimate traffic seen
	// Hostile are the sources judged hostile with traffic in the
	// category, highest peak first; HostilePeak is the smallest of their
	// peaks (0 without any).
	Hostile     []Exclusion
	HostilePeak int64
	// BlockedRequests and SuspectRequests are the category's requests left
	// out: stopped by the web ACL, or labelled by bot or outcome signals.
	BlockedRequests, SuspectRequests int64
	// Limit is the recommended limit; 0 without legitimate traffic (keep
	// the preset default).
	Limit int64
	// Notes explain a limit that cannot separate legitimate from hostile
	// traffic.
	Notes []string
}

// hostileReason returns why a source is judged hostile, or "" when it is
// not: most of its requests were blocked, or labelled by bot or outcome
// signals, or (with at least minFailures) answered with an error.
func hostileReason(c ipCounts) string {
	const minFailures = 5
	failures := c.upstreamErrors + c.proxyErrors
	switch {
	case c.blocked*2 > c.requests:
		return fmt.Sprintf("mostly blocked by the web ACL (%d of %d requests)", c.blocked, c.requests)
	case c.suspect*2 > c.requests:
		return fmt.Sprintf("mostly labelled by bot or outcome signals (%d of %d requests)", c.suspect, c.requests)
	case failures >= minFailures && failures*2 > c.requests-c.blocked:
		return fmt.Sprintf("mostly failures (%d of %d answered requests)", failures, c.requests-c.blocked)
	}
	return ""
}

// Recommend returns, per category, a rate limit sized on legitimate
// traffic: requests the web ACL blocked or bot and outcome signals
// labelled are left out, and so are sources judged hostile (hostileReason).
// The limit is the chosen percentile of the remaining sources' per-bin
// peaks times the headroom, at least MinRateLimit, and below the smallest
// peak of any hostile source in the category, so that each observed
// attacker is stopped at its peak (when AWS's minimum allows).
func (s *Stats) Recommend(o RecommendOptions) []Recommendation {
	if o.Percentile <= 0 || o.Percentile > 100 {
		o.Percentile = 99
	}
	o.Headroom = max(o.Headroom, 1)
	hostile := make(map[uint32]string)
	for ip, c := range s.perIP {
		if why := hostileReason(c); why != "" {
			hostile[ip] = why
		}
	}
	var legit [numCategories]map[uint32]PeakRow
	var bad [numCategories]map[uint32]int64
	for c := range numCategories {
		legit[c], bad[c] = map[uint32]PeakRow{}, map[uint32]int64{}
	}
	for k, n := range s.peaks {
		if _, ok := hostile[k.ip]; ok {
			bad[k.cat][k.ip] = max(bad[k.cat][k.ip], n)
		}
	}
	for k, n := range s.clean {
		if _, ok := hostile[k.ip]; ok {
			continue
		}
		if p := legit[k.cat][k.ip]; n > p.Requests || n == p.Requests && s.binTime(k.bin).After(p.Bin) {
			legit[k.cat][k.ip] = PeakRow{k.cat, s.binTime(k.bin), s.ipNames[k.ip], n}
		}
	}
	out := make([]Recommendation, 0, numCategories)
	for c := range numCategories {
		r := Recommendation{Category: c, BlockedRequests: s.dropped[c].blocked, SuspectRequests: s.dropped[c].suspect}
		for ip, peak := range bad[c] {
			r.Hostile = append(r.Hostile, Exclusion{IP: s.ipNames[ip], Reason: hostile[ip], Peak: peak})
		}
		slices.SortFunc(r.Hostile, func(a, b Exclusion) int { return cmp.Or(cmp.Compare(b.Peak, a.Peak), cmp.Compare(a.IP, b.IP)) })
		if len(r.Hostile) > 0 {
			r.HostilePeak = r.Hostile[len(r.Hostile)-1].Peak
		}
		r.size(legit[c], o)
		out = append(out, r)
	}
	return out
}

// size sets r's limit from the legitimate peaks and the hostile cap.
func (r *Recommendation) size(legit map[uint32]PeakRow, o RecommendOptions) {
	r.LegitSources = len(legit)
	if len(legit) == 0 {
		return
	}
	peaks := make([]PeakRow, 0, len(legit))
	for _, p := range legit {
		peaks = append(peaks, p)
	}
	slices.SortFunc(peaks, func(a, b PeakRow) int {
		return cmp.Or(cmp.Compare(a.Requests, b.Requests), a.Bin.Compare(b.Bin), cmp.Compare(a.IP, b.IP))
	})
	r.Peak = peaks[len(peaks)-1]
	rank := int(math.Ceil(o.Percentile / 100 * float64(len(peaks)))) // nearest rank
	r.PercentilePeak = peaks[max(rank, 1)-1].Requests
	r.Limit = max(MinRateLimit, int64(math.Ceil(float64(r.PercentilePeak)*o.Headroom)))
	if r.HostilePeak == 0 || r.Limit < r.HostilePeak {
		return
	}
	if cap := r.HostilePeak - 1; cap >= MinRateLimit {
		r.Limit = cap
	} else {
		r.Limit = MinRateLimit
		r.Notes = append(r.Notes, fmt.Sprintf("a hostile source peaks at %d requests, under AWS's minimum limit %d: "+
			"a per-IP rate limit cannot stop it (use the deny list, or per-user-name limits such as cognito-credential-stuffing)",
			r.HostilePeak, MinRateLimit))
	}
	if r.Limit < r.PercentilePeak {
		r.Notes = append(r.Notes, fmt.Sprintf("the limit %d is under the legitimate %gth percentile peak %d: "+
			"legitimate sources will be blocked at their peaks", r.Limit, o.Percentile, r.PercentilePeak))
	}
}

// binTime is the start of bin b.
func (s *Stats) binTime(b int64) time.Time { return time.UnixMilli(b * s.binMs).UTC() }

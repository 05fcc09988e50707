package ratelimittest

import (
	"math"
	"math/rand/v2"
	"sort"
	"time"
)

// Arrival is one request of a generated stream: Key arrives at At.
type Arrival struct {
	At  time.Time
	Key string
}

// Shape names a kind of arrival process.
type Shape int

// The arrival processes Stream generates.
const (
	// Steady sends at a constant rate with a little jitter.
	Steady Shape = iota
	// Poisson sends with exponential gaps.
	Poisson
	// Bursts sends bursts of back-to-back requests separated by pauses.
	Bursts
)

// String returns the shape's name.
func (s Shape) String() string {
	switch s {
	case Steady:
		return "steady"
	case Poisson:
		return "poisson"
	case Bursts:
		return "bursts"
	}
	return "unknown"
}

// Stream returns the arrivals of key from start for span at about rate
// requests per second, with millisecond-aligned times, in time order.
func Stream(rng *rand.Rand, shape Shape, key string, start time.Time, span time.Duration, rate float64) []Arrival {
	var out []Arrival
	end := start.Add(span)
	t := start
	meanGap := float64(time.Second) / rate
	for t.Before(end) {
		switch shape {
		case Steady:
			out = append(out, Arrival{At: t, Key: key})
			t = t.Add(time.Duration(meanGap * (0.9 + 0.2*rng.Float64())))
		case Poisson:
			out = append(out, Arrival{At: t, Key: key})
			t = t.Add(time.Duration(-math.Log(1-rng.Float64()) * meanGap))
		case Bursts:
			n := 1 + rng.IntN(int(rate*30)+1)
			for range n {
				out = append(out, Arrival{At: t, Key: key})
				t = t.Add(time.Duration(rng.IntN(20)) * time.Millisecond)
			}
			t = t.Add(time.Duration(float64(n) * meanGap * 2 * rng.Float64()))
		}
		t = t.Truncate(time.Millisecond)
	}
	for len(out) > 0 && !out[len(out)-1].At.Before(end) {
		out = out[:len(out)-1]
	}
	return out
}

// Merge merges streams into one in time order (stable for equal times).
func Merge(streams ...[]Arrival) []Arrival {
	var all []Arrival
	for _, s := range streams {
		all = append(all, s...)
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].At.Before(all[j].At) })
	return all
}

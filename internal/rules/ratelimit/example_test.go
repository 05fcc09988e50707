package ratelimit_test

import (
	"context"
	"fmt"
	"time"

	"github.com/poolguard/poolguard/internal/rules/ratelimit"
)

// Decide counts one request for each hit at the time it is given and
// says whether its key is over the limit in the trailing window: time is
// an argument, so the same calls give the same answers in a test and in
// production. Each key counts on its own.
func ExampleStore_Decide() {
	store := ratelimit.NewMemory()
	start := time.Date(2025, 3, 14, 15, 0, 0, 0, time.UTC)
	hit := func(ip string) ratelimit.Hit {
		return ratelimit.Hit{Rule: "SignInPerIP", Key: []byte(ip), Limit: 10, Window: 5 * time.Minute, Terminating: true}
	}
	res := make([]ratelimit.Result, 1)
	for i := range 12 {
		now := start.Add(time.Duration(i) * 10 * time.Second)
		if err := store.Decide(context.Background(), now, []ratelimit.Hit{hit("203.0.113.9")}, res); err != nil {
			fmt.Println(err)
			return
		}
		if res[0].Over {
			fmt.Printf("request %d at %s: over the limit\n", i+1, now.Format("15:04:05"))
		}
	}
	// Six minutes later the first requests have left the window.
	later := start.Add(6 * time.Minute)
	_ = store.Decide(context.Background(), later, []ratelimit.Hit{hit("203.0.113.9")}, res)
	fmt.Println("at", later.Format("15:04:05"), "over:", res[0].Over)
	_ = store.Decide(context.Background(), start, []ratelimit.Hit{hit("192.0.2.1")}, res)
	fmt.Println("another address over:", res[0].Over)
	// Output:
	// request 11 at 15:01:40: over the limit
	// request 12 at 15:01:50: over the limit
	// at 15:06:00 over: false
	// another address over: false
}

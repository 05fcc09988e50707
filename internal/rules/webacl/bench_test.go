package webacl

import (
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"testing"
	"time"

	"github.com/poolguard/poolguard/internal/cognito"
	"github.com/poolguard/poolguard/internal/config"
	"github.com/poolguard/poolguard/internal/edge/request"
	"github.com/poolguard/poolguard/internal/rules/ratelimit"
	"github.com/poolguard/poolguard/internal/rules/waf"
)

// addresses returns n distinct addresses in 10.0.0.0/8 or fd00::/8.
func addresses(n int, v6 bool) []netip.Prefix {
	out := make([]netip.Prefix, n)
	for i := range out {
		if v6 {
			out[i] = netip.MustParsePrefix(fmt.Sprintf("fd00::%x:%x/128", i>>16, i&0xffff))
		} else {
			out[i] = netip.MustParsePrefix(fmt.Sprintf("10.%d.%d.%d/32", i>>16, (i>>8)&0xff, i&0xff))
		}
	}
	return out
}

// BenchmarkPresetsAllowedInitiateAuth evaluates the web ACL the presets
// cognito-proxy and cognito-categories generate, with 10,000-entry allow
// and deny sets (IPv4 and IPv6) and the real in-memory rate store, on
// allowed InitiateAuth calls from 1,000 client addresses.
func BenchmarkPresetsAllowedInitiateAuth(b *testing.B) {
	w := &config.WAF{
		Account: "000000000000", Name: "bench", DefaultAction: "ALLOW",
		Presets: []config.Preset{
			{Name: "cognito-proxy", Params: map[string]any{"RateLimit": 2_000_000_000}},
			{Name: "cognito-categories", Params: map[string]any{"SignInRateLimit": 2_000_000_000, "DefaultRateLimit": 2_000_000_000}},
		},
	}
	for _, s := range []struct {
		name string
		v6   bool
	}{{"AllowListV4", false}, {"AllowListV6", true}, {"DenyListV4", false}, {"DenyListV6", true},
		{"CategoriesAllowListV4", false}, {"CategoriesAllowListV6", true}, {"CategoriesDenyListV4", false}, {"CategoriesDenyListV6", true}} {
		w.IPSets = append(w.IPSets, config.IPSet{Name: s.name, Addresses: addresses(10_000, s.v6)})
	}
	e, err := Build(w, Input{Store: ratelimit.NewMemory()})
	if err != nil {
		b.Fatal(err)
	}
	views := make([]request.View, 1000)
	for i := range views {
		ip := netip.AddrFrom4([4]byte{198, 51, byte(i >> 8), byte(i)})
		views[i] = request.View{
			Method: "POST", Path: "/", Proto: "HTTP/1.1", Header: http.Header{"X-Amz-Target": {cognito.TargetPrefix + "InitiateAuth"}},
			Body:   []byte(`{"ClientId":"c","AuthFlow":"USER_SRP_AUTH","AuthParameters":{"USERNAME":"u"}}`),
			Target: cognito.TargetPrefix + "InitiateAuth", ClientIP: ip, PeerIP: ip, Country: "XX",
		}
		if perr := cognito.Parse(&views[i]); perr != nil {
			b.Fatal(perr)
		}
	}
	var vd waf.Verdict
	now := time.Unix(1_800_000_000, 0)
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if err := e.Evaluate(ctx, now, &views[i%len(views)], &vd); err != nil || vd.Action != waf.ActionAllow {
			b.Fatalf("%v %v", err, vd.Action)
		}
		i++
		now = now.Add(time.Microsecond)
	}
}

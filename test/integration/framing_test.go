package integration

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/poolguard/poolguard/internal/testkit/cognitotest"
	"github.com/poolguard/poolguard/internal/testkit/proxytest"
	"github.com/poolguard/poolguard/internal/testkit/servetest"
)

// TestFramingAnswersOnBothServers sends the request-smuggling cases (CL+TE,
// duplicate Content-Length, obs-fold, bare CR, absolute-form, ...) to the
// whole proxy served by net/http and by fasthttp (http_server): where a
// case lists no difference the answers are the same; where fasthttp is
// listed as stricter, each of its answers is net/http's or a refusal, so
// it never lets through what net/http refuses.
func TestFramingAnswersOnBothServers(t *testing.T) {
	up := httptest.NewServer(cognitotest.NewStub())
	t.Cleanup(up.Close)
	addr := map[string]string{}
	for _, kind := range []string{"net/http", "fasthttp"} {
		cfg := proxytest.Load(t, "", fmt.Sprintf(`listen: 127.0.0.1:0
admin_listen: 127.0.0.1:0
http_server: %s
upstream: {region: us-east-1, endpoint: %s}
unknown_clients: pass
clients: [{client_id: app1}]
`, kind, up.URL))
		r := proxytest.Run(t, cfg, proxytest.RunOptions{})
		if !strings.Contains(r.Logs.String(), `"http_server":"`+kind+`"`) {
			t.Fatalf("the proxy configured with http_server: %s does not say it serves with it:\n%s", kind, r.Logs.String())
		}
		addr[kind] = strings.TrimPrefix(r.URL, "http://")
	}
	for _, c := range servetest.FramingCases {
		t.Run(c.Name, func(t *testing.T) {
			std := servetest.Exchange(t, addr["net/http"], c.Raw)
			fast := servetest.Exchange(t, addr["fasthttp"], c.Raw)
			if c.Stricter == nil {
				if fmt.Sprint(fast) != fmt.Sprint(std) {
					t.Errorf("fasthttp answered\n %q\nnet/http\n %q", fast, std)
				}
				return
			}
			for i, a := range fast {
				refused := a >= "400" && a < "600"
				if !refused && (i >= len(std) || std[i] != a) {
					t.Errorf("fasthttp answer %d is %q, neither net/http's nor a refusal (net/http: %q; %s)", i, a, std, c.Why)
				}
			}
		})
	}
}

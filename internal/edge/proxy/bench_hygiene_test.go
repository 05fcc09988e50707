package proxy

import (
	"bytes"
	"crypto/sha1"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/poolguard/poolguard/internal/rules/breached"
	"github.com/poolguard/poolguard/internal/testkit/cognitotest"
)

// BenchmarkServeSignUp: a SignUp with a phone number through the whole
// proxy, without and with a breached-password filter of 100,000 hashes;
// the difference is the added cost per SignUp (phone parsing is in both).
func BenchmarkServeSignUp(b *testing.B) {
	stub := httptest.NewServer(cognitotest.NewStub())
	defer stub.Close()
	u, _ := url.Parse(stub.URL)
	var corpus strings.Builder
	for i := range 100_000 {
		fmt.Fprintf(&corpus, "%X:1\n", sha1.Sum(fmt.Appendf(nil, "pw-%d", i)))
	}
	src := filepath.Join(b.TempDir(), "c.txt")
	os.WriteFile(src, []byte(corpus.String()), 0o600)
	out := filepath.Join(b.TempDir(), "f.filter")
	if _, err := breached.Build(out, []string{src}, 1); err != nil {
		b.Fatal(err)
	}
	filter, err := breached.Open(out)
	if err != nil {
		b.Fatal(err)
	}
	body := []byte(`{"ClientId":"` + clientID + `","Username":"alice@example.com","Password":"a clean passphrase 7f3a9c1e",` +
		`"UserAttributes":[{"Name":"email","Value":"alice@example.com"},{"Name":"phone_number","Value":"+14155552671"}]}`)
	for _, f := range []*breached.Filter{nil, filter} {
		b.Run(fmt.Sprintf("filter=%v", f != nil), func(b *testing.B) {
			st := testState()
			st.Breached = f
			h := New(st, NewUpstream(u, 5*time.Second, 8), slog.New(slog.DiscardHandler), nil)
			req := httptest.NewRequest(http.MethodPost, "/", nil)
			req.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService.SignUp")
			req.Header.Set("Content-Type", "application/x-amz-json-1.1")
			req.RemoteAddr = "198.51.100.7:5555"
			w := &discardWriter{h: http.Header{}}
			rd := bytes.NewReader(body)
			b.ReportAllocs()
			for b.Loop() {
				rd.Reset(body)
				req.Body = io.NopCloser(rd)
				clear(w.h)
				h.ServeHTTP(w, req)
				if w.status != 200 {
					b.Fatalf("status %d", w.status)
				}
			}
		})
	}
}

package waflog

import (
	"net/http"
	"strings"
	"testing"

	"github.com/poolguard/poolguard/internal/rules/waf"
)

// secrets are the values signInView carries that must never be logged.
var secrets = []string{
	"AUTHZ-SECRET", "COOKIE-SECRET", "STS-SECRET", "PASSWORD-SECRET", "HASH-SECRET",
	"AUTHCODE-SECRET", "IDTOKEN-SECRET", "QUERY-SECRET", "REFRESH-SECRET",
}

func TestNoSecretsInRecords(t *testing.T) {
	// Log every header the request has that may be logged at all.
	enc, err := NewEncoder(EncoderOptions{Headers: []string{
		"Host", "User-Agent", "X-Amz-Target", "Content-Type", "Origin", "Referer", "X-Forwarded-For", "X-Custom",
	}})
	if err != nil {
		t.Fatal(err)
	}
	for name, o := range goldenCases() {
		o.View.RawQuery = "client_id=abc&refresh_token=REFRESH-SECRET&code=QUERY-SECRET&redirect_uri=https%3A%2F%2Fapp"
		o.View.Header.Set("X-Custom", "harmless")
		rec := string(enc.Append(nil, o))
		for _, s := range secrets {
			if strings.Contains(rec, s) {
				t.Errorf("%s: record contains %s:\n%s", name, s, rec)
			}
		}
		// The flow's name is logged; it is not a secret.
		rec = strings.Replace(rec, `"authFlow":"USER_PASSWORD_AUTH"`, "", 1)
		for _, word := range []string{"authorization", "cookie", "x-amz-security-token", "AuthParameters", "PASSWORD"} {
			if strings.Contains(strings.ToLower(rec), strings.ToLower(word)) {
				t.Errorf("%s: record mentions %s", name, word)
			}
		}
		if !strings.Contains(rec, "client_id=abc&refresh_token=REDACTED&code=REDACTED&redirect_uri=https%3A%2F%2Fapp") {
			t.Errorf("%s: args not redacted as expected:\n%s", name, rec)
		}
		if !strings.Contains(rec, `cb?state=ok&code=REDACTED#id_token=REDACTED`) {
			t.Errorf("%s: referer not redacted as expected:\n%s", name, rec)
		}
	}
}

func TestSensitiveHeadersRefused(t *testing.T) {
	for _, h := range []string{"Authorization", "cookie", "Set-Cookie", "X-Amz-Security-Token", "Proxy-Authorization", "X-Api-Key", "X-Session-Id", "X-Client-Secret"} {
		if _, err := NewEncoder(EncoderOptions{Headers: []string{"Host", h}}); err == nil || !strings.Contains(err.Error(), h) {
			t.Errorf("header %s: err %v, want a refusal naming it", h, err)
		}
	}
	if _, err := NewEncoder(EncoderOptions{Headers: []string{""}}); err == nil {
		t.Error("empty header name accepted")
	}
	for _, h := range DefaultHeaders {
		if SensitiveHeader(h) {
			t.Errorf("default header %s is sensitive", h)
		}
	}
}

func TestRedactURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://a.example/", "https://a.example/"},
		{"https://a.example/p?x=1", "https://a.example/p?x=1"},
		{"https://a.example/p?code=abc&x=1", "https://a.example/p?code=REDACTED&x=1"},
		{"https://a.example/p#access_token=t&state=s", "https://a.example/p#access_token=REDACTED&state=s"},
		{"https://a.example/p?SAMLResponse=zzz#frag", "https://a.example/p?SAMLResponse=REDACTED#frag"},
		{"https://a.example/p?flag&token", "https://a.example/p?flag&token"},
		{`https://a.example/"q"`, `https://a.example/\"q\"`},
		// A value that is nothing but a query or a fragment is redacted
		// like a whole URL's.
		{"?code=abc&x=1", "?code=REDACTED&x=1"},
		{"#id_token=t", "#id_token=REDACTED"},
	}
	for _, tt := range tests {
		if got := string(appendRedactedURL(nil, tt.in)); got != tt.want {
			t.Errorf("%q: got %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestHeaderValuesEscaped(t *testing.T) {
	enc := testEncoder(t)
	o := outcome(&waf.Verdict{Action: waf.ActionAllow})
	o.View.Header = http.Header{"User-Agent": {"evil\"}\n{\"x\":1\u2028\xff"}}
	rec := enc.Append(nil, o)
	if strings.Count(string(rec), "\n") != 1 {
		t.Fatalf("newline escaped badly: %q", rec)
	}
	if !strings.Contains(string(rec), `evil\"}\n{\"x\":1\u2028\ufffd`) {
		t.Errorf("escaping: %s", rec)
	}
}

// TestRefusalNamesEveryHeader: the error for an allow list names every
// header it cannot log, not just the first, so one fix clears them all.
func TestRefusalNamesEveryHeader(t *testing.T) {
	_, err := NewEncoder(EncoderOptions{Headers: []string{"Cookie", "", "Host", "Authorization"}})
	if err == nil {
		t.Fatal("allow list with credentials accepted")
	}
	for _, want := range []string{`"Cookie"`, `"" (empty name)`, `"Authorization"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
}

// TestOriginRedacted: Origin, like Referer, has secret-looking parameters
// redacted; other headers are logged as sent.
func TestOriginRedacted(t *testing.T) {
	enc, err := NewEncoder(EncoderOptions{Headers: []string{"Origin", "User-Agent"}})
	if err != nil {
		t.Fatal(err)
	}
	o := outcome(&waf.Verdict{Action: waf.ActionAllow})
	o.View.Header = http.Header{
		"Origin":     {"https://app.example/?code=ORIGIN-SECRET"},
		"User-Agent": {"agent?code=1"},
	}
	rec := string(enc.Append(nil, o))
	if strings.Contains(rec, "ORIGIN-SECRET") || !strings.Contains(rec, `"value":"https://app.example/?code=REDACTED"`) {
		t.Errorf("origin not redacted: %s", rec)
	}
	if !strings.Contains(rec, `"value":"agent?code=1"`) {
		t.Errorf("user agent not logged as sent: %s", rec)
	}
}

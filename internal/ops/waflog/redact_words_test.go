package waflog

import (
	"strings"
	"testing"
)

// wordsIn returns the words of list that name contains, ignoring case.
func wordsIn(name string, list []string) []string {
	var out []string
	for _, w := range list {
		if strings.Contains(strings.ToLower(name), w) {
			out = append(out, w)
		}
	}
	return out
}

// TestEveryDeniedHeaderWordRefuses: each word that marks a header as a
// credential carrier refuses a real header name that contains that word
// and no other, so dropping any one word from the list fails here.
func TestEveryDeniedHeaderWordRefuses(t *testing.T) {
	byWord := map[string]string{
		"authorization":  "Authorization",
		"cookie":         "Cookie",
		"token":          "X-Auth-Token",
		"secret":         "X-Client-Secret",
		"password":       "X-Password",
		"passwd":         "X-Passwd",
		"session":        "X-Session-Id",
		"credential":     "X-Amz-Credential",
		"api-key":        "X-Api-Key",
		"apikey":         "X-Apikey",
		"signature":      "X-Amz-Signature",
		"x-amz-security": "X-Amz-Security",
	}
	for _, w := range deniedHeaderWords {
		if _, ok := byWord[w]; !ok {
			t.Errorf("denied header word %q has no case here: add one", w)
		}
	}
	for w, h := range byWord {
		if got := wordsIn(h, deniedHeaderWords); len(got) != 1 || got[0] != w {
			t.Errorf("%s: contains denied words %q, want exactly %q", h, got, w)
		}
		for _, name := range []string{h, strings.ToLower(h), strings.ToUpper(h)} {
			if !SensitiveHeader(name) {
				t.Errorf("header %s (word %q) may be logged", name, w)
			}
		}
		if _, err := NewEncoder(EncoderOptions{Headers: []string{h}}); err == nil || !strings.Contains(err.Error(), h) {
			t.Errorf("logging header %s: err %v, want a refusal naming it", h, err)
		}
	}
	for _, h := range []string{"Host", "X-Request-Id", "Accept", "X-Amz-Date", "X-Forwarded-Proto"} {
		if SensitiveHeader(h) {
			t.Errorf("harmless header %s refused", h)
		}
	}
}

// TestEverySecretParamWordRedacts: each word that marks a query parameter
// as secret redacts a real parameter (OAuth, SigV4 query signing, SAML)
// that contains that word and no other.
func TestEverySecretParamWordRedacts(t *testing.T) {
	byWord := map[string]string{
		"token":        "access_token",
		"secret":       "client_secret",
		"password":     "password",
		"passwd":       "passwd",
		"session":      "session",
		"signature":    "X-Amz-Signature",
		"credential":   "X-Amz-Credential",
		"assertion":    "client_assertion",
		"code":         "code",
		"key":          "api_key",
		"samlresponse": "SAMLResponse",
	}
	for _, w := range secretParamWords {
		if _, ok := byWord[w]; !ok {
			t.Errorf("secret parameter word %q has no case here: add one", w)
		}
	}
	for w, p := range byWord {
		if got := wordsIn(p, secretParamWords); len(got) != 1 || got[0] != w {
			t.Errorf("%s: contains secret words %q, want exactly %q", p, got, w)
		}
		q := "a=1&" + p + "=SECRET-VALUE&b=2"
		want := "a=1&" + p + "=REDACTED&b=2"
		if got := string(appendRedactedQuery(nil, q)); got != want {
			t.Errorf("query %q logged as %q, want %q", q, got, want)
		}
		ref := "https://app.example/cb?" + q
		if got := string(appendRedactedURL(nil, ref)); strings.Contains(got, "SECRET-VALUE") {
			t.Errorf("Referer %q logged as %q", ref, got)
		}
	}
	kept := "client_id=abc&redirect_uri=x&state=s&X-Amz-Date=20260101T000000Z&X-Amz-Expires=300"
	if got := string(appendRedactedQuery(nil, kept)); got != kept {
		t.Errorf("harmless query %q logged as %q", kept, got)
	}
}

// TestDuplicateHeadersLoggedOnce: a header listed twice (in any case) is
// logged once, and the headers after the duplicate are still logged.
func TestDuplicateHeadersLoggedOnce(t *testing.T) {
	specs, err := compileHeaders([]string{"Host", "host", "User-Agent", "HOST", "Origin"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range specs {
		got = append(got, s.lower)
	}
	if strings.Join(got, ",") != "host,user-agent,origin" {
		t.Errorf("headers logged: %v, want host,user-agent,origin", got)
	}
}

package request

import (
	"net/http"
	"testing"
)

func TestPseudoHeaders(t *testing.T) {
	spoofed := http.Header{}
	for _, h := range []string{"X-Poolguard-Phone", "X-Poolguard-Phone-Cc", "X-Poolguard-Phone-Region", "X-Poolguard-Subject", "X-Poolguard-Username"} {
		spoofed[h] = []string{"spoofed"}
	}
	// A request the phone stage found no number in: a client's own
	// headers of these names are never read.
	empty := &View{Header: spoofed}
	for h := range spoofed {
		if got, ok := empty.HeaderValue(h); ok || got != "" {
			t.Errorf("%s = %q, %v on a request without a phone; want absent", h, got, ok)
		}
	}
	v := &View{Username: "Alice@Example.COM", ClientID: "abc", Phone: "+18765550123", PhoneCC: "+1", PhoneRegion: "JM", Subject: "sub-1",
		Header: http.Header{"X-Poolguard-Other": {"real"}, "X-Poolguard-Phone": {"+10000000000"}}}
	for name, want := range map[string]string{
		"x-poolguard-username": "alice@example.com", "X-Poolguard-Client-Id": "abc", "x-poolguard-other": "real",
		"x-poolguard-phone": "+18765550123", "X-POOLGUARD-PHONE-CC": "+1", "x-poolguard-phone-region": "JM", "x-poolguard-subject": "sub-1",
	} {
		if got, _ := v.HeaderValue(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	for name, want := range map[string]bool{
		"X-Poolguard-Username": true, "x-poolguard-phone": true, "x-poolguard-subject": true,
		"x-poolguard-phone-cc": false, "x-poolguard-phone-region": false, "x-poolguard-client-id": false,
	} {
		if IsPersonalHeader(name) != want {
			t.Errorf("IsPersonalHeader(%q) = %v", name, !want)
		}
	}
}

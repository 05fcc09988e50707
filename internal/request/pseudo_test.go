package request

import (
	"net/http"
	"testing"
)

func TestPhonePseudoHeaders(t *testing.T) {
	for _, tc := range []struct{ in, phone, cc string }{
		{"+14155550123", "+14155550123", "+1"},
		{"+7 495 123-45-67", "+74951234567", "+7"},
		{"+44 (20) 7946.0958", "+442079460958", "+44"},
		{"+351912345678", "+351912345678", "+351"},
		{"+882161234567", "+882161234567", "+882"},
		{"+33", "+33", "+33"},
		{"0044 20 7946 0958", "", ""},
		{"+44 20x", "", ""},
		{"", "", ""},
	} {
		v := &View{Phone: tc.in, Header: http.Header{"X-Poolguard-Phone": {"+10000000000"}}}
		phone, _ := v.HeaderValue("x-poolguard-phone")
		cc, ok := v.HeaderValue("X-Poolguard-Phone-Cc")
		if phone != tc.phone || cc != tc.cc || ok != (tc.cc != "") {
			t.Errorf("%q: phone %q cc %q (%v); want %q %q", tc.in, phone, cc, ok, tc.phone, tc.cc)
		}
	}
	v := &View{Username: "Alice@Example.COM", ClientID: "abc", Header: http.Header{"X-Poolguard-Other": {"real"}}}
	for name, want := range map[string]string{"x-poolguard-username": "alice@example.com", "X-Poolguard-Client-Id": "abc", "x-poolguard-other": "real"} {
		if got, _ := v.HeaderValue(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if !IsPersonalHeader("X-Poolguard-Username") || IsPersonalHeader("x-poolguard-phone-cc") {
		t.Error("IsPersonalHeader")
	}
}

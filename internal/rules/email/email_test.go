package email

import (
	"strings"
	"testing"

	"github.com/poolguard/poolguard/internal/cognito"
	"github.com/poolguard/poolguard/internal/edge/request"
)

func TestNormalize(t *testing.T) {
	for _, tc := range []struct{ in, want, domain string }{
		{"Alice@Example.COM", "alice@example.com", "example.com"},
		{"alice+shop@example.com", "alice@example.com", "example.com"},
		{"alice+a+b@example.com", "alice@example.com", "example.com"},
		{"A.Lice+x@GMail.com", "alice@gmail.com", "gmail.com"},
		{"a.l.i.c.e@googlemail.com", "alice@gmail.com", "gmail.com"},
		{"a.lice@outlook.com", "a.lice@outlook.com", "outlook.com"},
		{"bob@example.com.", "", ""}, // net/mail refuses a trailing dot
		{"bob@BÜCHER.example", "bob@xn--bcher-kva.example", "xn--bcher-kva.example"},
		{"+tag@example.com", "+tag@example.com", "example.com"},
		{"Alice <alice@example.com>", "", ""},
		{"alice@example.com, bob@example.com", "", ""},
		{"alice", "", ""},
		{"@example.com", "", ""},
		{"alice@", "", ""},
		{"", "", ""},
	} {
		got, dom, ok := Normalize(tc.in)
		if got != tc.want || dom != tc.domain || ok != (tc.want != "") {
			t.Errorf("Normalize(%q) = %q %q %v, want %q %q", tc.in, got, dom, ok, tc.want, tc.domain)
		}
	}
}

func TestDomainsContains(t *testing.T) {
	d := NewDomains(map[string]struct{}{"mailinator.com": {}, "guerrillamail.com": {}})
	for dom, want := range map[string]bool{
		"mailinator.com": true, "x.mailinator.com": true, "a.b.mailinator.com": true,
		"notmailinator.com": false, "mailinator.com.evil.example": false, "example.com": false, "com": false, "": false,
	} {
		if got := d.Contains(dom); got != want {
			t.Errorf("Contains(%q) = %v", dom, got)
		}
	}
	var none *Domains
	if none.Contains("mailinator.com") || none.Len() != 0 {
		t.Error("nil Domains")
	}
}

func TestResolve(t *testing.T) {
	for _, tc := range []struct{ op, body, want string }{
		{"SignUp", `{"Username":"u1","UserAttributes":[{"Name":"email","Value":"Bob+x@Example.com"}]}`, "bob@example.com"},
		{"SignUp", `{"Username":"B.ob@gmail.com"}`, "bob@gmail.com"},
		{"UpdateUserAttributes", `{"AccessToken":"x","UserAttributes":[{"Name":"EMAIL","Value":"bob@example.com"}]}`, "bob@example.com"},
		{"ForgotPassword", `{"Username":"Bob+reset@example.com"}`, "bob@example.com"},
		{"ForgotPassword", `{"Username":"bob"}`, ""},
		{"SignUp", `{"Username":"+14155552671"}`, ""},
	} {
		v := &request.View{Target: "AWSCognitoIdentityProviderService." + tc.op, Body: []byte(tc.body)}
		if err := cognito.Parse(v); err != nil {
			t.Fatal(err)
		}
		Resolve(v)
		if v.Email != tc.want {
			t.Errorf("%s %s: Email %q, want %q", tc.op, tc.body, v.Email, tc.want)
		}
	}
}

// FuzzNormalize: the key is lower case and ends in its domain, and a key
// that is itself an address normalises to itself. (Removing a tag can
// leave a local part net/mail refuses, "a.+x" -> "a."; the key is still a
// key.)
func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"A.Lice+x@GMail.com", "bob@BÜCHER.example", "\"quoted\"@example.com", "a@b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, d, ok := Normalize(s)
		if !ok {
			return
		}
		if n != strings.ToLower(n) || !strings.HasSuffix(n, "@"+d) {
			t.Fatalf("Normalize(%q) = %q, %q", s, n, d)
		}
		again, d2, ok := Normalize(n)
		if ok && (again != n || d2 != d) {
			t.Fatalf("Normalize(%q) = %q, but Normalize(%q) = %q %v", s, n, n, again, ok)
		}
	})
}

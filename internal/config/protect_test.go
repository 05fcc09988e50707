package config

import (
	"strings"
	"testing"
)

func TestProtectionAndPoolACLValidation(t *testing.T) {
	base := "upstream: {region: us-east-1}\n"
	tests := []struct {
		name, yaml string
		want       []string // substrings of the error; none means valid
	}{
		{"valid", `clients:
  - client_id: c
    protected_attributes: ["custom:*", email]
    prevent_user_existence_errors: true
    forbidden_operations: [DeleteUser]
pool_acl:
  proxy_egress_ips: [203.0.113.1, "2001:db8::/64"]
  proxy_header: {name: x-poolguard-auth, value: "env:PG_HEADER"}
  forbidden_operations: [DeleteUser]
  proxy_only_operations: [UpdateUserAttributes]
  rate_limits: {SignInRateLimit: 100}
`, nil},
		{"bad client fields", `clients:
  - client_id: c
    protected_attributes: ["", "cus*tom:x", "a b"]
    forbidden_operations: [Nope]
    username_attributes: [phone_number, Phone]
`, []string{"clients[0].protected_attributes[0]", "clients[0].protected_attributes[1]", "clients[0].protected_attributes[2]", `clients[0].forbidden_operations[0]: unknown Cognito operation "Nope"`,
			`clients[0].username_attributes[1]: "Phone" is not a username attribute`}},
		{"bad pool_acl", `pool_acl:
  proxy_egress_ips: [nope]
  proxy_header: {name: "x-amz-secret", value: "env:X"}
  forbidden_operations: [Nope]
  proxy_only_operations: [AdminCreateUser]
`, []string{"pool_acl.proxy_egress_ips[0]", "x-amz namespace", "pool_acl.forbidden_operations[0]", "pool_acl.proxy_only_operations[0]: AdminCreateUser is IAM-signed"}},
		{"header without value", "pool_acl:\n  proxy_header: {name: x-poolguard-auth}\n", []string{"pool_acl.proxy_header.value: is required"}},
		{"value without header", "pool_acl:\n  proxy_header: {value: 'env:X'}\n", []string{"pool_acl.proxy_header.name: is required"}},
		{"bad header name", "pool_acl:\n  proxy_header: {name: 'x poolguard', value: 'env:X'}\n", []string{"is not an HTTP header name"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("t.yaml", []byte(base+tc.yaml))
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil {
				t.Fatal("valid, want errors")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}
}

// TestNoPhoneUsernames: only a username_attributes list that is given and
// leaves out phone_number turns phone-number user names off.
func TestNoPhoneUsernames(t *testing.T) {
	for _, tc := range []struct {
		attrs string
		want  bool
	}{
		{"", false},
		{"    username_attributes: [phone_number]\n", false},
		{"    username_attributes: [email, phone_number]\n", false},
		{"    username_attributes: [email]\n", true},
		{"    username_attributes: []\n", true},
	} {
		cfg, err := Parse("t.yaml", []byte("upstream: {region: us-east-1}\nclients:\n  - client_id: c\n"+tc.attrs))
		if err != nil {
			t.Fatal(err)
		}
		if got := cfg.Clients[0].NoPhoneUsernames(); got != tc.want {
			t.Errorf("%q: NoPhoneUsernames = %v, want %v", tc.attrs, got, tc.want)
		}
	}
}

package cognito

import (
	"encoding/json"
	"testing"

	"github.com/tidwall/gjson"
)

func TestSetString(t *testing.T) {
	tests := []struct {
		name, body, parent, key, val, want string
	}{
		{"add top", `{"ClientId":"c"}`, "", "SecretHash", "h", `{"ClientId":"c","SecretHash":"h"}`},
		{"empty obj", `{ }`, "", "SecretHash", "h", `{ "SecretHash":"h"}`},
		{"overwrite top", `{"SecretHash":"evil","ClientId":"c"}`, "", "SecretHash", "h", `{"SecretHash":"h","ClientId":"c"}`},
		{"overwrite non-string", `{"SecretHash":{"x":1}}`, "", "SecretHash", "h", `{"SecretHash":"h"}`},
		{"nested add", `{"AuthParameters":{"USERNAME":"u"}}`, "AuthParameters", "SECRET_HASH", "h", `{"AuthParameters":{"USERNAME":"u","SECRET_HASH":"h"}}`},
		{"nested create", `{"ClientId":"c"}`, "AuthParameters", "SECRET_HASH", "h", `{"ClientId":"c","AuthParameters":{"SECRET_HASH":"h"}}`},
		{"nested null", `{"UserContextData":null}`, "UserContextData", "IpAddress", "1.2.3.4", `{"UserContextData":{"IpAddress":"1.2.3.4"}}`},
		{"nested overwrite", `{"AuthParameters":{"SECRET_HASH":"x","USERNAME":"u"}}`, "AuthParameters", "SECRET_HASH", "h", `{"AuthParameters":{"SECRET_HASH":"h","USERNAME":"u"}}`},
		{"escape", `{}`, "", "K", "a\"b\\c\n", `{"K":"a\"b\\c\u000a"}`},
		{"whitespace", "{\n \"A\" : 1 \n}\n", "", "B", "x", "{\n \"A\" : 1 \n,\"B\":\"x\"}\n"},
		{"short key, empty value", `{}`, "", "k", "", `{"k":""}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := setString([]byte(tt.body), tt.parent, tt.key, tt.val)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Fatalf("got %s\nwant %s", got, tt.want)
			}
			if !json.Valid(got) {
				t.Fatalf("invalid JSON %s", got)
			}
		})
	}
}

// TestSetStringRejectsNonObjectParent: a parent that is there but is no
// object is refused as Cognito refuses it, never written into (a string
// holding braces included).
func TestSetStringRejectsNonObjectParent(t *testing.T) {
	for _, parent := range []string{`"x"`, `"{}"`, `"{\"a\":1}"`, `[{}]`, `1`, `true`} {
		body := `{"AuthParameters":` + parent + `}`
		got, err := setString([]byte(body), "AuthParameters", "SECRET_HASH", "h")
		if err == nil || err.Type != "InvalidParameterException" {
			t.Errorf("AuthParameters %s: body %s, err %v; want InvalidParameterException", parent, got, err)
		}
	}
}

// TestSetStringRefusesNonObjectBody: setString writes only into an object;
// a body without both braces is refused, not spliced.
func TestSetStringRefusesNonObjectBody(t *testing.T) {
	for _, body := range []string{`"}"`, `"{"`, `1`} {
		got, err := setString([]byte(body), "", "SecretHash", "h")
		if err == nil || err.Type != "SerializationException" {
			t.Errorf("body %s: got %s, err %v; want SerializationException", body, got, err)
		}
	}
}

func TestDuplicateKey(t *testing.T) {
	for body, want := range map[string]string{
		`{"a":1,"b":2}`:                   "",
		`{"a":1,"b":2,"a":3}`:             "a",
		`{"ClientId":"x","ClientId":"y"}`: "ClientId",
		`{"":"","":[]}`:                   `""`,
	} {
		if got := duplicateKey(gjson.Parse(body)); got != want {
			t.Errorf("duplicateKey(%s) = %q, want %q", body, got, want)
		}
	}
}

// FuzzSetString checks that any valid object stays valid and carries the
// value after the edit.
func FuzzSetString(f *testing.F) {
	f.Add(`{"AuthParameters":{"USERNAME":"u"}}`, "AuthParameters", "SECRET_HASH", "v")
	f.Add(`{}`, "", "SecretHash", "v")
	f.Add(`{"a":[1,{"b":2}],"AuthParameters":null}`, "AuthParameters", "K", "\x00\"")
	f.Fuzz(func(t *testing.T, body, parent, key, val string) {
		if !gjson.Valid(body) || !gjson.Parse(body).IsObject() || !isPlainKey(parent) || !isPlainKey(key) || key == "" {
			return
		}
		out, err := setString([]byte(body), parent, key, val)
		if err != nil {
			return
		}
		if !json.Valid(out) {
			t.Fatalf("invalid output %q", out)
		}
		path := key
		if parent != "" {
			path = parent + "." + key
		}
		if got := gjson.GetBytes(out, path); got.Type != gjson.String || got.Str != val && json.Valid([]byte(`"`+val+`"`)) {
			if got.Str != val {
				t.Fatalf("value at %s = %q, want %q (out %s)", path, got.Str, val, out)
			}
		}
	})
}

func isPlainKey(s string) bool {
	for _, c := range s {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '_') {
			return false
		}
	}
	return true
}

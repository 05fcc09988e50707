package cognito

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/tidwall/gjson"
)

func TestAppendCanonical(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"ClientId":"abc","Username":"alice"}`, `{"ClientId":"abc","Username":"alice"}`},
		{" {\n \"a\" : [ 1 , -2.5e+3, true,false , null ] } ", `{"a":[1,-2.5e+3,true,false,null]}`},
		// The query-string trick: no separator survives, in values or keys.
		{`{"Username":"x&Action=AdminDeleteUser&Username=victim&"}`, `{"Username":"x\u0026Action\u003dAdminDeleteUser\u0026Username\u003dvictim\u0026"}`},
		{`{"ClientMetadata":{"k&Action=X":"v;w"}}`, `{"ClientMetadata":{"k\u0026Action\u003dX":"v\u003bw"}}`},
		// Escapes the client chose are re-encoded one way.
		{`{"a":"\u0041\/\"\\\n"}`, `{"a":"A\u002f\"\\\u000a"}`},
		{`{"a":"caf\u00e9","b":"café","c":"😀"}`, `{"a":"caf\u00e9","b":"caf\u00e9","c":"\ud83d\ude00"}`},
		{"{\"a\":\"\xff\"}", `{"a":"\ufffd"}`},
		{`{"a":"<script>'"}`, `{"a":"\u003cscript\u003e\u0027"}`},
		// gjson reads a lone high surrogate as taking the next escape with
		// it; a JSON reader upstream would keep that next character. The
		// canonical form carries the proxy's reading.
		{`{"Username":"\ud800\u0041dmin"}`, `{"Username":"\ufffddmin"}`},
		{`{}`, `{}`},
		{`{"a":{},"b":[]}`, `{"a":{},"b":[]}`},
	}
	for _, tt := range tests {
		if got := string(AppendCanonical(nil, []byte(tt.in))); got != tt.want {
			t.Errorf("AppendCanonical(%s)\n got %s\nwant %s", tt.in, got, tt.want)
		}
	}
}

// FuzzAppendCanonical checks, for any body Parse accepts, that the
// canonical form is valid JSON of printable ASCII without a query-string
// separator, that encoding/json reads from it the value the proxy read
// from the original (gjson), and that it is its own canonical form.
func FuzzAppendCanonical(f *testing.F) {
	f.Add([]byte(`{"Username":"x&Action=AdminDeleteUser&","n":[1,2.5,{"a":null}]}`))
	f.Add([]byte("{\"a\":\"\\ud800\xff\\u00e9\"}"))
	f.Fuzz(func(t *testing.T, in []byte) {
		if !gjson.ValidBytes(in) || !gjson.ParseBytes(in).IsObject() || checkDuplicates(gjson.ParseBytes(in)) != nil {
			return
		}
		out := AppendCanonical(nil, in)
		for _, c := range out {
			if c < ' ' || c > '~' || c == '&' || c == '=' || c == ';' {
				t.Fatalf("byte %q in %s", c, out)
			}
		}
		var std, got any
		if err := json.Unmarshal(in, &std); err != nil {
			return // gjson accepts what encoding/json does not (e.g. huge numbers)
		}
		want := validUTF8(gjson.ParseBytes(in).Value())
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("canonical form not JSON: %s: %v", out, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("values differ:\n in  %s\n out %s", in, out)
		}
		if again := AppendCanonical(nil, out); !bytes.Equal(again, out) {
			t.Fatalf("not stable:\n%s\n%s", out, again)
		}
	})
}

// validUTF8 returns v with each invalid byte of its strings (keys too)
// read as U+FFFD, as the canonical form encodes them.
func validUTF8(v any) any {
	switch v := v.(type) {
	case string:
		return string([]rune(v))
	case []any:
		for i := range v {
			v[i] = validUTF8(v[i])
		}
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[string([]rune(k))] = validUTF8(e)
		}
		return m
	}
	return v
}

func BenchmarkAppendCanonical(b *testing.B) {
	body := []byte(`{"AuthFlow":"USER_PASSWORD_AUTH","ClientId":"1example23456789","AuthParameters":{"USERNAME":"alice@example.com","PASSWORD":"correct horse battery staple","SECRET_HASH":"Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFy="},"UserContextData":{"IpAddress":"203.0.113.9"},"ClientMetadata":{}}`)
	dst := make([]byte, 0, 1024)
	b.ReportAllocs()
	for b.Loop() {
		dst = AppendCanonical(dst[:0], body)
	}
}

package proxy

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tidwall/gjson"
)

const sigV4Example = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/cognito-idp/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=0123abcd"

// An IAM operation the client signs itself reaches the upstream with the
// client's Host, body and signed headers as sent; one without a SigV4
// signature scoped to cognito-idp is refused before it leaves.
func TestIAMPassThrough(t *testing.T) {
	rec := &recorder{}
	up := httptest.NewServer(rec)
	defer up.Close()
	st := testState()
	st.Policy.AllowIAM = true
	p := startProxy(t, st, up.URL, 5*time.Second)
	body := ` {"UserPoolId" : "us-east-1_x", "Username":"a&b"}`

	resp := call(t, p, "AdminGetUser", body, map[string]string{"Authorization": sigV4Example, "X-Amz-Date": "20260101T000000Z"})
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	got := rec.last(t)
	wantHost := strings.TrimPrefix(p, "http://")
	if got.host != wantHost || string(got.body) != body || got.header.Get("Authorization") != sigV4Example ||
		got.header.Get("X-Amz-Date") != "20260101T000000Z" || got.header.Get("Content-Type") != "application/x-amz-json-1.1" {
		t.Fatalf("forwarded Host %q (want %q), %v, %q", got.host, wantHost, got.header, got.body)
	}

	for name, auth := range map[string]string{
		"none":                "",
		"not SigV4":           "Basic YTpi",
		"scoped to STS":       strings.Replace(sigV4Example, "/cognito-idp/", "/sts/", 1),
		"scoped to S3":        strings.Replace(sigV4Example, "/cognito-idp/", "/s3/", 1),
		"host not signed":     strings.Replace(sigV4Example, "host;", "", 1),
		"no signature":        strings.Replace(sigV4Example, "Signature=0123abcd", "Signature=", 1),
		"scope too short":     strings.Replace(sigV4Example, "/us-east-1", "", 1),
		"SigV4A (other algo)": strings.Replace(sigV4Example, "AWS4-HMAC-SHA256", "AWS4-ECDSA-P256-SHA256", 1),
	} {
		before := rec.count()
		hdr := map[string]string{}
		if auth != "" {
			hdr["Authorization"] = auth
		}
		resp := call(t, p, "ListUsers", `{"UserPoolId":"us-east-1_x"}`, hdr)
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 400 || rec.count() != before || !strings.HasSuffix(gjson.GetBytes(b, "__type").Str, "Exception") {
			t.Errorf("%s: status %d %s, forwarded %v", name, resp.StatusCode, b, rec.count() != before)
		}
	}
}

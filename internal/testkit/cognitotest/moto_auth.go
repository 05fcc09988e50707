package cognitotest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// AccessKey is an IAM access key created in moto.
type AccessKey struct {
	ID, Secret string
}

// EnableSigV4 creates, in moto's IAM, a user allowed every cognito-idp
// action and an access key for it, then turns moto's request
// authentication on (POST /moto-api/reset-auth with 0): from then on moto
// verifies every request's SigV4 signature and the signer's IAM policy,
// and answers SignatureDoesNotMatch (403) for a signature it cannot
// reproduce. It stays on for the rest of this moto's life.
func (m *Moto) EnableSigV4(t testing.TB) AccessKey {
	t.Helper()
	m.iam(t, url.Values{"Action": {"CreateUser"}, "UserName": {"poolguard-iam-test"}})
	m.iam(t, url.Values{"Action": {"PutUserPolicy"}, "UserName": {"poolguard-iam-test"}, "PolicyName": {"cognito"},
		"PolicyDocument": {`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"cognito-idp:*","Resource":"*"}]}`}})
	var out struct {
		ID     string `xml:"CreateAccessKeyResult>AccessKey>AccessKeyId"`
		Secret string `xml:"CreateAccessKeyResult>AccessKey>SecretAccessKey"`
	}
	if err := xml.Unmarshal(m.iam(t, url.Values{"Action": {"CreateAccessKey"}, "UserName": {"poolguard-iam-test"}}), &out); err != nil || out.ID == "" {
		t.Fatalf("moto CreateAccessKey: %v %+v", err, out)
	}
	resp, err := http.Post(m.URL+"/moto-api/reset-auth", "text/plain", strings.NewReader("0"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("moto reset-auth: %d %s", resp.StatusCode, body)
	}
	return AccessKey{ID: out.ID, Secret: out.Secret}
}

// iam calls moto's IAM query API with params (signed with dummy
// credentials, which moto accepts until EnableSigV4 turns checks on) and
// returns the XML answer.
func (m *Moto) iam(t testing.TB, params url.Values) []byte {
	t.Helper()
	params.Set("Version", "2010-05-08")
	form := params.Encode()
	req, _ := http.NewRequest(http.MethodPost, m.URL+"/", strings.NewReader(form))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sum := sha256.Sum256([]byte(form))
	creds := aws.Credentials{AccessKeyID: "AKIDTEST", SecretAccessKey: "test-secret"}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "iam", Region, time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("moto IAM %s: %d %s", params.Get("Action"), resp.StatusCode, body)
	}
	return body
}

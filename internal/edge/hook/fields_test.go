package hook

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/poolguard/poolguard/internal/edge/request"
)

// TestBuildRequestNeverSendsSecrets selects fields, some of them secret or
// holding secrets, and checks what reaches the hook.
func TestBuildRequestNeverSendsSecrets(t *testing.T) {
	body := `{"ClientId":"c","Username":"bob","Password":"S3CRET-pw",
	"UserAttributes":[{"Name":"email","Value":"bob@example.com"},{"Name":"custom:api_token","Value":"S3CRET-attr"}],
	"ClientMetadata":{"campaign":"spring","otp":"S3CRET-otp","nested":{"SessionId":"S3CRET-s","ok":1}},
	"AuthParameters":{"USERNAME":"bob","PASSWORD":"S3CRET-ap","SRP_A":"S3CRET-srp"},
	"ChallengeResponses":{"SMS_MFA_CODE":"S3CRET-code"},"ConfirmationCode":"S3CRET-cc"}`
	v := &request.View{Operation: "SignUp", Body: []byte(body), BodyValidJSON: true,
		Header: http.Header{"User-Agent": {"ua"}, "Authorization": {"S3CRET-auth"}}}
	for _, tc := range []struct {
		field string
		want  string // JSON of Fields[field], "" when absent
	}{
		{"UserAttributes", `[{"Name":"email","Value":"bob@example.com"}]`},
		{"ClientMetadata", `{"campaign":"spring","nested":{"ok":1}}`},
		{"ClientMetadata.campaign", `"spring"`},
		{"AuthParameters.USERNAME", `"bob"`},
		{"Password", ""},
		{"AuthParameters", ""},
		{"AuthParameters.PASSWORD", ""},
		{"ChallengeResponses", ""},
		{"ChallengeResponses.SMS_MFA_CODE", ""},
		{"ConfirmationCode", ""},
		{"Missing", ""},
	} {
		t.Run(tc.field, func(t *testing.T) {
			r := BuildRequest(v, nil, []string{"User-Agent", "Authorization"}, []string{tc.field})
			raw, ok := r.Fields[tc.field]
			if got := string(raw); (tc.want == "") == ok || (ok && got != tc.want) {
				t.Errorf("Fields[%s] = %s (present %v), want %q", tc.field, got, ok, tc.want)
			}
			out, _ := json.Marshal(r)
			if strings.Contains(string(out), "S3CRET") {
				t.Errorf("request to the hook holds a secret: %s", out)
			}
			if r.Headers["user-agent"] != "ua" {
				t.Errorf("headers %v", r.Headers)
			}
		})
	}
}

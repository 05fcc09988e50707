package breached

import (
	"path/filepath"
	"testing"

	"github.com/poolguard/poolguard/internal/cognito"
	"github.com/poolguard/poolguard/internal/edge/request"
)

func TestCheck(t *testing.T) {
	c := newCorpus(1000)
	path := filepath.Join(t.TempDir(), "c.txt")
	c.writeFile(t, path)
	f, _ := build(t, []string{path}, 1)
	const good = "a clean passphrase 7f3a9c1e"
	for _, tc := range []struct {
		name, op, body string
		want           Decision
	}{
		{"SignUp breached", "SignUp", `{"Username":"u","Password":"hunter2"}`, RefuseNew},
		{"SignUp clean", "SignUp", `{"Username":"u","Password":"` + good + `"}`, Clean},
		{"SignUp escaped", "SignUp", `{"Username":"u","Password":"hunt\u0065r2"}`, RefuseNew},
		{"ConfirmForgotPassword", "ConfirmForgotPassword", `{"Username":"u","Password":"hunter2","ConfirmationCode":"1"}`, RefuseNew},
		{"ChangePassword proposed", "ChangePassword", `{"PreviousPassword":"x","ProposedPassword":"hunter2"}`, RefuseNew},
		{"ChangePassword previous only breached", "ChangePassword", `{"PreviousPassword":"hunter2","ProposedPassword":"` + good + `"}`, Clean},
		{"NEW_PASSWORD_REQUIRED", "RespondToAuthChallenge", `{"ChallengeName":"NEW_PASSWORD_REQUIRED","ChallengeResponses":{"USERNAME":"u","NEW_PASSWORD":"hunter2"}}`, RefuseNew},
		{"USER_PASSWORD_AUTH", "InitiateAuth", `{"AuthFlow":"USER_PASSWORD_AUTH","AuthParameters":{"USERNAME":"u","PASSWORD":"hunter2"}}`, BreachedSignIn},
		{"USER_AUTH PASSWORD answer", "RespondToAuthChallenge", `{"ChallengeName":"PASSWORD","ChallengeResponses":{"USERNAME":"u","PASSWORD":"hunter2"}}`, BreachedSignIn},
		{"SRP carries no password", "InitiateAuth", `{"AuthFlow":"USER_SRP_AUTH","AuthParameters":{"USERNAME":"u","SRP_A":"abc"}}`, NotChecked},
		{"password not a string", "SignUp", `{"Username":"u","Password":12345}`, NotChecked},
		{"other operation", "ConfirmSignUp", `{"Username":"u","ConfirmationCode":"hunter2"}`, NotChecked},
	} {
		v := &request.View{Target: "AWSCognitoIdentityProviderService." + tc.op, Body: []byte(tc.body)}
		if err := cognito.Parse(v); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := Check(v, f); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
		if got := Check(v, nil); got != NotChecked {
			t.Errorf("%s: nil filter: %v", tc.name, got)
		}
	}
}

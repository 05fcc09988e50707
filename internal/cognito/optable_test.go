package cognito

import (
	"os"
	"os/exec"
	"sort"
	"strings"
	"testing"
)

// modelScript prints "<name> <noauth>" for every cognito-idp operation in
// botocore's service model.
const modelScript = `
import botocore.session
m = botocore.session.get_session().get_service_model('cognito-idp')
for o in m.operation_names:
    auth = m.operation_model(o)._operation_model.get('auth') or []
    print(o, 'smithy.api#noAuth' in auth)
`

func TestOperationTableMatchesServiceModel(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		skipWithoutModel(t, "python3 not found; cannot read botocore's service model")
	}
	out, err := exec.Command(py, "-c", modelScript).Output()
	if err != nil {
		skipWithoutModel(t, "botocore not importable: "+err.Error())
	}
	seen := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		name, noAuth, _ := strings.Cut(line, " ")
		seen[name] = true
		o, ok := Lookup(name)
		if !ok {
			t.Errorf("operation %s is in the service model but not in the table", name)
			continue
		}
		if got, want := o.Class == IAM, noAuth == "False"; got != want {
			t.Errorf("%s: class %s, but the model says noAuth=%s", name, o.Class, noAuth)
		}
	}
	var extra []string
	for _, o := range Operations() {
		if !seen[o.Name] {
			extra = append(extra, o.Name)
		}
	}
	sort.Strings(extra)
	if len(extra) > 0 {
		t.Errorf("table has operations the model lacks: %v", extra)
	}
}

func TestOperationTableConsistent(t *testing.T) {
	for _, o := range Operations() {
		if _, ok := DefaultQuotas[o.Quota]; !ok {
			t.Errorf("%s: quota category %q has no default quota", o.Name, o.Quota)
		}
		if o.Class != Public && o.Secret != NoSecret {
			t.Errorf("%s: only public operations carry a secret", o.Name)
		}
	}
}

func TestActionCategories(t *testing.T) {
	want := map[string]ActionCategory{
		"SignUp": UserCreation, "ConfirmSignUp": UserCreation, "ResendConfirmationCode": UserCreation,
		"InitiateAuth": SignIn, "RespondToAuthChallenge": SignIn,
		"ForgotPassword": AccountRecovery, "ConfirmForgotPassword": AccountRecovery,
		"AssociateSoftwareToken": DefaultCategory, "VerifySoftwareToken": DefaultCategory,
	}
	for name, cat := range want {
		o, _ := Lookup(name)
		if o == nil || o.Category != cat {
			t.Errorf("%s: category %v, want %s", name, o, cat)
		}
	}
}

func TestOperationFromTarget(t *testing.T) {
	for in, want := range map[string]string{
		"AWSCognitoIdentityProviderService.SignUp": "SignUp",
		"AWSCognitoIdentityProviderService.":       "",
		"AWSCognitoIdentityService.GetId":          "",
		"":                                         "",
	} {
		if got := OperationFromTarget(in); got != want {
			t.Errorf("OperationFromTarget(%q) = %q, want %q", in, got, want)
		}
	}
}

// skipWithoutModel skips a test that needs botocore (which comes with
// moto), or fails it when POOLGUARD_REQUIRE_MOTO says the tools are there.
func skipWithoutModel(t *testing.T, why string) {
	t.Helper()
	if os.Getenv("POOLGUARD_REQUIRE_MOTO") == "1" {
		t.Fatal(why + " (POOLGUARD_REQUIRE_MOTO=1)")
	}
	t.Skip(why)
}

package audit

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/poolguard/poolguard/internal/testkit/cognitotest"
)

var update = flag.Bool("update", false, "rewrite golden files")

// motoPools is a moto_server holding the pools the audit tests read.
type motoPools struct {
	moto  *cognitotest.Moto
	admin *cip.Client
}

func startPools(t *testing.T) *motoPools {
	t.Helper()
	m := cognitotest.StartMoto(t)
	return &motoPools{moto: m, admin: m.Client()}
}

func (m *motoPools) pool(t *testing.T, in *cip.CreateUserPoolInput) string {
	t.Helper()
	out, err := m.admin.CreateUserPool(context.Background(), in)
	if err != nil {
		t.Fatalf("CreateUserPool %s: %v", aws.ToString(in.PoolName), err)
	}
	return aws.ToString(out.UserPool.Id)
}

func (m *motoPools) client(t *testing.T, in *cip.CreateUserPoolClientInput) string {
	t.Helper()
	out, err := m.admin.CreateUserPoolClient(context.Background(), in)
	if err != nil {
		t.Fatalf("CreateUserPoolClient %s: %v", aws.ToString(in.ClientName), err)
	}
	return aws.ToString(out.UserPoolClient.ClientId)
}

func (m *motoPools) api() func(context.Context, string) (API, error) {
	return func(context.Context, string) (API, error) { return cognitotest.NewClient(m.moto.URL), nil }
}

var tenantSchema = []types.SchemaAttributeType{{Name: aws.String("tenant"), AttributeDataType: types.AttributeDataTypeString, Mutable: aws.Bool(false)}}

// TestAuditMoto audits real moto pools: a default one (the Haufe-Lexware article's two
// weaknesses), one with every bad setting, and a clean one, each against
// golden text, JSON and SARIF.
func TestAuditMoto(t *testing.T) {
	m := startPools(t)
	dir := t.TempDir()

	// A pool left at its defaults, with a custom:tenant attribute.
	defPool := m.pool(t, &cip.CreateUserPoolInput{PoolName: aws.String("default"), Schema: tenantSchema})
	m.client(t, &cip.CreateUserPoolClientInput{UserPoolId: aws.String(defPool), ClientName: aws.String("web")})

	// Every bad setting.
	bad := m.pool(t, &cip.CreateUserPoolInput{
		PoolName: aws.String("weak"), Schema: tenantSchema,
		AutoVerifiedAttributes: []types.VerifiedAttributeType{types.VerifiedAttributeTypeEmail, types.VerifiedAttributeTypePhoneNumber},
		MfaConfiguration:       types.UserPoolMfaTypeOptional,
		SmsConfiguration:       &types.SmsConfigurationType{SnsCallerArn: aws.String("arn:aws:iam::123456789012:role/sms")},
		UserPoolAddOns:         &types.UserPoolAddOnsType{AdvancedSecurityMode: types.AdvancedSecurityModeTypeAudit},
	})
	badApp := m.client(t, &cip.CreateUserPoolClientInput{
		UserPoolId: aws.String(bad), ClientName: aws.String("app"),
		ExplicitAuthFlows:          []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowUserPasswordAuth, types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth},
		AllowedOAuthScopes:         []string{"openid", "aws.cognito.signin.user.admin"},
		PreventUserExistenceErrors: types.PreventUserExistenceErrorTypesLegacy,
		EnableTokenRevocation:      aws.Bool(false),
		RefreshTokenValidity:       3650,
		AccessTokenValidity:        aws.Int32(24),
		TokenValidityUnits:         &types.TokenValidityUnitsType{AccessToken: types.TimeUnitsTypeHours, RefreshToken: types.TimeUnitsTypeDays},
	})
	m.client(t, &cip.CreateUserPoolClientInput{
		UserPoolId: aws.String(bad), ClientName: aws.String("backoffice"), GenerateSecret: true,
		WriteAttributes:                          []string{"name", "email", "custom:tenant"},
		ExplicitAuthFlows:                        []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAdminNoSrpAuth},
		PreventUserExistenceErrors:               types.PreventUserExistenceErrorTypesEnabled,
		EnablePropagateAdditionalUserContextData: aws.Bool(true),
	})

	// Nothing to report.
	clean := m.pool(t, &cip.CreateUserPoolInput{
		PoolName: aws.String("clean"), Schema: tenantSchema,
		UsernameAttributes:          []types.UsernameAttributeType{types.UsernameAttributeTypeEmail},
		AutoVerifiedAttributes:      []types.VerifiedAttributeType{types.VerifiedAttributeTypeEmail},
		UserAttributeUpdateSettings: &types.UserAttributeUpdateSettingsType{AttributesRequireVerificationBeforeUpdate: []types.VerifiedAttributeType{types.VerifiedAttributeTypeEmail}},
		AdminCreateUserConfig:       &types.AdminCreateUserConfigType{AllowAdminCreateUserOnly: true},
		UserPoolAddOns:              &types.UserPoolAddOnsType{AdvancedSecurityMode: types.AdvancedSecurityModeTypeEnforced},
		DeletionProtection:          types.DeletionProtectionTypeActive,
	})
	cleanApp := m.client(t, &cip.CreateUserPoolClientInput{
		UserPoolId: aws.String(clean), ClientName: aws.String("app"), GenerateSecret: true,
		WriteAttributes:                          []string{"name", "locale"},
		ExplicitAuthFlows:                        []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowUserSrpAuth, types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth},
		PreventUserExistenceErrors:               types.PreventUserExistenceErrorTypesEnabled,
		EnableTokenRevocation:                    aws.Bool(true),
		EnablePropagateAdditionalUserContextData: aws.Bool(true),
	})

	badCfg := writeConfig(t, dir, "weak.yaml", fmt.Sprintf(`clients:
  - client_id: %s
    user_pool_id: %s
    propagate_ip: true
  - client_id: ghostclient
    user_pool_id: %s
`, badApp, bad, bad))
	cleanCfg := writeConfig(t, dir, "clean.yaml", fmt.Sprintf(`clients:
  - client_id: %s
    user_pool_id: %s
    propagate_ip: true
    prevent_user_existence_errors: true
    protected_attributes: ["custom:*", email]
waf:
  presets: [cognito-categories]
`, cleanApp, clean))

	tests := []struct {
		name string
		opts Options
		exit int
		want []string // finding ids that must be present
	}{
		{"default", Options{PoolIDs: []string{defPool}}, 2, []string{"writable-custom-attributes", "unverified-attribute-update"}},
		{"weak", Options{ConfigPath: badCfg}, 2, nil},
		{"clean", Options{ConfigPath: cleanCfg}, 0, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := tc.opts
			o.NewAPI = m.api()
			r, err := Audit(context.Background(), o)
			if err != nil {
				t.Fatal(err)
			}
			if got := ExitCode(Worst(r.Findings)); got != tc.exit {
				t.Errorf("exit code %d, want %d", got, tc.exit)
			}
			for _, id := range tc.want {
				if !hasFinding(r.Findings, id) {
					t.Errorf("no %s finding", id)
				}
			}
			if tc.name == "clean" && len(r.Findings) > 0 {
				t.Errorf("clean pool has findings: %+v", r.Findings)
			}
			for _, format := range []string{"text", "json", "sarif"} {
				var b bytes.Buffer
				if err := Write(&b, r, format); err != nil {
					t.Fatal(err)
				}
				golden(t, tc.name+"."+format+".golden", strings.ReplaceAll(b.String(), dir, "$DIR"))
			}
		})
	}
	if !hasFinding(mustRun(t, m, Options{ConfigPath: badCfg}), "context-data-off") {
		t.Error("propagate_ip without EnablePropagateAdditionalUserContextData not reported")
	}
}

// TestRunMoto runs the audit as the command does, with credentials from
// the environment (the default chain) and an Endpoint.
func TestRunMoto(t *testing.T) {
	m := startPools(t)
	id := m.pool(t, &cip.CreateUserPoolInput{PoolName: aws.String("cli"), Schema: tenantSchema})
	m.client(t, &cip.CreateUserPoolClientInput{UserPoolId: aws.String(id), ClientName: aws.String("web")})
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDTEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test-secret")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	var out bytes.Buffer
	err := Run(context.Background(), Options{PoolIDs: []string{id}, Endpoint: m.moto.URL, Format: "json"}, &out)
	var f *FindingsError
	if !errors.As(err, &f) || f.Worst != High || !strings.Contains(out.String(), `"writable-custom-attributes"`) {
		t.Errorf("err %v, stdout:\n%s", err, out.String())
	}
	if err := Run(context.Background(), Options{Format: "xml", PoolIDs: []string{id}}, &out); err == nil || !strings.Contains(err.Error(), `"xml"`) {
		t.Errorf("bad format: %v", err)
	}
	if err := Run(context.Background(), Options{PoolIDs: []string{"us-east-1_nope"}, Endpoint: m.moto.URL}, &out); err == nil || errors.As(err, &f) {
		t.Errorf("unknown pool: %v", err)
	}
}

func mustRun(t *testing.T, m *motoPools, o Options) []Finding {
	t.Helper()
	o.NewAPI = m.api()
	r, err := Audit(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	return r.Findings
}

func hasFinding(fs []Finding, id string) bool {
	for _, f := range fs {
		if f.ID == id {
			return true
		}
	}
	return false
}

func writeConfig(t *testing.T, dir, name, body string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	body = "listen: 127.0.0.1:0\nadmin_listen: 127.0.0.1:0\nupstream:\n  region: us-east-1\n" + body
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (run with -update to accept):\n%s", name, got)
	}
}

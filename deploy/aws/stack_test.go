package aws

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"go.yaml.in/yaml/v3"

	"github.com/poolguard/poolguard/internal/config"
	"github.com/poolguard/poolguard/internal/edge/server"
	"github.com/poolguard/poolguard/internal/rules/ratelimit"
	"github.com/poolguard/poolguard/internal/secrets"
	"github.com/poolguard/poolguard/internal/testkit/cognitotest"
)

// RequireCfnLintEnv, set to "1" (scripts/test.sh, CI), turns the skip of
// TestCfnLint when cfn-lint is missing into a failure.
const RequireCfnLintEnv = "POOLGUARD_REQUIRE_CFNLINT"

const template = "poolguard.yaml"

// The stack passes cfn-lint, AWS's own linter of CloudFormation templates
// (resource schemas, intrinsic functions, IAM policies), without a warning.
func TestCfnLint(t *testing.T) {
	bin, err := exec.LookPath("cfn-lint")
	if err != nil {
		if os.Getenv(RequireCfnLintEnv) == "1" {
			t.Fatalf("cfn-lint not found and %s=1", RequireCfnLintEnv)
		}
		t.Skipf("cfn-lint not found; set %s=1 to make this a failure", RequireCfnLintEnv)
	}
	out, err := exec.Command(bin, "--format", "parseable", template).CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) != 0 {
		t.Errorf("cfn-lint %s: %v\n%s", template, err, out)
	}
}

// stack is the part of the template the tests read.
type stack struct {
	Parameters map[string]struct {
		Type          string `yaml:"Type"`
		Default       any    `yaml:"Default"`
		AllowedValues []any  `yaml:"AllowedValues"`
		NoEcho        bool   `yaml:"NoEcho"`
	} `yaml:"Parameters"`
	Resources map[string]yaml.Node `yaml:"Resources"`
}

func loadStack(t *testing.T) (stack, []byte) {
	t.Helper()
	b, err := os.ReadFile(template)
	if err != nil {
		t.Fatal(err)
	}
	var s stack
	if err := yaml.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	return s, b
}

// The parameters are the ones the AWS articles on protecting Cognito with
// AWS WAF use, so a team moving from AWS WAF keeps its numbers.
func TestParameters(t *testing.T) {
	s, _ := loadStack(t)
	for _, p := range []string{"UserPoolId", "UserPoolRegion", "AppClientId", "AppClientSecret",
		"UserCreationRateLimit", "SignInRateLimit", "AccountRecoveryRateLimit", "IPReputationRateLimit",
		"DefaultRateLimit", "TestMode", "AdvancedSecurityEnabled", "CertificateArn"} {
		if _, ok := s.Parameters[p]; !ok {
			t.Errorf("parameter %s missing", p)
		}
	}
	if !s.Parameters["AppClientSecret"].NoEcho {
		t.Error("AppClientSecret must be NoEcho")
	}
}

// configTemplate returns the Fn::Sub template of the POOLGUARD_CONFIG
// variable (the config every task runs) and the template of its Logging
// variable when WAF log delivery is on.
func configTemplate(t *testing.T, raw []byte) (cfg, logging string) {
	t.Helper()
	var root yaml.Node
	if err := yaml.Unmarshal(raw, &root); err != nil {
		t.Fatal(err)
	}
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		for i, c := range n.Content {
			if c.Value == "POOLGUARD_CONFIG" && i+2 < len(n.Content) && n.Content[i+1].Value == "Value" {
				v := n.Content[i+2]
				if v.Tag == "!Sub" && v.Kind == yaml.SequenceNode && len(v.Content) == 2 {
					cfg = v.Content[0].Value
					vars := v.Content[1]
					for j := 0; j+1 < len(vars.Content); j += 2 {
						// Logging: !If [WafLogs, !Sub "...", ""]
						if f := vars.Content[j+1]; vars.Content[j].Value == "Logging" && f.Tag == "!If" && len(f.Content) == 3 {
							logging = f.Content[1].Value
						}
					}
				}
			}
			walk(c)
		}
	}
	walk(&root)
	if cfg == "" || logging == "" {
		t.Fatal("no POOLGUARD_CONFIG !Sub [template, {Logging: !If [WafLogs, !Sub ..., \"\"]}] in the task definition")
	}
	return cfg, logging
}

var subVar = regexp.MustCompile(`\$\{([A-Za-z0-9:.]+)\}`)

// The config the stack generates loads and builds, exactly as a task loads
// it (env:POOLGUARD_CONFIG), in public and admin mode, with and without WAF
// log delivery, and with its client secret read from Secrets Manager
// (moto_server standing in for it).
func TestGeneratedConfigLoads(t *testing.T) {
	s, raw := loadStack(t)
	tmpl, loggingTmpl := configTemplate(t, raw)
	moto := cognitotest.StartMoto(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "testing")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "testing")
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", moto.URL)
	client, err := secrets.NewAWSClient(context.Background(), secrets.AWSOptions{Region: "eu-west-1", Endpoint: moto.URL})
	if err != nil {
		t.Fatal(err)
	}
	created, err := client.CreateSecret(context.Background(), &secretsmanager.CreateSecretInput{
		Name: awssdk.String("poolguard-client-secret"), SecretString: awssdk.String(`{"client-secret": "s3cr3t-from-the-stack"}`),
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name           string
		admin, wafLogs bool
		wantAuthMode   config.AuthMode
	}{
		{"public", false, false, config.AuthPublic},
		{"admin mode with WAF logs", true, true, config.AuthAdmin},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vals := map[string]string{
				"UserPoolRegion": "eu-west-1", "VpcCidr": "10.0.0.0/16", "AWS::Region": "eu-west-1",
				"AppClientId": "1example23456789", "UserPoolId": "eu-west-1_AbC123",
				"ClientSecret": *created.ARN, "AWS::StackName": "poolguard-test",
				"Cache.PrimaryEndPoint.Address": "cache.example.internal", "Cache.PrimaryEndPoint.Port": "6379",
				"AuthMode": "public", "Logging": "",
			}
			for name, p := range s.Parameters {
				if _, ok := vals[name]; !ok && p.Default != nil {
					vals[name] = strings.TrimSpace(yamlScalar(p.Default))
				}
			}
			if tc.admin {
				vals["AuthMode"] = "admin"
			}
			var missing []string
			sub := func(tmpl string) string {
				return subVar.ReplaceAllStringFunc(tmpl, func(m string) string {
					name := m[2 : len(m)-1]
					v, ok := vals[name]
					if !ok {
						missing = append(missing, name)
					}
					return v
				})
			}
			if tc.wafLogs {
				vals["WafLogBucket"] = "aws-waf-logs-poolguard-111122223333-eu-west-1"
				vals["Logging"] = sub(loggingTmpl)
			}
			cfgText := sub(tmpl)
			if len(missing) > 0 {
				t.Fatalf("the config template references %v, which the test does not know", missing)
			}
			t.Setenv("POOLGUARD_CONFIG", cfgText)
			cfg, err := config.Load("env:POOLGUARD_CONFIG")
			if err != nil {
				t.Fatalf("%v\n%s", err, cfgText)
			}
			if cfg.Clients[0].AuthMode != tc.wantAuthMode || !cfg.WAF.TestMode {
				t.Errorf("auth mode %q, test mode %v; want %q, true (the default)", cfg.Clients[0].AuthMode, cfg.WAF.TestMode, tc.wantAuthMode)
			}
			if !cfg.State.Redis.TLS {
				t.Error("the stack's ElastiCache has transit encryption: redis.tls must be on")
			}
			if got := cfg.Logging.S3 != nil; got != tc.wafLogs {
				t.Errorf("WAF log delivery configured: %v, want %v", got, tc.wafLogs)
			}
			if _, err := server.BuildState(context.Background(), cfg, server.Deps{Store: ratelimit.NewMemory()}); err != nil {
				t.Fatalf("BuildState: %v\n%s", err, cfgText)
			}
		})
	}
}

// yamlScalar formats a parameter default as CloudFormation substitutes it.
func yamlScalar(v any) string { return fmt.Sprint(v) }

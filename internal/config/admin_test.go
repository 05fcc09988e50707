package config

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/poolguard/poolguard/internal/cognito"
)

func TestAdminDefaults(t *testing.T) {
	cfg, err := Parse("t.yaml", []byte(`upstream: {region: eu-west-1}
clients:
  - {client_id: a, user_pool_id: eu-west-1_AbC, auth_mode: admin, client_secret: 'aws-secretsmanager:app#client-secret'}
  - {client_id: p}
`))
	if err != nil {
		t.Fatal(err)
	}
	a, p := cfg.Clients[0], cfg.Clients[1]
	if a.Region != "eu-west-1" || !reflect.DeepEqual(a.ContextHeaders, cognito.DefaultContextHeaders) {
		t.Errorf("admin client defaults: %+v", a.AdminClient)
	}
	if p.AuthMode != AuthPublic || p.ContextHeaders != nil || p.Region != "" {
		t.Errorf("public client defaults: %+v", p.AdminClient)
	}
	if cfg.Secrets.RefreshInterval != 5*time.Minute || cfg.Secrets.Region != "eu-west-1" {
		t.Errorf("secrets defaults: %+v", cfg.Secrets)
	}
}

func TestAdminValidation(t *testing.T) {
	tests := []struct{ name, yaml, want string }{
		{"admin needs a pool", `clients: [{client_id: a, auth_mode: admin}]`,
			"t.yaml:1: clients[0].user_pool_id: is required with auth_mode admin"},
		{"pool and region disagree", `clients: [{client_id: a, auth_mode: admin, user_pool_id: us-east-1_X, region: eu-west-1}]`,
			"t.yaml:1: clients[0].region: \"eu-west-1\" disagrees with user_pool_id us-east-1_X, which is in us-east-1"},
		{"signed for another region than the upstream", "upstream: {region: us-east-1}\nclients: [{client_id: a, auth_mode: admin, user_pool_id: eu-west-1_X}]",
			"t.yaml:2: clients[0].region: admin calls are signed for eu-west-1 but sent to upstream.region us-east-1"},
		{"unknown mode", `clients: [{client_id: a, auth_mode: iam}]`,
			"t.yaml:1: clients[0].auth_mode: \"iam\" is not one of public, admin"},
		{"bad header", `clients: [{client_id: a, auth_mode: admin, user_pool_id: us-east-1_X, context_headers: ["User Agent"]}]`,
			"t.yaml:1: clients[0].context_headers[0]: \"User Agent\" is not a header name"},
		{"bad secret reference", `clients: [{client_id: a, client_secret: 'aws-secretsmanager:app#'}]`,
			"t.yaml:1: clients[0].client_secret: aws-secretsmanager: with # needs a JSON key after it"},
		{"bad secrets section", "secrets: {endpoint: 'ftp://x', refresh_interval: 10ms}\nclients: [{client_id: a}]",
			"secrets.endpoint: \"ftp://x\" is not an http(s) URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := tt.yaml
			if !strings.Contains(data, "upstream:") {
				data = "upstream: {endpoint: 'http://127.0.0.1:1'}\n" + data
				tt.want = strings.Replace(tt.want, "t.yaml:1:", "t.yaml:2:", 1)
			}
			_, err := Parse("t.yaml", []byte(data))
			var ce *Error
			if !errors.As(err, &ce) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err:\n%v\nwant a line containing:\n%s", err, tt.want)
			}
		})
	}
}

func TestAdminRefreshIntervalFloor(t *testing.T) {
	_, err := Parse("t.yaml", []byte("upstream: {endpoint: 'http://127.0.0.1:1'}\nsecrets: {refresh_interval: 10ms}\n"))
	if err == nil || !strings.Contains(err.Error(), "secrets.refresh_interval: 10ms is shorter than 1s") {
		t.Fatalf("err %v", err)
	}
}

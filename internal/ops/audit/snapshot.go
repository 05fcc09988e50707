package audit

import (
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/poolguard/poolguard/internal/config"
)

// Snapshot is one user pool and its app clients as Cognito describes them.
type Snapshot struct {
	// Pool is DescribeUserPool's UserPool.
	Pool types.UserPoolType
	// Clients are DescribeUserPoolClient's answers, in ListUserPoolClients order.
	Clients []types.UserPoolClientType
	// Missing are client ids the proxy serves that the pool does not have.
	Missing []string
}

// Proxy is what the audit needs to know of the proxy's configuration. The
// zero value means no configuration was given.
type Proxy struct {
	// Configured reports whether a proxy configuration was given.
	Configured bool
	// Clients are the served clients by id.
	Clients map[string]config.Client
	// RateLimited reports whether the web ACL has a rate-limiting preset
	// (cognito-categories or cognito-proxy) in front of the operations that
	// send messages. Rules in a web_acl file are not inspected.
	RateLimited bool
}

// ProxyFromConfig returns the audit's view of cfg.
func ProxyFromConfig(cfg *config.Config) Proxy {
	p := Proxy{Configured: true, Clients: map[string]config.Client{}}
	for _, c := range cfg.Clients {
		p.Clients[c.ClientID] = c
	}
	for _, ps := range cfg.WAF.Presets {
		if ps.Name == "cognito-categories" || ps.Name == "cognito-proxy" {
			p.RateLimited = true
		}
	}
	return p
}

package config_test

import (
	"fmt"

	"github.com/poolguard/poolguard/internal/config"
)

// Parse (and Load, for a file) decodes, defaults and validates a config
// in one pass: what comes back is typed and checked.
func ExampleParse() {
	cfg, err := config.Parse("poolguard.yaml", []byte(`
listen: 127.0.0.1:8080
admin_listen: 127.0.0.1:9090
upstream: {region: eu-west-1}
clients:
  - client_id: 1example23456789
    user_pool_id: eu-west-1_Example
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cfg.Listen, cfg.Upstream.Region, len(cfg.Clients), cfg.Clients[0].ClientID, cfg.UnknownClients)
	// Output: 127.0.0.1:8080 eu-west-1 1 1example23456789 reject
}

// Every problem is reported at once, each with its file, line, key and
// what is wrong; a misspelt key gets a suggestion.
func ExampleParse_errors() {
	_, err := config.Parse("poolguard.yaml", []byte(`
listen: 127.0.0.1:8080
upstream: {region: eu-west-1}
clients:
  - client_id: 1example23456789
    user_pool_idd: eu-west-1_Example
unknown_clients: maybe
`))
	fmt.Println(err)
	// Output:
	// poolguard.yaml:6: clients[0].user_pool_idd: unknown key (not a field of client); did you mean user_pool_id?
	// poolguard.yaml:7: unknown_clients: "maybe" is not one of reject, pass
}

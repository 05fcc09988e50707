// Package cognitotest provides test doubles for Amazon Cognito user pools:
// a harness that runs moto_server as a functional upstream, a StrictHop that
// sits between the proxy and that upstream and enforces Cognito's
// client-secret rules (which moto mostly skips), a fast Stub upstream for
// benchmarks, and small aws-sdk-go-v2 helpers to create pools, app clients
// and users.
//
// It is a non-test package so that the tests of other packages can import
// it; nothing in the product imports it.
//
// A typical integration test:
//
//	m := cognitotest.StartMoto(t)
//	admin := m.Client()
//	pool := cognitotest.CreatePool(t, admin, cognitotest.PoolOptions{})
//	app := cognitotest.CreateAppClient(t, admin, pool.ID, cognitotest.ClientOptions{})
//	hop := cognitotest.StartStrictHop(t, m.URL, map[string]string{app.ID: "s3cret"})
//	// point the proxy's upstream at hop.URL and its client secret at "s3cret"
//
// The hop's secrets are its own: the app client in moto has none, so only the
// hop decides whether a secret hash is right.
package cognitotest

// Package e2e runs poolguard against real Cognito client libraries: the
// npm project in the repository's e2e/ folder (amazon-cognito-identity-js
// in Node, Amplify JS v6 in headless Chromium driven by playwright-core),
// plus the documented endpoint settings of aws-sdk-go-v2, boto3 and the AWS
// CLI (docs/clients.md).
//
// Each test starts moto_server, a cognitotest.StrictHop holding the app
// client's secret (the client in moto has none), the proxy in-process on a
// loopback port, and, for browser tests, a static file server on another
// port so that every call is cross-origin and CORS is exercised for real.
// The Node scripts print one JSON document that the tests parse and assert.
//
// The package has no non-test code besides this comment. Tests skip with a
// message naming what is missing (node, the npm packages of e2e/ installed
// by `npm ci`, /usr/bin/chromium, moto_server) unless the environment
// variable POOLGUARD_REQUIRE_BROWSER is "1", which turns the skip into a
// failure (moto_server's own skip follows POOLGUARD_REQUIRE_MOTO).
package e2e

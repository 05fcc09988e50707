// Package integration holds poolguard's end-to-end tests: the whole proxy,
// built from a YAML config exactly as `poolguard serve` builds it, in front
// of a real moto_server behind cognitotest.StrictHop (which enforces real
// Cognito's secret-hash rules), driven by the real SDKs (aws-sdk-go-v2 and,
// through a Python script in testdata, boto3). It also runs the built binary
// to check `serve`'s graceful drain and `validate`'s exit codes.
//
// The package has no non-test code besides this comment. Tests that need
// moto_server, python3 or boto3 skip when they are missing, unless the
// environment variable POOLGUARD_REQUIRE_MOTO is "1" (CI), which turns the
// skip into a failure.
package integration

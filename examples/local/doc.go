// Package local holds the local sandbox (sandbox.sh: poolguard in front of
// moto_server, no AWS account needed); its test runs the sandbox end to
// end.
package local

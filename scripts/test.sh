#!/usr/bin/env bash
# Runs every test of poolguard: unit, integration (real moto_server, boto3,
# aws-sdk-go-v2) and end-to-end. Installs what the tests need when missing.
# Usage: scripts/test.sh [go test flags...]
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh

# Integration tests skip when a real component is missing; here that is a
# failure, so a green run means they ran.
export POOLGUARD_REQUIRE_MOTO=1 POOLGUARD_REQUIRE_REDIS=1 POOLGUARD_REQUIRE_BROWSER=1 POOLGUARD_REQUIRE_PEBBLE=1
export POOLGUARD_REQUIRE_PROMTOOL=1 POOLGUARD_REQUIRE_SYSTEMD=1 POOLGUARD_REQUIRE_CFNLINT=1 POOLGUARD_REQUIRE_BOTOCORE=1

go vet ./...
# staticcheck, pinned, from the Go module proxy (the first run compiles it).
STATICCHECK="go run honnef.co/go/tools/cmd/staticcheck@v0.8.2"
$STATICCHECK ./...
go test -race -count=1 -timeout 15m "$@" ./...
# The packages that serve the proxy, again with their public listeners on
# fasthttp (http_server: fasthttp; package servetest reads the variable).
POOLGUARD_TEST_HTTP_SERVER=fasthttp go test -race -count=1 -timeout 15m "$@" \
	./internal/edge/... ./internal/testkit/... ./test/integration/...

# The deployment files checked with Helm's, BuildKit's and Compose's own
# parsers: a module of its own (deploy/deploytest), which ./... does not
# enter, so that Helm and Kubernetes stay out of the product's go.mod.
(cd deploy/deploytest && go vet ./... && $STATICCHECK ./... && go test -count=1 -timeout 15m ./...)

# The release config, checked by goreleaser itself (pinned version, built
# from the Go module proxy; the first run compiles it, a few minutes).
scripts/goreleaser-check.sh

# The mutation gate (README, "Mutation testing") for the listed packages
# this change touches, against POOLGUARD_MUTATION_BASE: by default where
# HEAD left origin/main, so nothing runs on main itself or without that
# ref; "off" skips it. A full run takes hours, so only the packages whose
# recorded durations fit POOLGUARD_MUTATION_BUDGET minutes run (default 16,
# the slowest package that fits, cognito: with the ~6 minutes above, CI stays
# under its 25), shortest first; the others are named, to run by hand.
mutation_base=${POOLGUARD_MUTATION_BASE:-}
if [ -z "$mutation_base" ] && git rev-parse -q --verify origin/main >/dev/null; then
	mutation_base=$(git merge-base HEAD origin/main) || mutation_base="" # a shallow clone
fi
if [ -n "$mutation_base" ] && [ "$mutation_base" != off ]; then
	scripts/mutation.sh --check --changed "$mutation_base" --budget "${POOLGUARD_MUTATION_BUDGET:-16}"
else
	echo "mutation gate: no base (set POOLGUARD_MUTATION_BASE, or clone with origin/main)"
fi

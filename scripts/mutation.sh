#!/usr/bin/env bash
# Mutation testing of poolguard's security-critical code with gremlins
# (pinned below, installed from the Go module proxy by `go run`). For each
# package it plants one small fault at a time (a flipped comparison, && for
# ||, + for -, ...) in the files listed below, runs the package's tests, and
# prints the kill rate and every surviving mutant as a diff.
#
# Usage: scripts/mutation.sh [--check] [--changed BASE] [--budget MIN] [PACKAGE...]
#   PACKAGE         package directories to run (default: all listed below)
#   --check         fail when a package's kill rate is below the figure
#                   recorded in scripts/mutation-rates.txt
#   --changed BASE  run only the listed packages whose files differ from
#                   the git revision BASE (for CI on a change)
#   --budget MIN    run only as many of the selected packages as their
#                   durations recorded in scripts/mutation-rates.txt fit
#                   in MIN minutes, shortest first, and name the others
# Environment: MUTATION_WORKERS (1), MUTATION_TIMEOUT_COEFFICIENT (5): a
# mutant's tests are stopped after that many times the package's normal
# test time and count as killed (TIMED OUT; gremlins passes that time,
# timed from its coverage run, build included, to go test as -timeout);
# MUTATION_KEEP=DIR keeps each package's gremlins result and report there.
set -euo pipefail
cd "$(dirname "$0")/.."

GREMLINS=github.com/go-gremlins/gremlins/cmd/gremlins@v0.6.0
RATES=scripts/mutation-rates.txt

# package directory | files under test (a regexp on the file name)
SCOPES=(
	"internal/cognito|^(secrethash|rewrite|refresh|jsonedit|protect|protect_existence|protect_token)\.go$"
	"internal/edge/clientip|\.go$"
	"internal/rules/ratelimit|\.go$"
	"internal/rules/outcome|\.go$"
	"internal/rules/waf|^(stmt_.*|fwdip|keyhash)\.go$"
	"internal/ops/waflog|^redact\.go$"
	"internal/edge/challenge|\.go$"
	"internal/edge/proxy/upclient|^head\.go$"
	"internal/edge/hostedui|^clientauth\.go$"
	"internal/ops/adminapi|^api\.go$"
	"internal/edge/fastserve|\.go$"
)

check=0
base=""
budget=""
want=()
while [ $# -gt 0 ]; do
	case "$1" in
	--check) check=1 ;;
	--changed) base="$2"; shift ;;
	--budget) budget="$2"; shift ;;
	-h|--help) sed -n '2,20p' "$0"; exit 0 ;;
	*) want+=("${1%/}") ;;
	esac
	shift
done

selected=()
for s in "${SCOPES[@]}"; do
	pkg=${s%%|*}
	if [ ${#want[@]} -gt 0 ] && ! printf '%s\n' "${want[@]}" | grep -qx "$pkg"; then
		continue
	fi
	if [ -n "$base" ] && git diff --quiet "$base" -- "$pkg"/*.go; then
		continue
	fi
	selected+=("$s")
done
if [ -n "$budget" ] && [ ${#selected[@]} -gt 0 ]; then
	# Shortest recorded run first, while the sum fits; a package with no
	# recorded duration does not fit.
	fits=()
	order=$(for s in "${selected[@]}"; do
		pkg=${s%%|*}
		m=$(awk -v p="$pkg" '$1 == "minutes" && $2 == p { print $3 }' "$RATES")
		echo "${m:-inf} $s"
	done | sort -g)
	used=0
	while read -r m s; do
		pkg=${s%%|*}
		if [ "$m" != inf ] && awk -v u="$used" -v m="$m" -v b="$budget" 'BEGIN { exit !(u + m <= b) }'; then
			fits+=("$s")
			used=$(awk -v u="$used" -v m="$m" 'BEGIN { print u + m }')
		elif [ "$m" = inf ]; then
			echo "mutation: $pkg not run: no duration recorded in $RATES (run scripts/mutation.sh --check $pkg)"
		else
			echo "mutation: $pkg not run: its recorded $m min do not fit the $budget-min budget (run scripts/mutation.sh --check $pkg)"
		fi
	done <<<"$order"
	selected=("${fits[@]}")
fi
if [ ${#selected[@]} -eq 0 ]; then
	echo "mutation: no listed package selected"
	exit 0
fi

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# A copy of the module where mutreport runs the mutants that gremlins'
# coverage filter skips (switch case expressions, package-level values).
mkdir "$out/mod"
tar -C . --exclude=./.git --exclude=./e2e/node_modules -cf - . | tar -C "$out/mod" -xf -
failed=0
start=$SECONDS
for s in "${selected[@]}"; do
	IFS='|' read -r pkg scope <<<"$s"
	coeff=${MUTATION_TIMEOUT_COEFFICIENT:-5}
	# gremlins walks the package directory and its subdirectories: exclude
	# the subdirectories and every file outside the scope.
	excl=(-E '/')
	for f in "$pkg"/*.go; do
		name=$(basename "$f")
		case "$name" in *_test.go) continue ;; esac
		if ! [[ "$name" =~ $scope ]]; then
			excl+=(-E "^${name//./\\.}\$")
		fi
	done
	# gremlins times, and needs passing, the tests of the package and of
	# its subpackages: it runs in a copy of the module without the
	# subpackages the package's tests do not import (ratelimit/redisstore's
	# Redis tests take minutes and fail when starved of CPU).
	rm -rf "$out/gmod"
	cp -a "$out/mod" "$out/gmod"
	deps=$(go list -deps -test "./$pkg")
	modpath=$(go list -m)
	while read -r d; do
		if [ -n "$d" ] && ! grep -q "^$modpath/$d\([ /]\|\$\)" <<<"$deps"; then
			rm -rf "$out/gmod/$d"
		fi
	done < <(go list -f '{{.Dir}}' "./$pkg/..." | sed "s|^$PWD/||" | grep -v "^$pkg\$" | sort -r)
	t0=$SECONDS
	echo "== $pkg: gremlins, 1 worker ($(date -u +%H:%M:%S) UTC)"
	# Not gremlins' --test-cpu: v0.6.0 passes it to go test as the single
	# argument "-cpu 1", which the test binary refuses ("flag provided but
	# not defined"), so every mutant it ran failed and counted as killed.
	# GOMAXPROCS=1 gives the tests (and the builds) one CPU instead.
	# GOFLAGS=-count=1: gremlins times the package's tests from its
	# coverage run, which go test would otherwise answer from its cache in
	# no time, leaving each mutant too short a timeout to build and test.
	if ! (cd "$out/gmod" && GOMAXPROCS=1 GOFLAGS=-count=1 nice -n 10 go run "$GREMLINS" unleash --silent \
		--workers "${MUTATION_WORKERS:-1}" \
		--timeout-coefficient "$coeff" \
		--invert-logical --invert-loopctrl --invert-assignments --invert-bitwise \
		--invert-bwassign --remove-self-assignments \
		"${excl[@]}" -o "$out/result.json" "./$pkg") >"$out/log" 2>&1; then
		cat "$out/log"
		echo "mutation: gremlins failed on $pkg"
		failed=1
		continue
	fi
	args=(-pkg "$pkg" -json "$out/result.json" -rates "$RATES" -workdir "$out/mod"
		-timeout-coefficient "${MUTATION_TIMEOUT_COEFFICIENT:-5}")
	if [ $check -eq 1 ]; then
		args+=(-check)
	fi
	if ! nice -n 10 go run ./scripts/mutreport "${args[@]}" | tee "$out/report"; then
		failed=1
	fi
	if [ -n "${MUTATION_KEEP:-}" ]; then
		mkdir -p "$MUTATION_KEEP"
		cp "$out/result.json" "$MUTATION_KEEP/${pkg//\//_}.json"
		cp "$out/report" "$MUTATION_KEEP/${pkg//\//_}.txt"
	fi
	echo "   ($((SECONDS - t0)) s)"
done
echo "mutation: ${#selected[@]} package(s) in $((SECONDS - start)) s"
exit $failed

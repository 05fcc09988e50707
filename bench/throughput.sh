#!/usr/bin/env bash
# bench/throughput.sh: side-by-side throughput of poolguard, nginx and a bare
# httputil.ReverseProxy in front of the same fast stub Cognito upstream, all
# driven by wrk with the same Cognito-shaped InitiateAuth load, in one run.
#
#   bench/throughput.sh                         # defaults below
#   DURATION=30s CONNECTIONS=128 bench/throughput.sh
#
# Environment (all optional):
#   DURATION=10s      wrk duration per measured run
#   CONNECTIONS=64    wrk connections (-c)
#   THREADS=2         wrk threads (-t)
#   WARMUP=2s         unmeasured wrk run before each measured one ("0" skips)
#   ROUNDS=1          measure every target this many times, interleaved; the
#                     table shows each target's median round
#   TARGETS="stub poolguard nginx bareproxy"   which targets, in this order
#   WAF=on            on: poolguard runs the presets cognito-proxy and
#                     cognito-categories (rate limits at AWS's maximum so the
#                     load is never blocked); off: no waf section
#   RESULTS=bench/results/latest.json   where the JSON results go
#   PROFILE=FILE      afterwards, run poolguard built with bench/pgprof's
#                     signal-driven profiler under the same load (after a
#                     warm-up) and write its CPU profile to FILE and its
#                     allocation profile to FILE.heap; print `go tool pprof -top`
#   KEEP_TMP=1        keep the temp dir (configs, logs) for inspection
#
# Everything listens on 127.0.0.1 only. Every process the script starts is
# stopped by its PID on exit. It exits non-zero when any target answered a
# non-2xx/3xx status or had socket errors during a measured run.
set -euo pipefail

DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
WARMUP=${WARMUP:-2s}
ROUNDS=${ROUNDS:-1}
TARGETS=${TARGETS:-"stub poolguard nginx bareproxy"}
WAF=${WAF:-on}
PROFILE=${PROFILE:-}
KEEP_TMP=${KEEP_TMP:-}

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
RESULTS=${RESULTS:-$BENCH_DIR/results/latest.json}
LUA=$BENCH_DIR/initiateauth.lua

# The app client poolguard serves. The secret is a benchmark-only value,
# passed by environment so the config holds no literal.
export BENCH_CLIENT_ID=1example23456789benchclnt0
export POOLGUARD_BENCH_SECRET=bench-secret-0123456789abcdefghijklmnopqrstuvwxyz
# The same body as initiateauth.lua sends, for the 200 check with curl.
BODY='{"AuthFlow":"USER_PASSWORD_AUTH","ClientId":"'$BENCH_CLIENT_ID'","AuthParameters":{"USERNAME":"bench-user@example.com","PASSWORD":"Correct-Horse-Battery-9"},"ClientMetadata":{}}'
TARGET_HEADER='X-Amz-Target: AWSCognitoIdentityProviderService.InitiateAuth'
CT_HEADER='Content-Type: application/x-amz-json-1.1'
# AWS's largest rate-based rule limit: the load can never reach it.
NEVER=2000000000

say() { printf '%s\n' "$*" >&2; }
die() { say "throughput.sh: $*"; exit 1; }

BENCH_NAME=bench
# ---- process bookkeeping (bench/lib.sh) -------------------------------------
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

# probe URL: one InitiateAuth call; prints the HTTP status, body to $TMP/probe.out.
probe() {
	curl -sS -o "$TMP/probe.out" -w '%{http_code}' --max-time 5 \
		-H "$CT_HEADER" -H "$TARGET_HEADER" --data-binary "$BODY" "$1" || echo 000
}

# wait_200 NAME URL PID: wait (10 s at most) until URL answers the call with 200.
wait_200() {
	local name=$1 url=$2 pid=$3 code=000 _
	for _ in $(seq 100); do
		code=$(probe "$url")
		[[ $code == 200 ]] && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	say "$name at $url answers $code, not 200:"
	cat "$TMP/probe.out" >&2 2>/dev/null || true
	say ""
	say "--- $name log ---"
	tail -n 30 "$TMP/$name.log" >&2 || true
	die "$name does not answer InitiateAuth with 200; not measuring"
}

# ---- tools ---------------------------------------------------------------
need_tools() {
	local missing=()
	command -v wrk >/dev/null || missing+=(wrk)
	command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || missing+=(nginx-light)
	((${#missing[@]} == 0)) && return 0
	say "installing ${missing[*]} (apt-get)"
	if ! command -v apt-get >/dev/null; then
		die "missing ${missing[*]}: install wrk and nginx (Debian: apt-get install -y wrk nginx-light)"
	fi
	local sudo=()
	((EUID == 0)) || sudo=(sudo -n)
	"${sudo[@]}" apt-get update -qq >&2 &&
		DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq wrk nginx-light >&2 ||
		die "could not install ${missing[*]}; run: apt-get update && apt-get install -y wrk nginx-light"
}
need_tools
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
command -v curl >/dev/null || die "curl is needed for the 200 checks"
command -v go >/dev/null || die "go is needed to build poolguard"

# ---- build ---------------------------------------------------------------
say "building poolguard, stubserver, bareproxy${PROFILE:+, pgprof} ..."
mkdir -p "$TMP/bin"
(
	cd "$ROOT"
	go build -o "$TMP/bin/poolguard" ./cmd/poolguard
	go build -o "$TMP/bin/stubserver" ./internal/testkit/cognitotest/stubserver
	go build -o "$TMP/bin/bareproxy" ./bench/bareproxy
	if [[ -n $PROFILE ]]; then
		# The same cmd/poolguard plus bench/pgprof/benchprof.go (a signal-driven
		# CPU profile), added by an overlay: nothing under cmd/ is touched.
		printf '{"Replace":{"%s":"%s"}}\n' "$ROOT/cmd/poolguard/zz_benchprof.go" "$BENCH_DIR/pgprof/benchprof.go" >"$TMP/overlay.json"
		go build -tags poolguard_benchprof -overlay "$TMP/overlay.json" -o "$TMP/bin/pgprof" ./cmd/poolguard
	fi
) || die "build failed"

# ---- stub upstream -------------------------------------------------------
start stub "$TMP/bin/stubserver" -listen 127.0.0.1:0
STUB_PID=$LAST_PID
wait_log stub "$STUB_PID" 'listening on http://'
STUB_URL=$(grep -Eo 'http://127\.0\.0\.1:[0-9]+' "$TMP/stub.log" | head -n1)
STUB_PORT=${STUB_URL##*:}
declare -A URL=([stub]="$STUB_URL/")

# ---- poolguard -----------------------------------------------------------
# poolguard_config FILE PORT ADMIN_PORT RATELIMIT: write a config.
poolguard_config() {
	local file=$1 port=$2 admin=$3 limit=$4
	cat >"$file" <<-EOF
		listen: 127.0.0.1:$port
		admin_listen: 127.0.0.1:$admin
		upstream: {region: us-east-1, endpoint: "http://127.0.0.1:$STUB_PORT/", timeout: 10s}
		clients:
		  - client_id: $BENCH_CLIENT_ID
		    user_pool_id: us-east-1_BENCH
		    client_secret: env:POOLGUARD_BENCH_SECRET
		unknown_clients: reject
	EOF
	if [[ $WAF == on ]]; then
		cat >>"$file" <<-EOF
			waf:
			  presets:
			    - name: cognito-proxy
			      params: {RateLimit: $limit}
			    - name: cognito-categories
			      params: {UserCreationRateLimit: $limit, SignInRateLimit: $limit, AccountRecoveryRateLimit: $limit,
			               IPReputationRateLimit: $limit, DefaultRateLimit: $limit}
		EOF
	fi
}

# start_poolguard NAME BIN CONFIG [ARGS...]: start and wait for /healthz.
start_poolguard() {
	local name=$1 bin=$2 cfg=$3 admin _
	shift 3
	admin=$(sed -n 's/^admin_listen: //p' "$cfg")
	"$bin" validate --config "$cfg" >"$TMP/$name.validate" 2>&1 ||
		{ cat "$TMP/$name.validate" >&2; die "$name: config rejected"; }
	start "$name" "$bin" serve --config "$cfg" "$@"
	local pid=$LAST_PID
	for _ in $(seq 100); do
		[[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "http://$admin/healthz" || true) == 200 ]] && return 0
		kill -0 "$pid" 2>/dev/null || { cat "$TMP/$name.log" >&2; die "$name exited during start-up"; }
		sleep 0.1
	done
	die "$name: /healthz not ready within 10 s"
}

WAF_ENFORCED=false
if [[ " $TARGETS " == *" poolguard "* || -n $PROFILE ]]; then
	if [[ $WAF == on ]]; then
		# Does this build enforce the web ACL? Run a poolguard whose per-IP
		# limit is 10 and send 40 calls: an enforcing build blocks some.
		free_port P
		free_port A
		poolguard_config "$TMP/probe.yaml" "$P" "$A" 10
		start_poolguard wafprobe "$TMP/bin/poolguard" "$TMP/probe.yaml"
		PROBE_PID=$LAST_PID
		blocked=0
		for _ in $(seq 40); do
			[[ $(probe "http://127.0.0.1:$P/") == 403 ]] && blocked=$((blocked + 1))
		done
		stop_pid "$PROBE_PID"
		if ((blocked > 0)); then
			WAF_ENFORCED=true
			say "web ACL check: enforced ($blocked of 40 calls over a limit of 10 were blocked)"
		else
			say "WARNING: web ACL check: NOT enforced: this poolguard build accepts the waf section"
			say "WARNING: but blocked none of 40 calls over a per-IP limit of 10; poolguard's figure is WITHOUT rules"
		fi
	fi
	free_port PG_PORT
	free_port PG_ADMIN
	poolguard_config "$TMP/poolguard.yaml" "$PG_PORT" "$PG_ADMIN" "$NEVER"
	URL[poolguard]="http://127.0.0.1:$PG_PORT/"
fi

if [[ " $TARGETS " == *" poolguard "* ]]; then
	start_poolguard poolguard "$TMP/bin/poolguard" "$TMP/poolguard.yaml"
	PG_PID=$LAST_PID
fi

# ---- nginx ---------------------------------------------------------------
if [[ " $TARGETS " == *" nginx "* ]]; then
	free_port NGINX_PORT
	NG=$TMP/nginx
	mkdir -p "$NG"
	user_line=""
	# Run the workers as the current user (a root master would switch to nobody).
	((EUID == 0)) && user_line="user $(id -un) $(id -gn);"
	cat >"$NG/nginx.conf" <<-EOF
		$user_line
		worker_processes 2;
		pid $NG/nginx.pid;
		error_log $NG/error.log warn;
		events { worker_connections 4096; }
		http {
		    access_log off;
		    client_body_temp_path $NG/client_body;
		    proxy_temp_path $NG/proxy;
		    fastcgi_temp_path $NG/fastcgi;
		    uwsgi_temp_path $NG/uwsgi;
		    scgi_temp_path $NG/scgi;
		    # Per-IP rate limiting, as poolguard's rate-based rules do per IP;
		    # the rate is far above the load, so nothing is rejected.
		    limit_req_zone \$binary_remote_addr zone=perip:10m rate=1000000r/s;
		    limit_req_status 429;
		    upstream stub {
		        server 127.0.0.1:$STUB_PORT;
		        keepalive 256;
		    }
		    server {
		        listen 127.0.0.1:$NGINX_PORT;
		        location / {
		            limit_req zone=perip burst=1000000 nodelay;
		            proxy_pass http://stub;
		            proxy_http_version 1.1;
		            proxy_set_header Connection "";
		        }
		    }
		}
	EOF
	"$NGINX" -t -q -p "$NG/" -e "$NG/error.log" -c "$NG/nginx.conf" 2>"$TMP/nginx.test" ||
		{ cat "$TMP/nginx.test" >&2; die "nginx rejects its config"; }
	start nginx "$NGINX" -p "$NG/" -e "$NG/error.log" -c "$NG/nginx.conf" -g 'daemon off;'
	NGINX_PID=$LAST_PID
	URL[nginx]="http://127.0.0.1:$NGINX_PORT/"
	wait_200 nginx "${URL[nginx]}" "$NGINX_PID"
fi

# ---- bare ReverseProxy ---------------------------------------------------
if [[ " $TARGETS " == *" bareproxy "* ]]; then
	start bareproxy "$TMP/bin/bareproxy" -listen 127.0.0.1:0 -upstream "$STUB_URL"
	BARE_PID=$LAST_PID
	wait_log bareproxy "$BARE_PID" 'listening on http://'
	URL[bareproxy]="$(grep -Eo 'http://127\.0\.0\.1:[0-9]+' "$TMP/bareproxy.log" | head -n1)/"
fi

# Every target must answer the InitiateAuth call with 200 before anything is measured.
for t in $TARGETS; do
	[[ -n ${URL[$t]:-} ]] || die "unknown target $t (known: stub poolguard nginx bareproxy)"
	wait_200 "$t" "${URL[$t]}" "$$"
done

# ---- measure -------------------------------------------------------------
# wrk_run OUT URL DURATION: run wrk; its output goes to OUT.
wrk_run() {
	wrk -t"$THREADS" -c"$CONNECTIONS" -d"$3" --timeout 5s --latency -s "$LUA" "$2" >"$1" 2>&1
}

# field NAME FILE: a number from the WRKJSON line.
field() { grep -m1 '^WRKJSON ' "$2" | grep -Eo "\"$1\":[0-9]+" | cut -d: -f2; }

declare -A RPS_LIST=()
FAILED=()
RUNS_JSON=()
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
say "measuring: wrk -t$THREADS -c$CONNECTIONS -d$DURATION, warm-up $WARMUP, $ROUNDS round(s), targets: $TARGETS"
for ((round = 1; round <= ROUNDS; round++)); do
	for t in $TARGETS; do
		if [[ $WARMUP != 0 && $WARMUP != 0s ]]; then
			wrk_run "$TMP/warmup.$t.txt" "${URL[$t]}" "$WARMUP" || true
		fi
		out=$TMP/wrk.$t.$round.txt
		wrk_run "$out" "${URL[$t]}" "$DURATION" || { cat "$out" >&2; die "wrk failed against $t"; }
		grep -q '^WRKJSON ' "$out" || { cat "$out" >&2; die "no WRKJSON line from wrk against $t"; }
		req=$(field requests "$out")
		dur=$(field duration_us "$out")
		# wrk's own count of non-2xx/3xx answers must agree with the script's.
		non2xx=$(sed -n 's/^ *Non-2xx or 3xx responses: *\([0-9]*\).*/\1/p' "$out")
		non2xx=${non2xx:-0}
		sock=$(($(field connect_errors "$out") + $(field read_errors "$out") + $(field write_errors "$out") + $(field timeouts "$out")))
		rps=$(awk -v r="$req" -v d="$dur" 'BEGIN { printf "%.0f", r / (d / 1e6) }')
		p50=$(field p50_us "$out")
		p99=$(field p99_us "$out")
		printf '  round %d  %-10s %8s req/s  p50 %6.2f ms  p99 %6.2f ms  non-2xx %s  socket errors %s\n' \
			"$round" "$t" "$rps" "$(awk -v u="$p50" 'BEGIN{print u/1000}')" "$(awk -v u="$p99" 'BEGIN{print u/1000}')" "$non2xx" "$sock" >&2
		if ((non2xx > 0 || sock > 0 || req == 0)); then
			FAILED+=("$t(round $round: $non2xx non-2xx, $sock socket errors, $req requests)")
			say "  !! $t answered errors; this run does not count. wrk output:"
			sed 's/^/     /' "$out" >&2
			[[ $t == poolguard ]] && { say "  --- poolguard log (tail) ---"; tail -n 20 "$TMP/poolguard.log" >&2; }
		fi
		RPS_LIST[$t]+="$rps:$p50:$p99:$non2xx:$sock:$req "
		RUNS_JSON+=("{\"round\":$round,\"target\":\"$t\",\"rps\":$rps,\"requests\":$req,\"duration_us\":$dur,\"p50_us\":$p50,\"p90_us\":$(field p90_us "$out"),\"p99_us\":$p99,\"max_us\":$(field max_us "$out"),\"non2xx\":$non2xx,\"socket_errors\":$sock}")
	done
done

# ---- report --------------------------------------------------------------
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)
# The median round of each target (by req/s).
declare -A MED=()
for t in $TARGETS; do
	MED[$t]=$(tr ' ' '\n' <<<"${RPS_LIST[$t]}" | grep . | sort -t: -k1,1n | awk '{ a[NR] = $0 } END { print a[int((NR + 1) / 2)] }')
done
nginx_rps=""
[[ -n ${MED[nginx]:-} ]] && nginx_rps=${MED[nginx]%%:*}

echo
printf 'wrk -t%s -c%s -d%s, %s round(s), %s CPUs (%s), web ACL on poolguard: %s\n' \
	"$THREADS" "$CONNECTIONS" "$DURATION" "$ROUNDS" "$(nproc)" "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')" \
	"$([[ $WAF == on ]] && { $WAF_ENFORCED && echo "presets cognito-proxy + cognito-categories, enforced" || echo "configured but NOT enforced by this build"; } || echo off)"
printf 'host load average: %s at the start, %s at the end (above %s: other work competed)\n' "$LOAD_START" "$LOAD_END" "$(nproc)"
printf '%-10s %10s %10s %10s %9s %8s\n' target req/s p50_ms p99_ms non-2xx vs_nginx
SUMMARY_JSON=()
for t in $TARGETS; do
	IFS=: read -r rps p50 p99 non2xx sock req <<<"${MED[$t]}"
	rel=$([[ -n $nginx_rps && $nginx_rps != 0 ]] && awk -v a="$rps" -v b="$nginx_rps" 'BEGIN { printf "%.2f", a / b }' || echo "-")
	p50ms=$(awk -v u="$p50" 'BEGIN { printf "%.2f", u / 1000 }')
	p99ms=$(awk -v u="$p99" 'BEGIN { printf "%.2f", u / 1000 }')
	printf '%-10s %10s %10s %10s %9s %8s\n' "$t" "$rps" "$p50ms" "$p99ms" "$non2xx" "$rel"
	all=$(tr ' ' '\n' <<<"${RPS_LIST[$t]}" | grep . | cut -d: -f1 | paste -sd, -)
	SUMMARY_JSON+=("{\"target\":\"$t\",\"url\":\"${URL[$t]}\",\"rps\":$rps,\"p50_ms\":$p50ms,\"p99_ms\":$p99ms,\"non2xx\":$non2xx,\"socket_errors\":$sock,\"vs_nginx\":$([[ $rel == - ]] && echo null || echo "$rel"),\"rps_rounds\":[$all]}")
done

join() { local IFS=,; echo "$*"; }
commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=false
[[ -n $(git -C "$ROOT" status --porcelain -- cmd internal go.mod go.sum 2>/dev/null) ]] && dirty=true
mkdir -p "$(dirname "$RESULTS")"
cat >"$RESULTS" <<EOF
{
  "date": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
  "git_commit": "$commit",
  "git_dirty": $dirty,
  "load_average": {"start": "$LOAD_START", "end": "$LOAD_END", "note": "1/5/15-min host load; above the CPU count, other work competed for the cores"},
  "machine": {"cpus": $(nproc), "cpu_model": "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')", "kernel": "$(uname -r)"},
  "versions": {"go": "$(go env GOVERSION)", "nginx": "$("$NGINX" -v 2>&1 | sed 's/.*nginx\///')", "wrk": "$(wrk -v 2>&1 | head -n1 | awk '{print $2}')"},
  "load": {"tool": "wrk", "threads": $THREADS, "connections": $CONNECTIONS, "duration": "$DURATION", "warmup": "$WARMUP", "rounds": $ROUNDS,
           "script": "bench/initiateauth.lua", "operation": "InitiateAuth USER_PASSWORD_AUTH"},
  "poolguard": {"waf": "$WAF", "waf_presets": $([[ $WAF == on ]] && echo '["cognito-proxy", "cognito-categories"]' || echo '[]'), "waf_enforced": $WAF_ENFORCED, "rate_limits": $NEVER},
  "nginx": {"worker_processes": 2, "keepalive": 256, "limit_req": "1000000r/s per \$binary_remote_addr"},
  "results": [
    $(join "${SUMMARY_JSON[@]}" | sed 's/},{/},\n    {/g')
  ],
  "runs": [
    $(join "${RUNS_JSON[@]}" | sed 's/},{/},\n    {/g')
  ],
  "failed": [$( ((${#FAILED[@]})) && printf '"%s",' "${FAILED[@]}" | sed 's/,$//')]
}
EOF
say "results: $RESULTS"

# ---- optional CPU profile of poolguard under the same load ----------------
if [[ -n $PROFILE ]]; then
	[[ $PROFILE == /* ]] || PROFILE=$PWD/$PROFILE
	[[ -n ${PG_PID:-} ]] && stop_pid "$PG_PID" # leave the cores to the profiled one
	free_port PP
	free_port PA
	poolguard_config "$TMP/pgprof.yaml" "$PP" "$PA" "$NEVER"
	export POOLGUARD_BENCH_CPUPROFILE=$PROFILE
	start_poolguard pgprof "$TMP/bin/pgprof" "$TMP/pgprof.yaml"
	unset POOLGUARD_BENCH_CPUPROFILE
	PGPROF_PID=$LAST_PID
	wait_200 pgprof "http://127.0.0.1:$PP/" "$PGPROF_PID"
	wrk_run "$TMP/warmup.pgprof.txt" "http://127.0.0.1:$PP/" 2s || true
	kill -USR1 "$PGPROF_PID"
	wait_log pgprof "$PGPROF_PID" 'benchprof: started'
	say "profiling poolguard under wrk for $DURATION ..."
	wrk_run "$TMP/wrk.pgprof.txt" "http://127.0.0.1:$PP/" "$DURATION" || true
	kill -USR2 "$PGPROF_PID"
	wait_log pgprof "$PGPROF_PID" 'benchprof: written'
	stop_pid "$PGPROF_PID"
	grep -E 'Requests/sec|Non-2xx' "$TMP/wrk.pgprof.txt" >&2 || true
	say "CPU profile: $PROFILE, allocations: $PROFILE.heap (go tool pprof -http=: FILE)"
	echo
	go tool pprof -top -nodecount=35 "$PROFILE" 2>/dev/null | head -n 45
	echo
	go tool pprof -top -cum -nodecount=35 "$PROFILE" 2>/dev/null | sed -n '6,45p'
	echo
	go tool pprof -top -sample_index=alloc_space -nodecount=20 "$PROFILE.heap" 2>/dev/null | head -n 30
fi

if ((${#FAILED[@]})); then
	die "FAILED: ${FAILED[*]}: a target answered errors; its figure does not count"
fi

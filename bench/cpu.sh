#!/usr/bin/env bash
# bench/cpu.sh: CPU per request and throughput of poolguard against nginx
# (1 worker) on the allow path and on the block path, in one run.
#
#   bench/cpu.sh                                   # defaults below
#   ROUNDS=5 DURATION=10s bench/cpu.sh
#   PROFILE=/tmp/pg bench/cpu.sh                   # then CPU + allocation profiles
#
# CPU comes from /proc/PID/stat (utime + stime of the target's processes,
# nginx's master and worker included) read before and after each measured
# run, divided by the requests wrk completed in it. That figure survives a
# busy machine better than req/s: other work slows a target down but does
# not make it spend more CPU per request.
#
# Paths:
#   allow  every call is forwarded: poolguard injects SECRET_HASH and runs the
#          presets cognito-proxy + cognito-categories with every rate limit
#          at AWS's maximum; nginx proxies with limit_req far above the load
#   block  every call is refused by a per-IP rate limit already in force:
#          poolguard's cognito-proxy RateLimit at 10 per 300 s (403, Cognito's
#          WAF block); nginx limit_req at 1 r/m (503). The warm-up run puts
#          the client over the limit before the measured run.
#
# Targets: poolguard (in-memory rate store, net/http's server),
# poolguard-fasthttp (the same with http_server: fasthttp), poolguard-redis (the same as poolguard with
# state.redis: the rate counters in a redis-server the script starts; the
# table shows poolguard's CPU and, apart, Redis's), nginx (worker_processes 1,
# keepalive upstream). All are in front of the same stub upstream, whose CPU
# is not counted.
#
# Environment (all optional):
#   DURATION=10s  WARMUP=2s  ROUNDS=3  CONNECTIONS=32  THREADS=1
#   PATHS="allow block"   TARGETS="poolguard poolguard-fasthttp poolguard-redis nginx"
#   LOGS=on        poolguard writes its WAF log and nginx its access log to
#                  files (off: neither logs)
#   RESULTS=bench/results/cpu-latest.json
#   PROFILE=FILE   afterwards profile poolguard (in-memory store) on each path
#                  under the same load: FILE.PATH (CPU) and FILE.PATH.heap;
#                  PROFILE_SERVER=net/http|fasthttp (default fasthttp)
#   KEEP_TMP=1     keep the temp dir
#   BASE_BIN=FILE  also measure target poolguard-base: this poolguard binary
#                  (say, built from main before a change) with the in-memory
#                  store, interleaved with the others: an A/B in one run
#
# Checks: every answer of a measured run is counted by status (wrk's
# response() hook, initiateauth.lua with WRK_STATUSES=1). On the allow path
# every answer must be 200; on the block path every answer must be the
# refusal status except at most 2 (nginx lets 1 request a minute through),
# and those must be 200. poolguard's last WAF log record of each path must
# show the expected action (ALLOW; BLOCK by RateLimit). A run that fails a
# check is reported and the script exits 1. Rounds are interleaved
# (round 1: every path x target, then round 2, ...); the table shows medians.
#
# Loopback only; every process the script starts is stopped by PID on exit.
set -euo pipefail

DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-2s}
ROUNDS=${ROUNDS:-3}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-1}
PATHS=${PATHS:-"allow block"}
TARGETS=${TARGETS:-"poolguard poolguard-fasthttp poolguard-redis nginx"}
BASE_BIN=${BASE_BIN:-}
if [[ -n $BASE_BIN && " $TARGETS " != *" poolguard-base "* ]]; then
	TARGETS="poolguard-base $TARGETS"
fi
LOGS=${LOGS:-on}
PROFILE=${PROFILE:-}
KEEP_TMP=${KEEP_TMP:-}

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
RESULTS=${RESULTS:-$BENCH_DIR/results/cpu-latest.json}
LUA=$BENCH_DIR/initiateauth.lua

export BENCH_CLIENT_ID=1example23456789benchclnt0
export POOLGUARD_BENCH_SECRET=bench-secret-0123456789abcdefghijklmnopqrstuvwxyz
BODY='{"AuthFlow":"USER_PASSWORD_AUTH","ClientId":"'$BENCH_CLIENT_ID'","AuthParameters":{"USERNAME":"bench-user@example.com","PASSWORD":"Correct-Horse-Battery-9"},"ClientMetadata":{}}'
NEVER=2000000000
BLOCK_LIMIT=10

say() { printf '%s\n' "$*" >&2; }
die() { say "cpu.sh: $*"; exit 1; }
skip() { say "cpu.sh: SKIPPED: $*"; exit 0; }

# ---- tools (a missing one skips, clearly) -----------------------------------
command -v wrk >/dev/null || skip "wrk is not installed (Debian: apt-get install -y wrk)"
command -v go >/dev/null || skip "go is not installed"
command -v curl >/dev/null || skip "curl is not installed"
command -v python3 >/dev/null || skip "python3 is not installed (it computes the report)"
NGINX=$(command -v nginx || { [[ -x /usr/sbin/nginx ]] && echo /usr/sbin/nginx; } || true)
if [[ " $TARGETS " == *" nginx "* && -z $NGINX ]]; then
	say "cpu.sh: nginx is not installed (Debian: apt-get install -y nginx-light): the nginx target and every ratio are SKIPPED"
	TARGETS=${TARGETS//nginx/}
fi
if [[ " $TARGETS " == *" poolguard-redis "* ]] && ! command -v redis-server >/dev/null; then
	say "cpu.sh: redis-server is not installed (Debian: apt-get install -y redis-server): the poolguard-redis target is SKIPPED"
	TARGETS=${TARGETS//poolguard-redis/}
fi
TARGETS=$(echo $TARGETS)
[[ -n $TARGETS ]] || skip "no target left to measure"
CLK_TCK=$(getconf CLK_TCK)

BENCH_NAME=cpu
# ---- process bookkeeping (bench/lib.sh) -------------------------------------
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
probe() {
	curl -sS -o "$TMP/probe.out" -w '%{http_code}' --max-time 5 \
		-H 'Content-Type: application/x-amz-json-1.1' \
		-H 'X-Amz-Target: AWSCognitoIdentityProviderService.InitiateAuth' \
		--data-binary "$BODY" "$1" || echo 000
}
wait_status() { # wait_status NAME URL WANT: until URL answers WANT (10 s)
	local name=$1 url=$2 want=$3 code=000 _
	for _ in $(seq 100); do
		code=$(probe "$url")
		[[ $code == "$want" ]] && return 0
		sleep 0.1
	done
	cat "$TMP/probe.out" >&2 2>/dev/null || true
	tail -n 30 "$TMP/$name.log" >&2 || true
	die "$name at $url answers $code, not $want; not measuring"
}

# cpu_ticks PID...: utime+stime (clock ticks) of the PIDs and their children.
cpu_ticks() {
	local pids=() p c total=0
	for p in "$@"; do
		pids+=("$p")
		for c in $(pgrep -P "$p" || true); do pids+=("$c"); done
	done
	for p in "${pids[@]}"; do
		[[ -r /proc/$p/stat ]] || continue
		# Fields after the ")" that closes comm: utime and stime are the 12th and 13th.
		total=$((total + $(sed 's/.*) //' "/proc/$p/stat" | awk '{ print $12 + $13 }')))
	done
	echo "$total"
}

# ---- build --------------------------------------------------------------------
say "building poolguard, stubserver${PROFILE:+, pgprof} ..."
mkdir -p "$TMP/bin"
(
	cd "$ROOT"
	go build -o "$TMP/bin/poolguard" ./cmd/poolguard
	go build -o "$TMP/bin/stubserver" ./internal/testkit/cognitotest/stubserver
	if [[ -n $PROFILE ]]; then
		printf '{"Replace":{"%s":"%s"}}\n' "$ROOT/cmd/poolguard/zz_benchprof.go" "$BENCH_DIR/pgprof/benchprof.go" >"$TMP/overlay.json"
		go build -tags poolguard_benchprof -overlay "$TMP/overlay.json" -o "$TMP/bin/pgprof" ./cmd/poolguard
	fi
) || die "build failed"

start stub "$TMP/bin/stubserver" -listen 127.0.0.1:0
wait_log stub "$LAST_PID" 'listening on http://'
STUB_URL=$(grep -Eo 'http://127\.0\.0\.1:[0-9]+' "$TMP/stub.log" | head -n1)
STUB_PORT=${STUB_URL##*:}

REDIS_PID=""
if [[ " $TARGETS " == *" poolguard-redis "* ]]; then
	free_port REDIS_PORT
	start redis redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no --dir "$TMP"
	REDIS_PID=$LAST_PID
	wait_log redis "$REDIS_PID" 'Ready to accept connections'
fi

# poolguard_config FILE PORT ADMIN LIMIT STORE WAFLOG [SERVER]
poolguard_config() {
	local file=$1 port=$2 admin=$3 limit=$4 store=$5 waflog=$6 server=${7:-net/http}
	cat >"$file" <<-EOF
		listen: 127.0.0.1:$port
		http_server: $server
		admin_listen: 127.0.0.1:$admin
		upstream: {region: us-east-1, endpoint: "http://127.0.0.1:$STUB_PORT/", timeout: 10s}
		clients:
		  - client_id: $BENCH_CLIENT_ID
		    user_pool_id: us-east-1_BENCH
		    client_secret: env:POOLGUARD_BENCH_SECRET
		unknown_clients: reject
		waf:
		  presets:
		    - name: cognito-proxy
		      params: {RateLimit: $limit}
		    - name: cognito-categories
		      params: {UserCreationRateLimit: $NEVER, SignInRateLimit: $NEVER, AccountRecoveryRateLimit: $NEVER,
		               IPReputationRateLimit: $NEVER, DefaultRateLimit: $NEVER}
	EOF
	[[ $LOGS == on ]] && printf 'logging:\n  waf_log: %s\n' "$waflog" >>"$file"
	if [[ $store == redis ]]; then
		printf 'state:\n  redis:\n    address: 127.0.0.1:%s\n    key_prefix: "%s:"\n' "$REDIS_PORT" "$(basename "$file" .yaml)" >>"$file"
	fi
	return 0
}
start_poolguard() { # start_poolguard NAME BIN CONFIG
	local name=$1 bin=$2 cfg=$3 admin _
	admin=$(sed -n 's/^admin_listen: //p' "$cfg")
	"$bin" validate --config "$cfg" >"$TMP/$name.validate" 2>&1 || { cat "$TMP/$name.validate" >&2; die "$name: config rejected"; }
	start "$name" "$bin" serve --config "$cfg"
	local pid=$LAST_PID
	for _ in $(seq 100); do
		[[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "http://$admin/healthz" || true) == 200 ]] && return 0
		kill -0 "$pid" 2>/dev/null || { cat "$TMP/$name.log" >&2; die "$name exited during start-up"; }
		sleep 0.1
	done
	die "$name: /healthz not ready within 10 s"
}

declare -A URL=() TPID=() REFUSAL=() WAFLOG=()
for path in $PATHS; do
	[[ $path == allow || $path == block ]] || die "unknown path $path (allow, block)"
	limit=$NEVER
	[[ $path == block ]] && limit=$BLOCK_LIMIT
	for t in $TARGETS; do
		case $t in
		poolguard | poolguard-fasthttp | poolguard-redis | poolguard-base)
			store=memory server=net/http
			[[ $t == poolguard-redis ]] && store=redis
			[[ $t == poolguard-fasthttp ]] && server=fasthttp
			bin=$TMP/bin/poolguard
			if [[ $t == poolguard-base ]]; then
				[[ -x $BASE_BIN ]] || die "BASE_BIN=$BASE_BIN is not an executable"
				bin=$BASE_BIN
			fi
			free_port P
			free_port A
			name=$t-$path
			poolguard_config "$TMP/$name.yaml" "$P" "$A" "$limit" "$store" "$TMP/$name.waf.log" "$server"
			start_poolguard "$name" "$bin" "$TMP/$name.yaml"
			TPID[$name]=$LAST_PID
			URL[$name]="http://127.0.0.1:$P/"
			WAFLOG[$name]=$TMP/$name.waf.log
			REFUSAL[$name]=403
			;;
		nginx) ;;
		*) die "unknown target $t (poolguard, poolguard-fasthttp, poolguard-redis, poolguard-base, nginx)" ;;
		esac
	done
done

if [[ " $TARGETS " == *" nginx "* ]]; then
	free_port NG_ALLOW
	free_port NG_BLOCK
	NG=$TMP/nginx
	mkdir -p "$NG"
	user_line=""
	((EUID == 0)) && user_line="user $(id -un) $(id -gn);"
	access="access_log off;"
	[[ $LOGS == on ]] && access="access_log $NG/access.log;"
	cat >"$NG/nginx.conf" <<-EOF
		$user_line
		worker_processes 1;
		pid $NG/nginx.pid;
		error_log $NG/error.log crit;
		events { worker_connections 4096; }
		http {
		    $access
		    client_body_temp_path $NG/client_body;
		    proxy_temp_path $NG/proxy;
		    fastcgi_temp_path $NG/fastcgi;
		    uwsgi_temp_path $NG/uwsgi;
		    scgi_temp_path $NG/scgi;
		    limit_req_zone \$binary_remote_addr zone=never:10m rate=1000000r/s;
		    limit_req_zone \$binary_remote_addr zone=block:10m rate=1r/m;
		    limit_req_log_level info;
		    upstream stub {
		        server 127.0.0.1:$STUB_PORT;
		        keepalive 256;
		    }
		    server {
		        listen 127.0.0.1:$NG_ALLOW;
		        location / {
		            limit_req zone=never burst=1000000 nodelay;
		            proxy_pass http://stub;
		            proxy_http_version 1.1;
		            proxy_set_header Connection "";
		        }
		    }
		    server {
		        listen 127.0.0.1:$NG_BLOCK;
		        location / {
		            limit_req zone=block;
		            proxy_pass http://stub;
		            proxy_http_version 1.1;
		            proxy_set_header Connection "";
		        }
		    }
		}
	EOF
	"$NGINX" -t -q -p "$NG/" -e "$NG/error.log" -c "$NG/nginx.conf" 2>"$TMP/nginx.test" || { cat "$TMP/nginx.test" >&2; die "nginx rejects its config"; }
	start nginx "$NGINX" -p "$NG/" -e "$NG/error.log" -c "$NG/nginx.conf" -g 'daemon off;'
	for path in $PATHS; do
		port=$NG_ALLOW
		[[ $path == block ]] && port=$NG_BLOCK
		TPID[nginx-$path]=$LAST_PID
		URL[nginx-$path]="http://127.0.0.1:$port/"
		REFUSAL[nginx-$path]=503
	done
fi

# Every allow target answers 200 before anything is measured; every block
# target answers 200 at first (its limit not yet reached) and then refuses.
for path in $PATHS; do
	for t in $TARGETS; do
		name=$t-$path
		if [[ $path == allow ]]; then
			wait_status "$name" "${URL[$name]}" 200
		else
			for _ in $(seq $((BLOCK_LIMIT + 2))); do probe "${URL[$name]}" >/dev/null; done
			wait_status "$name" "${URL[$name]}" "${REFUSAL[$name]}"
			if [[ $t == poolguard* ]] && ! grep -q 'Request not allowed due to WAF block.' "$TMP/probe.out"; then
				cat "$TMP/probe.out" >&2
				die "$name refuses with 403 but not with Cognito's WAF block answer"
			fi
		fi
	done
done

# ---- measure --------------------------------------------------------------------
wrk_run() { # wrk_run OUT URL DURATION
	WRK_STATUSES=1 wrk -t"$THREADS" -c"$CONNECTIONS" -d"$3" --timeout 5s --latency -s "$LUA" "$2" >"$1" 2>&1
}
RUNS=$TMP/runs.jsonl
: >"$RUNS"
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
say "measuring: wrk -t$THREADS -c$CONNECTIONS -d$DURATION, warm-up $WARMUP, $ROUNDS round(s), paths: $PATHS, targets: $TARGETS, logs $LOGS"
for ((round = 1; round <= ROUNDS; round++)); do
	for path in $PATHS; do
		for t in $TARGETS; do
			name=$t-$path
			[[ $WARMUP == 0 || $WARMUP == 0s ]] || wrk_run "$TMP/warmup.$name.txt" "${URL[$name]}" "$WARMUP" || true
			out=$TMP/wrk.$name.$round.txt
			pid=${TPID[$name]}
			before=$(cpu_ticks "$pid")
			rbefore=0
			[[ $t == poolguard-redis ]] && rbefore=$(cpu_ticks "$REDIS_PID")
			load=$(cut -d' ' -f1 /proc/loadavg)
			wrk_run "$out" "${URL[$name]}" "$DURATION" || { cat "$out" >&2; die "wrk failed against $name"; }
			after=$(cpu_ticks "$pid")
			rafter=0
			[[ $t == poolguard-redis ]] && rafter=$(cpu_ticks "$REDIS_PID")
			line=$(grep -m1 '^WRKJSON ' "$out" | sed 's/^WRKJSON //') || { cat "$out" >&2; die "no WRKJSON line from wrk against $name"; }
			lastlog=""
			if [[ $t == poolguard* && $LOGS == on ]]; then
				sleep 0.3 # the WAF log is written off the request path
				lastlog=$(tail -n1 "${WAFLOG[$name]}" 2>/dev/null | python3 -c 'import json,sys
try:
    r = json.loads(sys.stdin.read()); print(r.get("action", "") + ":" + r.get("terminatingRuleId", ""))
except Exception as e:
    print("unreadable")')
			fi
			printf '{"round":%d,"path":"%s","target":"%s","cpu_ticks":%d,"redis_cpu_ticks":%d,"clk_tck":%d,"refusal":%s,"load1":%s,"last_waf_log":"%s","wrk":%s}\n' \
				"$round" "$path" "$t" $((after - before)) $((rafter - rbefore)) "$CLK_TCK" "${REFUSAL[$name]:-0}" "$load" "$lastlog" "$line" >>"$RUNS"
			tail -n1 "$RUNS" | python3 -c '
import json, sys
r = json.loads(sys.stdin.read()); w = r["wrk"]; n = max(w["requests"], 1)
cpu = r["cpu_ticks"] * 1e6 / r["clk_tck"] / n
print("  round %d  %-6s %-16s %8.0f req/s  %6.1f us CPU/req  statuses %s  load %s" % (r["round"], r["path"], r["target"],
      w["requests"] / (w["duration_us"] / 1e6), cpu, w["statuses"], r["load1"]), file=sys.stderr)'
		done
	done
done
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- report ---------------------------------------------------------------------
mkdir -p "$(dirname "$RESULTS")"
commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=false
[[ -n $(git -C "$ROOT" status --porcelain -- cmd internal go.mod go.sum 2>/dev/null) ]] && dirty=true
rc=0
python3 - "$RUNS" "$RESULTS" <<EOF || rc=$?
import json, statistics, sys
runs = [json.loads(l) for l in open(sys.argv[1])]
failed = []
for r in runs:
    w = r["wrk"]; st = {int(k): v for k, v in w["statuses"].items()}; n = w["requests"]
    sock = w["connect_errors"] + w["read_errors"] + w["write_errors"] + w["timeouts"]
    r["rps"] = n / (w["duration_us"] / 1e6)
    r["cpu_us_per_req"] = r["cpu_ticks"] * 1e6 / r["clk_tck"] / max(n, 1)
    r["redis_cpu_us_per_req"] = r["redis_cpu_ticks"] * 1e6 / r["clk_tck"] / max(n, 1)
    why = []
    if n == 0: why.append("no requests")
    if sock: why.append("%d socket errors" % sock)
    if sum(st.values()) != n: why.append("statuses count %d answers of %d requests" % (sum(st.values()), n))
    if r["path"] == "allow":
        if set(st) - {200}: why.append("answers other than 200: %s" % st)
        if r["target"] != "nginx" and "$LOGS" == "on" and not r["last_waf_log"].startswith("ALLOW:"): why.append("last WAF log record %r, not ALLOW" % r["last_waf_log"])
    else:
        if set(st) - {200, r["refusal"]}: why.append("answers other than 200/%d: %s" % (r["refusal"], st))
        if st.get(200, 0) > 2: why.append("%d calls not refused" % st.get(200, 0))
        if r["target"] != "nginx" and "$LOGS" == "on" and r["last_waf_log"] != "BLOCK:RateLimit": why.append("last WAF log record %r, not BLOCK:RateLimit" % r["last_waf_log"])
    r["ok"] = not why
    if why:
        failed.append("round %d %s %s: %s" % (r["round"], r["path"], r["target"], "; ".join(why)))

paths = list(dict.fromkeys(r["path"] for r in runs))
targets = list(dict.fromkeys(r["target"] for r in runs))
summary = []
print()
print("wrk -t$THREADS -c$CONNECTIONS -d$DURATION (warm-up $WARMUP), $ROUNDS interleaved round(s), medians; logs $LOGS; $(nproc) CPUs")
print("host load average: $LOAD_START at the start, $LOAD_END at the end")
print("%-6s %-19s %9s %11s %9s %9s %9s %10s" % ("path", "target", "req/s", "us CPU/req", "+redis", "cpu_x_ng", "rps_x_ng", "refused"))
for p in paths:
    med = {}
    for t in targets:
        rs = [r for r in runs if r["path"] == p and r["target"] == t]
        if not rs: continue
        med[t] = dict(rps=statistics.median(r["rps"] for r in rs), cpu=statistics.median(r["cpu_us_per_req"] for r in rs),
                      redis=statistics.median(r["redis_cpu_us_per_req"] for r in rs),
                      refused=sum(int(r["wrk"]["statuses"].get(str(r["refusal"]), 0)) for r in rs) if p == "block" else 0,
                      requests=sum(r["wrk"]["requests"] for r in rs))
    ng = med.get("nginx")
    for t, m in med.items():
        cx = m["cpu"] / ng["cpu"] if ng else None
        rx = m["rps"] / ng["rps"] if ng else None
        tot = m["cpu"] + m["redis"]
        print("%-6s %-19s %9.0f %11.1f %9s %9s %9s %10s" % (p, t, m["rps"], m["cpu"],
              ("%.1f" % tot) if t == "poolguard-redis" else "-",
              ("%.2f" % cx) if cx else "-", ("%.2f" % rx) if rx else "-",
              ("%d/%d" % (m["refused"], m["requests"])) if p == "block" else "-"))
        summary.append(dict(path=p, target=t, rps=round(m["rps"]), cpu_us_per_req=round(m["cpu"], 2),
                            redis_cpu_us_per_req=round(m["redis"], 2) if t == "poolguard-redis" else None,
                            cpu_vs_nginx=round(cx, 3) if cx else None, rps_vs_nginx=round(rx, 3) if rx else None))
print("targets: block cpu_x_ng <= 1.2; allow cpu_x_ng <= 1.5 and rps_x_ng >= 0.8 (poolguard or poolguard-fasthttp, in-memory store)")
doc = {
  "date": "$(date -u +%Y-%m-%dT%H:%M:%SZ)", "git_commit": "$commit", "git_dirty": "$dirty" == "true",
  "command": "bench/cpu.sh", "load_average": {"start": "$LOAD_START", "end": "$LOAD_END"},
  "machine": {"cpus": $(nproc), "cpu_model": "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')", "kernel": "$(uname -r)"},
  "versions": {"go": "$(go env GOVERSION)", "nginx": "$( [[ -n $NGINX ]] && "$NGINX" -v 2>&1 | sed 's/.*nginx\///')", "wrk": "$(wrk -v 2>&1 | head -n1 | awk '{print $2}')",
               "redis": "$(command -v redis-server >/dev/null && redis-server --version | grep -Eo 'v=[0-9.]+' | cut -d= -f2)"},
  "load": {"tool": "wrk", "threads": $THREADS, "connections": $CONNECTIONS, "duration": "$DURATION", "warmup": "$WARMUP", "rounds": $ROUNDS,
           "script": "bench/initiateauth.lua", "operation": "InitiateAuth USER_PASSWORD_AUTH", "logs": "$LOGS"},
  "setup": {"poolguard": "presets cognito-proxy + cognito-categories, secret injection; allow: limits $NEVER; block: cognito-proxy RateLimit $BLOCK_LIMIT/300s (403)",
            "nginx": "worker_processes 1, keepalive 256; allow: limit_req 1000000r/s; block: limit_req 1r/m (503)"},
  "results": summary, "runs": runs, "failed": failed,
}
json.dump(doc, open(sys.argv[2], "w"), indent=1)
if failed:
    print("FAILED checks (these runs do not count):", *failed, sep="\n  ", file=sys.stderr)
    sys.exit(1)
EOF
say "results: $RESULTS"

# ---- optional profiles -------------------------------------------------------------
if [[ -n $PROFILE ]]; then
	[[ $PROFILE == /* ]] || PROFILE=$PWD/$PROFILE
	for path in $PATHS; do
		limit=$NEVER
		[[ $path == block ]] && limit=$BLOCK_LIMIT
		free_port PP
		free_port PA
		poolguard_config "$TMP/pgprof-$path.yaml" "$PP" "$PA" "$limit" memory "$TMP/pgprof-$path.waf.log" "${PROFILE_SERVER:-fasthttp}"
		export POOLGUARD_BENCH_CPUPROFILE=$PROFILE.$path
		start_poolguard "pgprof-$path" "$TMP/bin/pgprof" "$TMP/pgprof-$path.yaml"
		unset POOLGUARD_BENCH_CPUPROFILE
		ppid=$LAST_PID
		wrk_run "$TMP/warmup.pgprof.txt" "http://127.0.0.1:$PP/" 2s || true
		kill -USR1 "$ppid"
		wait_log "pgprof-$path" "$ppid" 'benchprof: started'
		say "profiling poolguard ($path path) under wrk for $DURATION ..."
		wrk_run "$TMP/wrk.pgprof.$path.txt" "http://127.0.0.1:$PP/" "$DURATION" || true
		kill -USR2 "$ppid"
		wait_log "pgprof-$path" "$ppid" 'benchprof: written'
		stop_pid "$ppid"
		grep -E 'Requests/sec|WRKJSON' "$TMP/wrk.pgprof.$path.txt" | sed 's/"p50.*statuses/ ... "statuses/' >&2 || true
		echo
		echo "== $path path: CPU profile $PROFILE.$path, allocations $PROFILE.$path.heap"
		go tool pprof -top -nodecount=30 "$PROFILE.$path" 2>/dev/null | head -n 40
		echo
		go tool pprof -top -cum -nodecount=30 "$PROFILE.$path" 2>/dev/null | sed -n '6,40p'
		echo
		go tool pprof -top -sample_index=alloc_space -nodecount=20 "$PROFILE.$path.heap" 2>/dev/null | head -n 30
	done
fi
exit "$rc"

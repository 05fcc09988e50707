#!/usr/bin/env bash
# bench/floor.sh: CPU per request of a server that only answers a fixed
# 403 (bench/floor), on fasthttp and on net/http: the floor under
# poolguard's block path. Same load and CPU reading as bench/cpu.sh
# (wrk -t1 -c32, initiateauth.lua; utime+stime from /proc/PID/stat).
#   bench/floor.sh            DURATION=10s ROUNDS=2 by default
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10s}
ROUNDS=${ROUNDS:-2}
command -v wrk >/dev/null || { echo "floor.sh: wrk is not installed (apt-get install -y wrk): SKIPPED" >&2; exit 0; }
TMP=$(mktemp -d)
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$TMP"' EXIT
go build -o "$TMP/floor" ./bench/floor
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
declare -A ADDR PID
for kind in fast std; do
	ADDR[$kind]=127.0.0.1:$(port)
	"$TMP/floor" "$kind" "${ADDR[$kind]}" 2>"$TMP/$kind.log" &
	PID[$kind]=$!
	PIDS+=("$!")
done
for kind in fast std; do
	for _ in $(seq 50); do curl -s -o /dev/null "http://${ADDR[$kind]}/" && break; sleep 0.1; done
done
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
for r in $(seq "$ROUNDS"); do
	for kind in fast std; do
		url="http://${ADDR[$kind]}/"
		wrk -t1 -c32 -d2s -s bench/initiateauth.lua "$url" >/dev/null
		a=$(ticks "${PID[$kind]}")
		n=$(wrk -t1 -c32 -d"$DURATION" -s bench/initiateauth.lua "$url" | awk '/requests in/ {print $1}')
		b=$(ticks "${PID[$kind]}")
		name=$([[ $kind == fast ]] && echo fasthttp || echo net/http)
		awk -v r="$r" -v k="$name" -v a="$a" -v b="$b" -v n="$n" -v hz="$hz" \
			'BEGIN { printf "round %d  %-9s %9d requests  %5.1f us CPU/request\n", r, k, n, (b - a) * 1e6 / hz / n }'
	done
done

# bench/lib.sh: process bookkeeping shared by the bench scripts (sourced).
# The sourcing script defines say, die, KEEP_TMP and BENCH_NAME first; every
# process started with `start` is stopped by PID (TERM, then KILL) on exit.
PIDS=()
TMP=$(mktemp -d "${TMPDIR:-/tmp}/poolguard-${BENCH_NAME:-bench}.XXXXXX")

stop_pid() { # stop_pid PID: TERM, wait up to 5 s, then KILL
	local pid=$1 i
	kill -0 "$pid" 2>/dev/null || return 0
	kill -TERM "$pid" 2>/dev/null || true
	for i in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid" 2>/dev/null || true
	fi
	wait "$pid" 2>/dev/null || true
}

cleanup() {
	local rc=$? i
	trap - EXIT INT TERM
	for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
		stop_pid "${PIDS[i]}"
	done
	if [[ -n $KEEP_TMP ]]; then
		say "kept $TMP"
	else
		rm -rf "$TMP"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# start NAME CMD...: run CMD in the background, output to $TMP/NAME.log.
start() {
	local name=$1
	shift
	"$@" >"$TMP/$name.log" 2>&1 &
	PIDS+=($!)
	LAST_PID=$!
}

# free_port VAR: a loopback port nobody listens on (and not handed out before).
declare -A HANDED_OUT=()
free_port() {
	local p _
	for _ in $(seq 500); do
		p=$((20000 + RANDOM % 40000))
		[[ -z ${HANDED_OUT[$p]:-} ]] || continue
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			HANDED_OUT[$p]=1
			printf -v "$1" '%s' "$p"
			return 0
		fi
	done
	die "no free loopback port found"
}

# wait_log NAME PID REGEX: wait (10 s at most) for a line in NAME's log.
wait_log() {
	local name=$1 pid=$2 re=$3 _
	for _ in $(seq 100); do
		grep -Eq "$re" "$TMP/$name.log" 2>/dev/null && return 0
		kill -0 "$pid" 2>/dev/null || { cat "$TMP/$name.log" >&2; die "$name exited during start-up"; }
		sleep 0.1
	done
	cat "$TMP/$name.log" >&2
	die "$name did not start within 10 s"
}

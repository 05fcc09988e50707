#!/usr/bin/env bash
# bench.sh: generate a >= 1 GB poolguard WAF log and time `poolguard analyze
# peak-rates` against jq computing the same query of the AWS WAF article, in one run.
#
#   internal/ops/analyze/bench.sh                 # 1.1 GB log in a temp dir
#   SIZE=2GB internal/ops/analyze/bench.sh
#   LOG=/path/to/existing.log internal/ops/analyze/bench.sh
#
# Prints wall-clock MB/s and MB per CPU-second (user+sys) for both tools, and
# checks that both produced the same rows.
set -euo pipefail
cd "$(dirname "$0")/../.."

SIZE=${SIZE:-1.1GB}
WORK=$(mktemp -d /tmp/poolguard-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

command -v jq >/dev/null || { echo "jq not found: apt-get install -y jq" >&2; exit 1; }

BIN="$WORK/poolguard"
go build -o "$BIN" ./cmd/poolguard
RUN=("$BIN" analyze)

LOG=${LOG:-}
if [[ -z "$LOG" ]]; then
  LOG="$WORK/waf.log"
  echo "generating $SIZE log ..." >&2
  go run ./internal/ops/analyze/gen/cmd/genlog -size "$SIZE" -o "$LOG"
fi
BYTES=$(stat -c %s "$LOG")
MB=$(awk -v b="$BYTES" 'BEGIN { printf "%.1f", b / 1e6 }')
echo "log: $LOG, $MB MB, $(wc -l < "$LOG") records" >&2
cat "$LOG" > /dev/null # warm the page cache so both tools read from memory

JQ_PROGRAM='
def category:
  ([.labels[]?.name] | any(. == "awswaf:managed:aws:amazon-ip-list:AWSManagedIPReputationList"
                        or . == "awswaf:managed:aws:amazon-ip-list:AWSManagedReconnaissanceList"
                        or . == "awswaf:managed:aws:amazon-ip-list:AWSManagedIPDDoSList")) as $rep
  | ([.httpRequest.headers[]? | select(.name | ascii_downcase == "x-amz-target") | .value][0] // "") as $t
  | .httpRequest.uri as $u
  | if $rep then "IPReputation"
    elif $t == "AWSCognitoIdentityProviderService.InitiateAuth" or $t == "AWSCognitoIdentityProviderService.RespondToAuthChallenge" then "SignIn"
    elif $t == "AWSCognitoIdentityProviderService.ResendConfirmationCode" or $t == "AWSCognitoIdentityProviderService.SignUp" or $t == "AWSCognitoIdentityProviderService.ConfirmSignUp" then "UserCreation"
    elif $t == "AWSCognitoIdentityProviderService.ForgotPassword" or $t == "AWSCognitoIdentityProviderService.ConfirmForgotPassword" then "AccountRecovery"
    elif $u == "/login" or $u == "/oauth2/authorize" then "SignIn"
    elif $u == "/signup" or $u == "/confirmUser" or $u == "/resendcode" then "UserCreation"
    elif $u == "/forgotPassword" or $u == "/confirmForgotPassword" then "AccountRecovery"
    else "Default" end;
[category, ((.timestamp / $w | floor) * $w / 1000 | todate), .httpRequest.clientIp] | @tsv'

# timed CMD... runs CMD with stdout to $OUT and prints "real user sys".
timed() {
  local TIMEFORMAT='%R %U %S'
  { time "$@" > "$OUT" 2>/dev/null ; } 2>&1
}

OUT="$WORK/poolguard.csv"
read -r PG_REAL PG_USER PG_SYS < <(timed "${RUN[@]}" peak-rates --csv -q "$LOG")
OUT="$WORK/jq.tsv"
# jq parses and classifies every record (the expensive part); awk counts
# and sort picks the top 5 per category, as jq's own reduce over an object
# with ~10^5 keys is quadratic in jq 1.6.
export JQ_PROGRAM LOG LC_ALL=C
read -r JQ_REAL JQ_USER JQ_SYS < <(timed bash -c '
  jq -r --argjson w 300000 "$JQ_PROGRAM" "$LOG" |
  awk -F "\t" "{ c[\$0]++ } END { for (k in c) print k \"\t\" c[k] }" |
  sort -t "$(printf "\t")" -k1,1 -k4,4nr -k2,2r -k3,3 |
  awk -F "\t" "{ if (n[\$1]++ < 5) print }"')

tail -n +2 "$WORK/poolguard.csv" | tr ',' '\t' > "$WORK/poolguard.tsv"
if diff -q "$WORK/poolguard.tsv" "$WORK/jq.tsv" >/dev/null; then
  SAME="identical ($(wc -l < "$WORK/jq.tsv") rows)"
else
  SAME="DIFFERENT"; diff "$WORK/poolguard.tsv" "$WORK/jq.tsv" | head -20 >&2
fi

rate() { awk -v mb="$MB" -v s="$1" 'BEGIN { printf "%8.1f", mb / s }'; }
cpu() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a + b }'; }
echo
echo "peak-rates over $MB MB ($(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg))"
printf '%-22s %9s %9s %10s %14s\n' tool wall_s cpu_s "MB/s" "MB/cpu-second"
printf '%-22s %9s %9s %10s %14s\n' "poolguard analyze" "$PG_REAL" "$(cpu "$PG_USER" "$PG_SYS")" "$(rate "$PG_REAL")" "$(rate "$(cpu "$PG_USER" "$PG_SYS")")"
printf '%-22s %9s %9s %10s %14s\n' "jq (+awk, sort)" "$JQ_REAL" "$(cpu "$JQ_USER" "$JQ_SYS")" "$(rate "$JQ_REAL")" "$(rate "$(cpu "$JQ_USER" "$JQ_SYS")")"
echo "results: $SAME"
[[ "$SAME" != DIFFERENT ]]

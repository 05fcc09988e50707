-- initiateauth.lua: a Cognito-shaped wrk load. Every request is an
-- InitiateAuth (USER_PASSWORD_AUTH) call, as an app's Cognito SDK sends it
-- to the proxy: POST / with X-Amz-Target and the JSON 1.1 content type.
--
-- BENCH_CLIENT_ID (env) sets the ClientId; it must be a client poolguard's
-- config lists with a secret, so poolguard computes and inserts SECRET_HASH.
--
-- done() prints one machine-readable line, "WRKJSON {...}", that
-- bench/throughput.sh and bench/cpu.sh parse (latencies in microseconds).
--
-- WRK_STATUSES=1 (env) also counts every answer by HTTP status, across all
-- wrk threads, into the line's "statuses" object, so a bench can check that
-- every request got the answer it expects (200, or the refusal status).

local client_id = os.getenv("BENCH_CLIENT_ID") or "1example23456789benchclnt0"

wrk.method = "POST"
wrk.path = "/"
wrk.headers["Content-Type"] = "application/x-amz-json-1.1"
wrk.headers["X-Amz-Target"] = "AWSCognitoIdentityProviderService.InitiateAuth"
wrk.headers["X-Amz-User-Agent"] = "aws-amplify/6.0.0 auth/1 framework/0"
wrk.body = '{"AuthFlow":"USER_PASSWORD_AUTH","ClientId":"' .. client_id .. '",' ..
  '"AuthParameters":{"USERNAME":"bench-user@example.com","PASSWORD":"Correct-Horse-Battery-9"},' ..
  '"ClientMetadata":{}}'

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

if os.getenv("WRK_STATUSES") == "1" then
  statuses = {}
  function response(status, headers, body)
    statuses[status] = (statuses[status] or 0) + 1
  end
end

local function statuses_json()
  local total = {}
  for _, t in ipairs(threads) do
    local s = t:get("statuses")
    if s then
      for k, v in pairs(s) do total[k] = (total[k] or 0) + v end
    end
  end
  local parts = {}
  for k, v in pairs(total) do table.insert(parts, string.format('"%d":%d', k, v)) end
  return "{" .. table.concat(parts, ",") .. "}"
end

function done(summary, latency, requests)
  local e = summary.errors
  local function us(p) return math.floor(latency:percentile(p)) end
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"bytes":%d,"non2xx":%d,' ..
    '"connect_errors":%d,"read_errors":%d,"write_errors":%d,"timeouts":%d,' ..
    '"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%d,"statuses":%s}\n',
    summary.requests, summary.duration, summary.bytes, e.status,
    e.connect, e.read, e.write, e.timeout,
    us(50), us(90), us(99), math.floor(latency.max), math.floor(latency.mean),
    statuses_json()))
end

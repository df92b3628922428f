-- wrk script of `npm run bench -- --events` (bench/events.ts): POSTs one fixed JSON body,
--   wrk -s bench/events.lua URL -- BODY-FILE
-- and prints the figures (p90 included) as one JSON line.
function init(args)
  local f = assert(io.open(args[1], "r"))
  wrk.method = "POST"
  wrk.body = f:read("*a")
  wrk.headers["Content-Type"] = "application/json"
  f:close()
end

function done(summary, latency, _)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"status":%d,"socket":%d,' ..
    '"p50":%d,"p90":%d,"p99":%d,"max":%d}\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end

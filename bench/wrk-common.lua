-- What every wrk script of bench/ shares, loaded first by each of them with
--   dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "") .. "wrk-common.lua")
-- setup() numbers the threads (`thread_no`, from 0, set in each thread before its init()), and
-- done() prints the figures as one line, `WRK_JSON {…}`, which bench/load.ts reads.
local threads = 0

function setup(thread)
  thread:set("thread_no", threads)
  threads = threads + 1
end

function done(summary, latency, _)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,' ..
    '"p50":%d,"p90":%d,"p99":%d,"max":%d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end

local json = { ["Content-Type"] = "application/json" }

-- A request from a list line, "METHOD PATH" or "METHOD PATH JSON-BODY".
function format_line(line)
  local method, path, body = line:match("^(%S+) (%S+) ?(.*)$")
  if body == "" then return wrk.format(method, path) end
  return wrk.format(method, path, json, body)
end

-- wrk script of `npm run bench` (bench/load.ts): sends the requests listed in a file,
--   wrk -s bench/wrk.lua URL -- FILE
-- one per line, "METHOD PATH" or "METHOD PATH JSON-BODY"; every thread starts at its own place in
-- the list and cycles through it. done() prints the figures as one JSON line.
local list = {}
local threads = 0
local i = 0

function setup(thread)
  thread:set("thread_no", threads)
  threads = threads + 1
end

function init(args)
  local json = { ["Content-Type"] = "application/json" }
  for line in io.lines(args[1]) do
    local method, path, body = line:match("^(%S+) (%S+) ?(.*)$")
    if body == "" then list[#list + 1] = wrk.format(method, path)
    else list[#list + 1] = wrk.format(method, path, json, body) end
  end
  i = ((thread_no or 0) * 7919) % #list
end

function request()
  i = i % #list + 1
  return list[i]
end

function done(summary, latency, _)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,' ..
    '"p50":%d,"p90":%d,"p99":%d,"max":%d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end

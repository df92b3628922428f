-- wrk script of `npm run bench -- --fires` (bench/fires.ts): GETs the tracking URLs listed in a
-- file, one path per line,
--   wrk -t T -s bench/fires.lua URL -- FILE T
-- thread k of T sends lines k+1, k+1+T, k+1+2T, …: no two threads send the same URL, and a URL
-- is sent again only once the threads went through the whole list. done() prints one JSON line.
local list = {}
local threads = 0
local i = 0
local step = 1

function setup(thread)
  thread:set("thread_no", threads)
  threads = threads + 1
end

function init(args)
  -- Paths only: formatting hundreds of thousands of requests up front takes longer than a run.
  for line in io.lines(args[1]) do list[#list + 1] = line end
  step = tonumber(args[2] or "1")
  i = thread_no or 0
end

function request()
  local path = list[i % #list + 1]
  i = i + step
  return wrk.format("GET", path)
end

function done(summary, latency, _)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"status":%d,"socket":%d,' ..
    '"p50":%d,"p90":%d,"p99":%d,"max":%d}\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end

-- wrk script of `npm run bench` (bench/load.ts) for reads drawn fresh: every request is a new
-- random draw from the paths listed in a file (one per line, most popular first),
--   wrk -s bench/wrk-draw.lua URL -- FILE uniform
--   wrk -s bench/wrk-draw.lua URL -- FILE zipf 1.0
-- uniform: every path equally likely; zipf S: the path of rank k with probability ~ 1/k^S
-- (inverse CDF by binary search). Each thread has its own seed.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "") .. "wrk-common.lua")

local reqs = {}
local cdf = nil
local n = 0

function init(args)
  for line in io.lines(args[1]) do
    n = n + 1
    reqs[n] = wrk.format("GET", line)
  end
  if args[2] == "zipf" then
    local s = tonumber(args[3] or "1")
    cdf = {}
    local total = 0
    for k = 1, n do
      total = total + 1 / (k ^ s)
      cdf[k] = total
    end
    for k = 1, n do cdf[k] = cdf[k] / total end
  end
  math.randomseed(7919 * ((thread_no or 0) + 1) + os.time())
end

local function zipf()
  local u = math.random()
  local lo, hi = 1, n
  while lo < hi do
    local mid = math.floor((lo + hi) / 2)
    if cdf[mid] < u then lo = mid + 1 else hi = mid end
  end
  return lo
end

function request()
  if cdf then return reqs[zipf()] end
  return reqs[math.random(n)]
end

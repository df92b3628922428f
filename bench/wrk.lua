-- wrk script of `npm run bench` (bench/load.ts) for a list of requests in a file, one per line,
-- "METHOD PATH" or "METHOD PATH JSON-BODY":
--   wrk -s bench/wrk.lua URL -- FILE          every thread starts at its own place and cycles
--   wrk -s bench/wrk.lua URL -- FILE stride T thread k of T sends lines k+1, k+1+T, k+1+2T, …:
--                                             no two threads send the same line, and a line is
--                                             sent again only once the threads went through all
-- Cycling formats the list up front; striding formats each request as it is sent (a list of
-- hundreds of thousands of fresh URLs takes longer to format than a run).
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "") .. "wrk-common.lua")

local list = {}
local i = 0
local step = 0

function init(args)
  if args[2] == "stride" then
    for line in io.lines(args[1]) do list[#list + 1] = line end
    step = tonumber(args[3] or "1")
    i = thread_no or 0
  else
    for line in io.lines(args[1]) do list[#list + 1] = format_line(line) end
    i = ((thread_no or 0) * 7919) % #list
  end
end

function request()
  if step > 0 then
    local line = list[i % #list + 1]
    i = i + step
    return format_line(line)
  end
  i = i % #list + 1
  return list[i]
end

-- wrk script of the write benchmark (bench/writes.ts): creates as a client of the admin API sends
-- them, each with `Authorization: Bearer TOKEN` and an `Idempotency-Key` of its own (RUN, the
-- thread and a counter: never sent twice, so every create is a first create, never a replay).
--   wrk -s bench/wrk-creates.lua URL -- FILE TOKEN RUN
-- FILE holds one JSON body per line; each thread starts at its own place and cycles.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "") .. "wrk-common.lua")

local bodies = {}
local i = 0
local sent = 0
local headers = { ["Content-Type"] = "application/json" }
local prefix = ""

function init(args)
  for line in io.lines(args[1]) do bodies[#bodies + 1] = line end
  if args[2] ~= nil and args[2] ~= "" then headers["Authorization"] = "Bearer " .. args[2] end
  prefix = (args[3] or "run") .. "-" .. (thread_no or 0) .. "-"
  i = ((thread_no or 0) * 7919) % #bodies
end

function request()
  i = i % #bodies + 1
  sent = sent + 1
  headers["Idempotency-Key"] = prefix .. sent
  return wrk.format("POST", "/api/v1/ad", headers, bodies[i])
end

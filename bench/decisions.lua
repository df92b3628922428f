-- wrk script of `npm run bench -- --decisions` (bench/decisions.ts): every request drawn fresh,
--   wrk -s bench/decisions.lua URL -- query|decide SEED USERS [COUNTRIES]
-- `query`: GET of the public query mix (each of age, gender, country, platform present or not,
-- offset 0-9, limit 5/10/15); `decide`: POST /api/v1/decisions for a viewer of the same mix,
-- `count` 1-3 and a user key out of USERS. COUNTRIES (comma-joined codes): a viewer's country is
-- drawn from them instead (`--viewers wide`), for viewers more varied than the candidate cache holds.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "") .. "wrk-common.lua")

local mode, seed, users = "query", 1, 100000
local countries = { "US", "TW", "GB", "AU", "FR", "DE" }
local others = { "JP", "KR", "CA", "BR" }
local genders = { "M", "F" }
local platforms = { "android", "ios", "web" }

function init(args)
  mode = args[1] or mode
  seed = tonumber(args[2] or seed)
  users = tonumber(args[3] or users)
  if args[4] and args[4] ~= "" then
    local wide = {}
    for code in string.gmatch(args[4], "[^,]+") do wide[#wide + 1] = code end
    countries, others = wide, wide
  end
  math.randomseed(seed * 7919 + (thread_no or 0))
end

local function viewer()
  local combo = math.random(0, 15)
  local v = {}
  if combo % 2 == 1 then v.age = math.random(1, 100) end
  if math.floor(combo / 2) % 2 == 1 then v.gender = genders[math.random(1, 2)] end
  if math.floor(combo / 4) % 2 == 1 then
    if math.random() < 0.05 then v.country = others[math.random(1, #others)]
    else v.country = countries[math.random(1, #countries)] end
  end
  if math.floor(combo / 8) % 2 == 1 then v.platform = platforms[math.random(1, 3)] end
  return v
end

local headers = { ["Content-Type"] = "application/json" }

function request()
  local v = viewer()
  if mode == "query" then
    local path = "/api/v1/ad?offset=" .. math.random(0, 9) .. "&limit=" .. (5 * math.random(1, 3))
    if v.age then path = path .. "&age=" .. v.age end
    if v.gender then path = path .. "&gender=" .. v.gender end
    if v.country then path = path .. "&country=" .. v.country end
    if v.platform then path = path .. "&platform=" .. v.platform end
    return wrk.format("GET", path)
  end
  local fields = {}
  if v.age then fields[#fields + 1] = '"age":' .. v.age end
  if v.gender then fields[#fields + 1] = '"gender":"' .. v.gender .. '"' end
  if v.country then fields[#fields + 1] = '"country":"' .. v.country .. '"' end
  if v.platform then fields[#fields + 1] = '"platform":"' .. v.platform .. '"' end
  local body = '{"user":{"key":"u-' .. math.random(1, users) .. '"},"viewer":{' .. table.concat(fields, ",") ..
    '},"count":' .. math.random(1, 3) .. '}'
  return wrk.format("POST", "/api/v1/decisions", headers, body)
end

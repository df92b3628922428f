-- take: checks the frequency caps of a decision's candidates for one user key and records the
-- ads it takes, in one atomic step.
-- KEYS[1]  the user key's hash: field = ad id, value = the ad's recorded decision times for this
--          user (epoch ms, comma-separated), only those within the ad's longest cap window
-- ARGV[1]  now (epoch ms)
-- ARGV[2]  how many candidates to take at most
-- ARGV[3..] the candidates in the order they would be chosen, two arguments each: the ad id, then
--          its caps as "impressions:window-ms" joined by commas ("3:3600000,10:86400000"), or ""
--          for an ad without caps
-- Returns  the 1-based positions of the taken candidates, ascending. Walks the candidates in
--          order and takes each one whose every cap has fewer than `impressions` times later
--          than now - window (an ad without caps always has room), until ARGV[2] are taken;
--          appends now to each taken capped ad and keeps the hash until the longest window of
--          the ads it recorded has passed.
local key = KEYS[1]
local now = tonumber(ARGV[1])
local want = tonumber(ARGV[2])
local taken = {}
local keep = 0
local i = 3
local position = 0
while i <= #ARGV and #taken < want do
  position = position + 1
  local ad = ARGV[i]
  local spec = ARGV[i + 1]
  i = i + 2
  if spec == '' then
    taken[#taken + 1] = position
  else
    local n = 0
    local longest = 0
    local limits = {}
    local windows = {}
    for limit, window in string.gmatch(spec, '(%d+):(%d+)') do
      n = n + 1
      limits[n] = tonumber(limit)
      windows[n] = tonumber(window)
      if windows[n] > longest then longest = windows[n] end
    end
    local times = {}
    local stored = redis.call('HGET', key, ad)
    if stored then
      for t in string.gmatch(stored, '[^,]+') do
        local v = tonumber(t)
        if v > now - longest then times[#times + 1] = v end
      end
    end
    local room = true
    for c = 1, n do
      local from = now - windows[c]
      local inside = 0
      for _, t in ipairs(times) do
        if t > from then inside = inside + 1 end
      end
      if inside >= limits[c] then
        room = false
        break
      end
    end
    if room then
      times[#times + 1] = now
      redis.call('HSET', key, ad, table.concat(times, ','))
      taken[#taken + 1] = position
      if longest > keep then keep = longest end
    end
  end
end
if keep > 0 and redis.call('PTTL', key) < keep then
  redis.call('PEXPIRE', key, keep)
end
return taken

-- take: checks the frequency caps of decisions' candidates, each for one user key, and records
-- the ads each takes, in one atomic step. Several takes (those of one event-loop turn) go in one
-- call; they run one after the other, so two takes for the same user key see each other.
-- KEYS[k]  the k-th take's user key hash: field = ad id, value = the ad's recorded decision
--          times for this user (epoch ms, comma-separated), only those within the ad's longest
--          cap window
-- ARGV     per take, in the order of KEYS: now (epoch ms), how many candidates to take at most,
--          how many candidates follow, then the candidates in the order they would be chosen,
--          two arguments each: the ad id, then its caps as "impressions:window-ms" joined by
--          commas ("3:3600000,10:86400000"), or "" for an ad without caps
-- Returns  one string per take: its character i is "1" when the i-th candidate was taken, "0"
--          when not; it ends at the last candidate examined. Walks the candidates in order and
--          takes each one whose every cap has fewer than `impressions` times later than
--          now - window (an ad without caps always has room), until enough are taken; appends
--          now to each taken capped ad and keeps the hash until the longest window of the ads
--          it recorded has passed.
local answers = {}
local a = 1
for k = 1, #KEYS do
  local key = KEYS[k]
  local now = tonumber(ARGV[a])
  local want = tonumber(ARGV[a + 1])
  local last = a + 2 + 2 * tonumber(ARGV[a + 2])
  local i = a + 3
  a = last + 1
  local marks = {}
  local taken = 0
  local keep = 0
  while i < last and taken < want do
    local ad = ARGV[i]
    local spec = ARGV[i + 1]
    i = i + 2
    local room = true
    if spec ~= '' then
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
        if longest > keep then keep = longest end
      end
    end
    if room then
      taken = taken + 1
      marks[#marks + 1] = '1'
    else
      marks[#marks + 1] = '0'
    end
  end
  if keep > 0 and redis.call('PTTL', key) < keep then
    redis.call('PEXPIRE', key, keep)
  end
  answers[k] = table.concat(marks)
end
return answers

-- decide.lua: count one request for each hit, in order; see package doc.
-- KEYS[i]: the counter of hit i.
-- ARGV[1]: arrival tick (ms, rounded up); ARGV[2]: query tick (ms, rounded
-- down); then per hit: limit, window (ms), terminating ('1' or '0'), and the
-- hit's own arrival tick or 0 for ARGV[1] (a replay of hits counted locally
-- during an outage). An arrival older than the key's latest one counts as
-- the latest (replicas' clocks differ; replays come late): never less.
-- Returns, per hit, the count (0 = not counted: after a terminating over).
-- A counter is the MessagePack array [g, partial, last, t1 .. tn]: g = 0 for a light key whose ticks
-- are its exact last arrivals; else g arrivals per group, the incomplete
-- group's size and latest tick, and the marks of complete groups.
local LIGHT, HEAVY = 11, 101
local arrival0, query = tonumber(ARGV[1]), tonumber(ARGV[2])

local function add(s, tick)
  s.partial = s.partial + 1
  s.last = tick
  if s.partial < s.g then return end
  s.partial = 0
  if #s.t >= s.max then table.remove(s.t, 1) end
  s.t[#s.t + 1] = tick
end

local function fit(s, limit)
  while true do
    local need = math.floor((limit + s.g) / s.g)
    if need <= HEAVY then
      s.max = need
      while #s.t > need do table.remove(s.t, 1) end
      return
    end
    local m, j = {}, 1
    while j + 1 <= #s.t do m[#m + 1] = s.t[j + 1]; j = j + 2 end
    if j <= #s.t then s.partial = s.partial + s.g end
    s.t, s.g = m, s.g * 2
  end
end

local out, stopped = {}, false
for i = 1, #KEYS do
  if stopped then
    out[i] = 0
  else
    local a = 3 + (i - 1) * 4
    local limit, len, term = tonumber(ARGV[a]), tonumber(ARGV[a + 1]), ARGV[a + 2] == '1'
    local arrival = tonumber(ARGV[a + 3])
    if arrival == 0 then arrival = arrival0 end
    local s = {g = 0, partial = 0, last = 0, max = 0, t = {}}
    local raw = redis.call('GET', KEYS[i])
    if raw then
      local f = cmsgpack.unpack(raw)
      s.g, s.partial, s.last = f[1], f[2], f[3]
      for j = 4, #f do
        if query - f[j] < len then s.t[#s.t + 1] = f[j] end
      end
      if s.partial > 0 and query - s.last >= len then s.partial = 0 end
      if s.g > 0 then
        if arrival < s.last then arrival = s.last end
      elseif #s.t > 0 and arrival < s.t[#s.t] then
        arrival = s.t[#s.t]
      end
    end
    local count
    if s.g > 0 and (#s.t > 0 or s.partial > 0) then
      fit(s, limit)
      add(s, arrival)
      count = #s.t * s.g + s.partial
    elseif #s.t < LIGHT or limit < LIGHT then
      s.g, s.partial = 0, 0
      if #s.t >= LIGHT then table.remove(s.t, 1) end
      s.t[#s.t + 1] = arrival
      count = #s.t
    else
      local g = math.floor((limit + 99) / 100)
      local h = {g = g, partial = 0, last = 0, max = math.floor((limit + g) / g), t = {}}
      for j = 1, #s.t do add(h, s.t[j]) end
      add(h, arrival)
      s = h
      count = #s.t * s.g + s.partial
    end
    local f = {s.g, s.partial, s.last}
    for j = 1, #s.t do f[j + 3] = s.t[j] end
    redis.call('SET', KEYS[i], cmsgpack.pack(f), 'PX', len + 1000)
    out[i] = count
    if term and count > limit then stopped = true end
  end
end
return out

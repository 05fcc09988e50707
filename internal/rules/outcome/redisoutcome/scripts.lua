-- This file holds two scripts, split on the line "-- RECORD --". Both
-- mirror internal/rules/outcome's Memory: a counter is a hash's fields
-- b<i> (bucket), u<i> (current), p<i> (previous); m is a mark (a pair's
-- last success, a user's last password reset) and s the last update.
-- KEYS are unused: the keys depend on the resolved user (standalone Redis
-- or Valkey only).

local function count(h, i, now, w)
  local b = tonumber(h['b' .. i] or '-1')
  local cur = tonumber(h['u' .. i] or '0')
  local prev = tonumber(h['p' .. i] or '0')
  local nb = math.floor(now / w)
  if b == nb - 1 then prev, cur = cur, 0
  elseif b ~= nb then prev, cur = 0, 0 end
  local elapsed = now - nb * w
  return cur + math.floor(prev * (w - elapsed) / w)
end

local function hgetall(key)
  local flat = redis.call('HGETALL', key)
  local h = {}
  for i = 1, #flat, 2 do h[flat[i]] = flat[i + 1] end
  return h
end

-- CHECK --
local p, now = ARGV[1], tonumber(ARGV[2])
local bf, ua, known = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local lit, ip, net = ARGV[6], ARGV[7], ARGV[8]
local sms, cc = ARGV[9], ARGV[10]
local bh, bd, ch, cd = tonumber(ARGV[11]), tonumber(ARGV[12]), tonumber(ARGV[13]), tonumber(ARGV[14])
local user = lit
if lit ~= '' then
  local a = redis.call('GET', p .. 'o:a:' .. lit)
  if a then user = a end
end
local out = {user}
local function source(id, kind)
  if id == '' then for _ = 1, 5 do table.insert(out, 0) end return end
  local h = hgetall(p .. 'o:' .. kind .. ':' .. id)
  table.insert(out, count(h, 0, now, 60))
  table.insert(out, count(h, 1, now, 86400))
  table.insert(out, count(h, 2, now, 86400))
  table.insert(out, count(h, 3, now, 86400))
  table.insert(out, count(h, 4, now, 86400))
end
source(ip, 's')
source(net, 'n')
local pf, qf, kip, knet, uf, us = 0, 0, 0, 0, 0, 0
if user ~= '' then
  local u = hgetall(p .. 'o:u:' .. user)
  uf, us = count(u, 0, now, ua), count(u, 1, now, ua)
  local reset = tonumber(u['m'] or '0')
  local function pair(id, kind)
    if id == '' then return 0, 0 end
    local h = hgetall(p .. 'o:' .. kind .. ':' .. user .. ':' .. id)
    local f = count(h, 0, now, bf)
    if reset ~= 0 and tonumber(h['s'] or '0') <= reset then f = 0 end
    local m = tonumber(h['m'] or '0')
    local k = 0
    if m ~= 0 and now - m < known then k = 1 end
    return f, k
  end
  pf, kip = pair(ip, 'p')
  qf, knet = pair(net, 'q')
end
for _, v in ipairs({pf, qf, kip, knet, uf, us}) do table.insert(out, v) end
-- SMS: reserve one against every budget, all or nothing.
local reserved, exhausted = 0, 0
local hour, dayn = math.floor(now / 3600), math.floor(now / 86400)
local vals = {0, 0, 0, 0}
if sms == '1' then
  local all, ccKey = p .. 'o:sms:all', p .. 'o:sms:cc:' .. cc
  local function get(key, f, idx)
    local v = redis.call('HMGET', key, f .. 'b', f .. 'n')
    if tonumber(v[1] or '-1') ~= idx then return 0 end
    return tonumber(v[2] or '0')
  end
  vals[1], vals[2] = get(all, 'h', hour), get(all, 'd', dayn)
  if cc ~= '' then vals[3], vals[4] = get(ccKey, 'h', hour), get(ccKey, 'd', dayn) end
  local function over(n, b) return b > 0 and n >= b end
  if over(vals[1], bh) or over(vals[2], bd) or (cc ~= '' and (over(vals[3], ch) or over(vals[4], cd))) then
    exhausted = 1
  else
    reserved = 1
    local function add(key, withcc)
      redis.call('HSET', key, 'hb', hour, 'hn', get(key, 'h', hour) + 1, 'db', dayn, 'dn', get(key, 'd', dayn) + 1)
      redis.call('EXPIRE', key, 2 * 86400)
    end
    add(all)
    vals[1], vals[2] = vals[1] + 1, vals[2] + 1
    if cc ~= '' then add(ccKey) vals[3], vals[4] = vals[3] + 1, vals[4] + 1 end
  end
end
for _, v in ipairs({reserved, exhausted, vals[1], vals[2], vals[3], vals[4]}) do table.insert(out, v) end
return out
-- RECORD --
local p, now = ARGV[1], tonumber(ARGV[2])
local bf, ua, known = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local user, ip, net, cc = ARGV[6], ARGV[7], ARGV[8], ARGV[9]
local kind, attempt, signin, reset, release = ARGV[10], ARGV[11], ARGV[12], ARGV[13], ARGV[14]
local learnt = ARGV[15]
local ttl = math.max(86400 * 2, known)
local function add(key, i, w)
  local h = redis.call('HMGET', key, 'b' .. i, 'u' .. i, 'p' .. i)
  local b, cur, prev = tonumber(h[1] or '-1'), tonumber(h[2] or '0'), tonumber(h[3] or '0')
  local nb = math.floor(now / w)
  if b == nb - 1 then prev, cur = cur, 0
  elseif b ~= nb then prev, cur = 0, 0 end
  local before = cur + math.floor(prev * (w - (now - nb * w)) / w)
  redis.call('HSET', key, 'b' .. i, nb, 'u' .. i, cur + 1, 'p' .. i, prev, 's', now)
  redis.call('EXPIRE', key, ttl)
  return before
end
if release == '1' then
  local hour, dayn = math.floor(now / 3600), math.floor(now / 86400)
  local keys = {p .. 'o:sms:all'}
  if cc ~= '' then table.insert(keys, p .. 'o:sms:cc:' .. cc) end
  for _, key in ipairs(keys) do
    local v = redis.call('HMGET', key, 'hb', 'hn', 'db', 'dn')
    if tonumber(v[1] or '-1') == hour and tonumber(v[2]) > 0 then redis.call('HINCRBY', key, 'hn', -1) end
    if tonumber(v[3] or '-1') == dayn and tonumber(v[4]) > 0 then redis.call('HINCRBY', key, 'dn', -1) end
  end
end
if learnt ~= '' then
  for i = 16, #ARGV do
    if ARGV[i] ~= '' then redis.call('SET', p .. 'o:a:' .. ARGV[i], learnt, 'EX', math.max(known, 1)) end
  end
  if user == '' or user == ARGV[16] then user = learnt end
end
local failure = kind == 'wrong_credentials' or kind == 'unknown_user' or kind == 'bad_code'
if attempt == '1' and failure then
  local newPair = false
  -- A pair last counted no later than the user's latest password reset
  -- starts again from this failure (Memory's clearBeforeReset).
  local reset = 0
  if user ~= '' then reset = tonumber(redis.call('HGET', p .. 'o:u:' .. user, 'm') or '0') end
  local function addPair(key)
    local stale = reset ~= 0 and tonumber(redis.call('HGET', key, 's') or '0') <= reset
    local before = add(key, 0, bf)
    if stale then redis.call('HSET', key, 'u0', 1, 'p0', 0) end
    return before
  end
  if user ~= '' and ip ~= '' then newPair = addPair(p .. 'o:p:' .. user .. ':' .. ip) == 0 end
  if user ~= '' and net ~= '' then addPair(p .. 'o:q:' .. user .. ':' .. net) end
  if user ~= '' then
    local key = p .. 'o:u:' .. user
    add(key, 0, ua)
    if newPair then add(key, 1, ua) end
  end
  for _, s in ipairs({{'s', ip}, {'n', net}}) do
    if s[2] ~= '' then
      local key = p .. 'o:' .. s[1] .. ':' .. s[2]
      add(key, 0, 60)
      add(key, 1, 86400)
      if kind == 'unknown_user' then add(key, 3, 86400) end
      if newPair or user == '' then add(key, 4, 86400) end
    end
  end
elseif signin == '1' and kind == 'success' then
  for _, s in ipairs({{'s', ip}, {'n', net}}) do
    if s[2] ~= '' then add(p .. 'o:' .. s[1] .. ':' .. s[2], 2, 86400) end
  end
  if user ~= '' then
    for _, s in ipairs({{'p', ip}, {'q', net}}) do
      if s[2] ~= '' then
        local key = p .. 'o:' .. s[1] .. ':' .. user .. ':' .. s[2]
        redis.call('HDEL', key, 'b0', 'u0', 'p0')
        redis.call('HSET', key, 'm', now, 's', now)
        redis.call('EXPIRE', key, ttl)
      end
    end
  end
end
if reset == '1' and user ~= '' then
  local key = p .. 'o:u:' .. user
  redis.call('HSET', key, 'm', now)
  redis.call('EXPIRE', key, ttl)
end
return 1

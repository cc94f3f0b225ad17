-- hold: hold every requested seat, or none.
-- ARGV[1] hold id   ARGV[2] owner   ARGV[3] ttl (ms)   ARGV[4] idempotency key ("" for none)
-- ARGV[5] most seats the owner may hold in this show at once   ARGV[6] longest life (ms)
-- ARGV[7..] seat ids (distinct)
-- Answers {r="ok", v, hold...} | {r="existing", hold...} (idempotent retry)
--       | {r="taken", seats} | {r="unknown_seats", seats} | {r="unknown_show"}
--       | {r="idem_conflict"} | {r="limit", held, max}
local hold_id, owner, ttl, idem = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]
local max_held, max_life = tonumber(ARGV[5]), tonumber(ARGV[6])
local seats = {}
for i = 7, #ARGV do
  seats[#seats + 1] = ARGV[i]
end
if redis.call('EXISTS', K_LAYOUT) == 0 then
  return reply({r = 'unknown_show'})
end
local now = now_ms()

if idem ~= '' then
  local existing = redis.call('HGET', K_IDEM, owner .. '\n' .. idem)
  if existing then
    local h = load_hold(existing)
    if h and (h.state == 'processing' or h.exp > now) then
      local wanted = {}
      for _, s in ipairs(seats) do wanted[s] = true end
      local same = #h.seats == #seats
      for _, s in ipairs(h.seats) do
        if not wanted[s] then same = false end
      end
      if not same then
        return reply({r = 'idem_conflict'})
      end
      return hold_reply('existing', existing, h)
    end
  end
end

local unknown = {}
for _, s in ipairs(seats) do
  if redis.call('SISMEMBER', K_LAYOUT, s) == 0 then
    unknown[#unknown + 1] = s
  end
end
if #unknown > 0 then
  return reply({r = 'unknown_seats', seats = unknown})
end

local held = owned(owner)
if held + #seats > max_held then
  return reply({r = 'limit', held = held, max = max_held})
end

local taken = {}
local occupants = redis.call('HMGET', K_SEATS, unpack(seats))
for i, occ in ipairs(occupants) do
  if occ then
    taken[#taken + 1] = seats[i]
  end
end
if #taken > 0 then
  return reply({r = 'taken', seats = taken})
end

local h = {state = 'held', exp = now + ttl, deadline = now + max_life, owner = owner, seats = seats,
           idem = idem}
for _, s in ipairs(seats) do
  redis.call('HSET', K_SEATS, s, 'h:' .. hold_id)
end
redis.call('HSET', K_HOLDS, hold_id, cjson.encode(h))
redis.call('ZADD', K_EXPIRY, h.exp, hold_id)
count_owned(owner, #seats)
if idem ~= '' then
  redis.call('HSET', K_IDEM, owner .. '\n' .. idem, hold_id)
end
local v = next_version(now)
return reply({r = 'ok', v = int(v), hold = hold_id, state = h.state, exp = int(h.exp), owner = owner, seats = seats})

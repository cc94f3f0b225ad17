-- extend: push a held hold's expiry to now + ttl, never past its deadline (creation + the
-- longest life; holds made before deadlines existed have none). No seat changes, no version.
-- ARGV[1] hold id   ARGV[2] ttl (ms)
-- Answers {r="ok", hold...} | {r="not_found"} | {r="expired"} | {r="wrong_state"}
local id, ttl = ARGV[1], tonumber(ARGV[2])
local h = load_hold(id)
if not h then
  return reply({r = 'not_found'})
end
if h.state ~= 'held' then
  return reply({r = 'wrong_state'})
end
local now = now_ms()
if h.exp <= now then
  return reply({r = 'expired'})
end
if h.deadline and h.exp >= h.deadline then
  return reply({r = 'lifetime'})
end
local exp = now + ttl
if h.deadline and exp > h.deadline then
  exp = h.deadline
end
if exp > h.exp then
  h.exp = exp
end
redis.call('HSET', K_HOLDS, id, cjson.encode(h))
redis.call('ZADD', K_EXPIRY, h.exp, id)
return hold_reply('ok', id, h)

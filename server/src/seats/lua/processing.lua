-- mark_processing: payment started; the hold's seats become processing and stop expiring.
-- ARGV[1] hold id
-- Answers {r="ok", v, seats} | {r="same"} (already processing) | {r="not_found"} | {r="expired"}
local id = ARGV[1]
local h = load_hold(id)
if not h then
  return reply({r = 'not_found'})
end
if h.state == 'processing' then
  return reply({r = 'same'})
end
local now = now_ms()
if h.exp <= now then
  return reply({r = 'expired'})
end
h.state = 'processing'
redis.call('HSET', K_HOLDS, id, cjson.encode(h))
redis.call('ZREM', K_EXPIRY, id)
for _, s in ipairs(h.seats) do
  redis.call('HSET', K_SEATS, s, 'p:' .. id)
end
return reply({r = 'ok', v = int(next_version(now)), seats = h.seats})

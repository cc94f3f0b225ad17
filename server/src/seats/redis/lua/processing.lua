-- mark_processing: checkout claimed the hold for a booking; its seats become processing and
-- stop expiring. The claim is the hold's one winner: a second booking claiming the same hold
-- (a double click, two cashiers) is refused, so only one booking of a hold is ever charged.
-- ARGV[1] hold id   ARGV[2] booking id
-- Answers {r="ok", v, seats} | {r="same"} (already processing for this booking)
--       | {r="claimed"} (processing for another booking) | {r="not_found"} | {r="expired"}
local id, booking = ARGV[1], ARGV[2]
local h = load_hold(id)
if not h then
  return reply({r = 'not_found'})
end
if h.state == 'processing' then
  if h.booking == booking then
    return reply({r = 'same'})
  end
  return reply({r = 'claimed'})
end
local now = now_ms()
if h.exp <= now then
  return reply({r = 'expired'})
end
for _, s in ipairs(h.seats) do
  if redis.call('HGET', K_SEATS, s) ~= 'h:' .. id then
    -- The seat was taken from this hold (a rebuild restored a sale over it): the hold is
    -- lost, and nothing it no longer occupies may be overwritten.
    return reply({r = 'not_found'})
  end
end
h.state = 'processing'
h.booking = booking
redis.call('HSET', K_HOLDS, id, cjson.encode(h))
redis.call('ZREM', K_EXPIRY, id)
for _, s in ipairs(h.seats) do
  redis.call('HSET', K_SEATS, s, 'p:' .. id)
end
return reply({r = 'ok', v = int(next_version(now)), seats = h.seats})

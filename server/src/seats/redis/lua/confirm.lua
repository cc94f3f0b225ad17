-- confirm: sell a hold's seats to a booking. Only seats the hold itself still occupies are
-- sold, so a lost or expired hold can never turn into a second sale.
-- ARGV[1] hold id   ARGV[2] booking id   ARGV[3..] the booking's seats
-- Answers {r="ok", v, seats} | {r="same"} (already sold to this booking)
--       | {r="not_found"} | {r="expired"} | {r="mismatch"} (seats differ from the hold's)
--       | {r="claimed"} (the hold is processing for another booking)
local id, booking = ARGV[1], ARGV[2]
local seats = {}
for i = 3, #ARGV do
  seats[#seats + 1] = ARGV[i]
end
local sold = 's:' .. booking
local h = load_hold(id)
if not h then
  for _, s in ipairs(seats) do
    if redis.call('HGET', K_SEATS, s) ~= sold then
      return reply({r = 'not_found'})
    end
  end
  return reply({r = 'same'})
end
local now = now_ms()
if h.state == 'held' and h.exp <= now then
  return reply({r = 'expired'})
end
if h.state == 'processing' and h.booking and h.booking ~= booking then
  return reply({r = 'claimed'})
end
local wanted = {}
for _, s in ipairs(seats) do wanted[s] = true end
if #seats ~= #h.seats then
  return reply({r = 'mismatch'})
end
for _, s in ipairs(h.seats) do
  if not wanted[s] then
    return reply({r = 'mismatch'})
  end
  local occ = redis.call('HGET', K_SEATS, s)
  if occ ~= 'h:' .. id and occ ~= 'p:' .. id then
    -- The seat was taken from this hold (a rebuild restored a sale): the hold is lost.
    return reply({r = 'not_found'})
  end
end
for _, s in ipairs(h.seats) do
  redis.call('HSET', K_SEATS, s, sold)
end
forget_hold(id, h)
return reply({r = 'ok', v = int(next_version(now)), seats = h.seats})

-- claims: put back the holds of bookings whose payment is in flight (the store's pending and
-- processing bookings) after the ledger lost them, as processing holds claimed for their
-- booking. A claim is restored only where every one of its seats is free; one whose hold
-- still exists is left as it is.
-- ARGV[1] number of claims; then per claim: hold id, booking id, owner, seat count k, k seats
-- Answers {r="ok", v (when seats changed), seats (those changed), holds (those restored)}
local count = tonumber(ARGV[1])
local i = 2
local changed, restored = {}, {}
local now = now_ms()
for _ = 1, count do
  local id, booking, owner, k = ARGV[i], ARGV[i + 1], ARGV[i + 2], tonumber(ARGV[i + 3])
  local seats = {}
  for j = 1, k do
    seats[j] = ARGV[i + 3 + j]
  end
  i = i + 4 + k
  if redis.call('HEXISTS', K_HOLDS, id) == 0 then
    local free = true
    for _, s in ipairs(seats) do
      if redis.call('HEXISTS', K_SEATS, s) == 1 then
        free = false
      end
    end
    if free then
      for _, s in ipairs(seats) do
        redis.call('HSET', K_SEATS, s, 'p:' .. id)
        changed[#changed + 1] = s
      end
      local h = {state = 'processing', exp = now, owner = owner, seats = seats, idem = '',
                 booking = booking}
      redis.call('HSET', K_HOLDS, id, cjson.encode(h))
      count_owned(owner, #seats)
      restored[#restored + 1] = id
    end
  end
end
if #changed == 0 then
  return reply({r = 'ok', holds = restored})
end
return reply({r = 'ok', v = int(next_version(now)), seats = changed, holds = restored})

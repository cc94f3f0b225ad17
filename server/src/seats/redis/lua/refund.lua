-- refund: seats sold to a booking become available. Seats not sold to it are left alone.
-- ARGV[1] booking id   ARGV[2..] seat ids
-- Answers {r="ok", v, seats (those changed)} | {r="same"} (none was sold to it)
local sold = 's:' .. ARGV[1]
local changed = {}
for i = 2, #ARGV do
  if redis.call('HGET', K_SEATS, ARGV[i]) == sold then
    redis.call('HDEL', K_SEATS, ARGV[i])
    changed[#changed + 1] = ARGV[i]
  end
end
if #changed == 0 then
  return reply({r = 'same'})
end
return reply({r = 'ok', v = int(next_version(now_ms())), seats = changed})

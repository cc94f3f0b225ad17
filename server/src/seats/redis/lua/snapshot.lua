-- snapshot: the show's version and every occupied seat, read atomically.
-- No ARGV.
-- Answers {r="ok", v, occupied = [seat, occupant, seat, occupant, ...]} | {r="unknown_show"}
if redis.call('EXISTS', K_LAYOUT) == 0 then
  return reply({r = 'unknown_show'})
end
if redis.call('EXISTS', K_VERSION) == 0 then
  redis.call('SET', K_VERSION, int(now_ms() * 1000))
end
local v = redis.call('GET', K_VERSION)
return reply({r = 'ok', v = v, occupied = redis.call('HGETALL', K_SEATS)})

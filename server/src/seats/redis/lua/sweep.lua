-- sweep: release holds whose expiry has passed (at most ARGV[1] of them per call).
-- ARGV[1] limit
-- Answers {r="ok", released = [{hold, v, seats}, ...], more = true|false}
local now = now_ms()
local limit = tonumber(ARGV[1])
local due = redis.call('ZRANGEBYSCORE', K_EXPIRY, '-inf', now, 'LIMIT', 0, limit)
local released = {}
for _, id in ipairs(due) do
  local h = load_hold(id)
  if h and h.state == 'held' and h.exp <= now then
    drop_hold(id, h)
    released[#released + 1] = {hold = id, v = int(next_version(now)), seats = h.seats}
  else
    -- A stale entry (hold gone or processing): expiry no longer applies.
    redis.call('ZREM', K_EXPIRY, id)
  end
end
return reply({r = 'ok', released = released, more = #due == limit})

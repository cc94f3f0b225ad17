-- restore: rebuild sold seats from the store after the ledger lost them.
-- ARGV pairs: ARGV[2i-1] seat id, ARGV[2i] booking id
-- Answers {r="ok", v, seats (those changed)} | {r="same"} | {r="unknown_show"}
if redis.call('EXISTS', K_LAYOUT) == 0 then
  return reply({r = 'unknown_show'})
end
local changed = restore_pairs(1)
if #changed == 0 then
  return reply({r = 'same'})
end
return reply({r = 'ok', v = int(next_version(now_ms())), seats = changed})

-- register: make a show's seats known (replace its layout) and put back the seats the store
-- says are sold, in one step: the show never accepts a hold before its sold seats are in
-- (a rebuild after Redis lost its data cannot hand out a sold seat). Other seat states are
-- kept; a sold seat given here overwrites whatever the ledger had for it (the store wins).
-- ARGV[1] number of seat ids n   ARGV[2..n+1] seat ids
-- ARGV[n+2..] pairs: seat id, booking id (sold seats)
-- Answers {r="ok", v (when sold seats changed), seats (those changed)}
local n = tonumber(ARGV[1])
redis.call('DEL', K_LAYOUT)
local batch = {}
for i = 2, n + 1 do
  batch[#batch + 1] = ARGV[i]
  if #batch == 1000 or i == n + 1 then
    redis.call('SADD', K_LAYOUT, unpack(batch))
    batch = {}
  end
end
local now = now_ms()
if redis.call('EXISTS', K_VERSION) == 0 then
  redis.call('SET', K_VERSION, int(now * 1000))
end
local changed = restore_pairs(n + 2)
if #changed == 0 then
  return reply({r = 'ok'})
end
return reply({r = 'ok', v = int(next_version(now)), seats = changed})

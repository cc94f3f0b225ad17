-- register: make a show's seats known (replace its layout). Seat states are kept.
-- ARGV[1..] seat ids
-- Answers {r="ok"}
redis.call('DEL', K_LAYOUT)
local batch = {}
for i = 1, #ARGV do
  batch[#batch + 1] = ARGV[i]
  if #batch == 1000 or i == #ARGV then
    redis.call('SADD', K_LAYOUT, unpack(batch))
    batch = {}
  end
end
if redis.call('EXISTS', K_VERSION) == 0 then
  redis.call('SET', K_VERSION, int(now_ms() * 1000))
end
return reply({r = 'ok'})

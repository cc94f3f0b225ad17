-- Prepended to every ledger script (see seats/redis.rs).
--
-- KEYS, the same seven for every script, all in one show's hash slot (tag {show:<id>}):
--   KEYS[1] layout   SET     seat ids of the show's venue
--   KEYS[2] seats    HASH    seat -> occupant: "h:<hold>" held, "p:<hold>" processing,
--                            "s:<booking>" sold; a seat absent here is available
--   KEYS[3] holds    HASH    hold id -> JSON {state, exp, owner, seats, idem, booking}
--                            (booking: the one booking a processing hold was claimed for)
--   KEYS[4] expiry   ZSET    hold id scored by expiry (ms), holds in state "held" only
--   KEYS[5] version  STRING  the show's version counter
--   KEYS[6] idem     HASH    owner .. "\n" .. idempotency key -> hold id
--   KEYS[7] owned    HASH    owner -> seats its holds take (held or processing), for the
--                            per-account cap; kept by add_hold/drop_hold and confirm
-- Every script answers one JSON string; big integers (versions, times) travel as strings
-- because cjson prints numbers with 14 significant digits.
local K_LAYOUT, K_SEATS, K_HOLDS, K_EXPIRY, K_VERSION, K_IDEM, K_OWNED =
  KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7]

local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local function int(n)
  return string.format('%.0f', n)
end

-- The next version of the show. A missing counter (new show, or Redis lost its data) starts
-- at now_ms * 1000 so versions keep increasing for clients that saw the old ones.
local function next_version(now)
  if redis.call('EXISTS', K_VERSION) == 0 then
    redis.call('SET', K_VERSION, int(now * 1000))
  end
  return redis.call('INCR', K_VERSION)
end

local function reply(t)
  return cjson.encode(t)
end

local function load_hold(id)
  local raw = redis.call('HGET', K_HOLDS, id)
  if not raw then
    return nil
  end
  return cjson.decode(raw)
end

-- The seats `owner`'s holds of this show take.
local function owned(owner)
  return tonumber(redis.call('HGET', K_OWNED, owner) or '0')
end

-- Counts `n` seats more (or fewer, n < 0) for `owner`; never below zero (holds made before
-- the count existed are not in it).
local function count_owned(owner, n)
  if redis.call('HINCRBY', K_OWNED, owner, n) <= 0 then
    redis.call('HDEL', K_OWNED, owner)
  end
end

-- Forgets a hold that left the ledger (released, expired, sold): its owner's count goes down.
local function forget_hold(id, h)
  redis.call('HDEL', K_HOLDS, id)
  redis.call('ZREM', K_EXPIRY, id)
  if h.idem ~= '' then
    redis.call('HDEL', K_IDEM, h.owner .. '\n' .. h.idem)
  end
  count_owned(h.owner, -#h.seats)
end

-- Frees the seats a hold still occupies and forgets the hold.
local function drop_hold(id, h)
  for _, s in ipairs(h.seats) do
    local occ = redis.call('HGET', K_SEATS, s)
    if occ == 'h:' .. id or occ == 'p:' .. id then
      redis.call('HDEL', K_SEATS, s)
    end
  end
  forget_hold(id, h)
end

local function hold_reply(r, id, h)
  return reply({r = r, hold = id, state = h.state, exp = int(h.exp), owner = h.owner, seats = h.seats,
                booking = h.booking})
end

-- Marks seats sold to their bookings (the store's truth), from ARGV pairs starting at `from`:
-- ARGV[from] seat id, ARGV[from + 1] booking id, ... Returns the seats that changed.
local function restore_pairs(from)
  local changed = {}
  for i = from, #ARGV, 2 do
    local want = 's:' .. ARGV[i + 1]
    if redis.call('HGET', K_SEATS, ARGV[i]) ~= want then
      redis.call('HSET', K_SEATS, ARGV[i], want)
      changed[#changed + 1] = ARGV[i]
    end
  end
  return changed
end

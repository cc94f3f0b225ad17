-- release: give a hold's seats back (checkout abandoned, payment failed).
-- ARGV[1] hold id
-- Answers {r="ok", v, seats} | {r="not_found"}
local id = ARGV[1]
local h = load_hold(id)
if not h then
  return reply({r = 'not_found'})
end
drop_hold(id, h)
return reply({r = 'ok', v = int(next_version(now_ms())), seats = h.seats})

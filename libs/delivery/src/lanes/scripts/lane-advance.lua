--[[
  Ends the head's turn: pops it (only if it is the head, so a resend or a second end changes
  nothing) and unholds the lane.
  KEYS[1] lane
  KEYS[2] the partition's index of held lanes
  ARGV[1] delivery id
  ARGV[2] '1' to end it only if the lane is held (a skip)
  Returns nil when it was not the head (or, for a skip, when the lane was not held); otherwise
  { 1 if it was held, then the ids left in the lane if it was held (their log status goes back),
  else only the new head }.
]]
local lane, heldLanes = KEYS[1], KEYS[2]
local deliveryId, onlyIfHeld = ARGV[1], ARGV[2] == '1'
if redis.call('LINDEX', lane, 0) ~= deliveryId then return nil end
local held = redis.call('ZSCORE', heldLanes, lane) and 1 or 0
if onlyIfHeld and held == 0 then return nil end
redis.call('LPOP', lane)
redis.call('ZREM', heldLanes, lane)
local rest = held == 1 and redis.call('LRANGE', lane, 0, -1) or redis.call('LRANGE', lane, 0, 0)
table.insert(rest, 1, held)
return rest

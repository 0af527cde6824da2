--[[
  Ends the head's turn: pops it (only if it is the head, so a resend or a second end changes
  nothing) and unholds the lane.
  KEYS[1] lane
  KEYS[2] the partition's index of held lanes
  KEYS[3] the failed set of the delivery's queue (BullMQ's `failed`)
  KEYS[4] the delivery's job hash
  ARGV[1] delivery id
  ARGV[2] '1' for a skip: only if the lane is held, and only while the dead letter is still
          dead (its job in the failed set, or removed): a skip racing a retry of the same dead
          letter must not let the lane go on while the retried one is sent
  Returns nil when it was not the head (or, for a skip, when the lane was not held or the job
  is no longer failed); otherwise { 1 if it was held, then the ids left in the lane if it was
  held (their log status goes back), else only the new head }.
]]
local lane, heldLanes, failedJobs, job = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local deliveryId, skip = ARGV[1], ARGV[2] == '1'
if redis.call('LINDEX', lane, 0) ~= deliveryId then return nil end
local held = redis.call('ZSCORE', heldLanes, lane) and 1 or 0
if skip then
  if held == 0 then return nil end
  if redis.call('EXISTS', job) == 1 and not redis.call('ZSCORE', failedJobs, deliveryId) then return nil end
end
redis.call('LPOP', lane)
redis.call('ZREM', heldLanes, lane)
local rest = held == 1 and redis.call('LRANGE', lane, 0, -1) or redis.call('LRANGE', lane, 0, 0)
table.insert(rest, 1, held)
return rest

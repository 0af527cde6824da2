--[[
  Holds the lane behind its head, a dead letter: nothing after it is sent until it is retried
  successfully or skipped.
  KEYS[1] lane
  KEYS[2] the partition's index of held lanes
  ARGV[1] delivery id (the head)
  ARGV[2] now (ms)
  Returns the ids waiting behind it (their log status becomes held), or nil when it is not the
  head (skipped meanwhile).
]]
local lane, heldLanes = KEYS[1], KEYS[2]
local deliveryId, now = ARGV[1], ARGV[2]
if redis.call('LINDEX', lane, 0) ~= deliveryId then return nil end
redis.call('ZADD', heldLanes, 'NX', now, lane)
return redis.call('LRANGE', lane, 1, -1)

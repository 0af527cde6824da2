--[[
  Puts dead letters being recovered back at the end of their lane, in the order given (their
  sequence), so they are sent one after the other, after what waits there now. Only those still
  dead (in the failed set) and not in the lane already (a dead letter holding its lane is its
  head) are added.
  KEYS[1] lane
  KEYS[2] the failed set of the deliveries' queue (BullMQ's `failed`)
  ARGV    delivery ids, in sequence order
  Returns how many joined.
]]
local lane, failedJobs = KEYS[1], KEYS[2]
local joined = 0
for _, id in ipairs(ARGV) do
  if redis.call('ZSCORE', failedJobs, id) and not redis.call('LPOS', lane, id) then
    redis.call('RPUSH', lane, id)
    joined = joined + 1
  end
end
return joined

--[[
  Keeps the changes record of the endpoints to its most recent entries, and remembers the
  highest version it dropped (the floor): a replica that last read a version below the floor
  may have missed a change, so it reads everything again instead (EndpointStore.changesSince).
  KEYS[1] changes (sorted set: id by the version of its last change)
  KEYS[2] floor (string: the highest version dropped from the changes)
  ARGV[1] how many entries to keep
  Returns how many entries were dropped.
]]
local changes, floorKey = KEYS[1], KEYS[2]
local keep = tonumber(ARGV[1])
local excess = redis.call('ZCARD', changes) - keep
if excess <= 0 then return 0 end
local last = redis.call('ZRANGE', changes, excess - 1, excess - 1, 'WITHSCORES')
redis.call('ZREMRANGEBYRANK', changes, 0, excess - 1)
local dropped = tonumber(last[2])
if dropped > tonumber(redis.call('GET', floorKey) or '0') then redis.call('SET', floorKey, dropped) end
return excess

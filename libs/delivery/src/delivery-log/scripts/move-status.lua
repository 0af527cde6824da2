--[[
  Moves deliveries from one status to another, each only if it is in `from` (a delivery that
  has moved on meanwhile keeps its status), with its status index entry.
  KEYS[1] the `from` status index
  KEYS[2] the `to` status index
  KEYS[3..] the records
  ARGV[1] from
  ARGV[2] to
  ARGV[3] now (ms)
  ARGV[4..] the delivery ids, in the order of their records
]]
local fromIndex, toIndex = KEYS[1], KEYS[2]
local from, to, now = ARGV[1], ARGV[2], ARGV[3]
for i = 3, #KEYS do
  local record, id = KEYS[i], ARGV[i + 1]
  local current = redis.call('HMGET', record, 'status', 'createdAt')
  if current[1] == from then
    redis.call('HSET', record, 'status', to, 'updatedAt', now)
    redis.call('ZREM', fromIndex, id)
    redis.call('ZADD', toIndex, current[2], id)
  end
end

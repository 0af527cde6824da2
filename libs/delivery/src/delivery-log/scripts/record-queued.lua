--[[
  Creates a `pending` record for each delivery that has none yet (never overwrites: the same
  deliveries may be queued twice, and a fast first attempt may already have created one).
  KEYS[1] index of all deliveries
  KEYS[2] index of pending deliveries
  KEYS[3 + 3i], KEYS[4 + 3i], KEYS[5 + 3i] per delivery i: its record, its event's index, its entity's index
  ARGV[1] now (ms)
  ARGV[2] ttl (ms)
  ARGV[3 + 2i], ARGV[4 + 2i] per delivery i: its id, its meta JSON
]]
local allIndex, pendingIndex = KEYS[1], KEYS[2]
local now, ttl = ARGV[1], ARGV[2]
for i = 0, (#KEYS - 2) / 3 - 1 do
  local record, byEvent, byEntity = KEYS[3 + 3 * i], KEYS[4 + 3 * i], KEYS[5 + 3 * i]
  local id, meta = ARGV[3 + 2 * i], ARGV[4 + 2 * i]
  if redis.call('EXISTS', record) == 0 then
    redis.call('HSET', record, 'meta', meta, 'status', 'pending', 'series', 1, 'createdAt', now, 'updatedAt', now)
    redis.call('PEXPIRE', record, ttl)
    redis.call('ZADD', allIndex, now, id)
    redis.call('ZADD', pendingIndex, now, id)
    redis.call('ZADD', byEvent, now, id)
    redis.call('PEXPIRE', byEvent, ttl)
    redis.call('ZADD', byEntity, now, id)
    redis.call('PEXPIRE', byEntity, ttl)
  end
end

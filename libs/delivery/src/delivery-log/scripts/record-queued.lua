--[[
  Creates a `pending` record for each delivery that has none yet (never overwrites: the same
  deliveries may be queued twice, and a fast first attempt may already have created one).
  KEYS[1] index of all deliveries
  KEYS[2] index of pending deliveries
  KEYS[3 + 3i], KEYS[4 + 3i], KEYS[5 + 3i] per delivery i: its record, the owners index of its
    event's partition and of its entity's (the same key, but for ids made elsewhere)
  ARGV[1] now (ms)
  ARGV[2] ttl (ms)
  ARGV[3 + 5i] .. ARGV[7 + 5i] per delivery i: its id, its meta JSON, its member of the index of
    all deliveries, its owners index members under its event and its entity (created now)
]]
local allIndex, pendingIndex = KEYS[1], KEYS[2]
local now, ttl = ARGV[1], ARGV[2]
for i = 0, (#KEYS - 2) / 3 - 1 do
  local record, eventOwners, entityOwners = KEYS[3 + 3 * i], KEYS[4 + 3 * i], KEYS[5 + 3 * i]
  local id, meta, inAll, ofEvent, ofEntity = ARGV[3 + 5 * i], ARGV[4 + 5 * i], ARGV[5 + 5 * i], ARGV[6 + 5 * i], ARGV[7 + 5 * i]
  if redis.call('EXISTS', record) == 0 then
    redis.call('HSET', record, 'meta', meta, 'status', 'pending', 'series', 1, 'createdAt', now, 'updatedAt', now)
    redis.call('PEXPIRE', record, ttl)
    redis.call('ZADD', allIndex, now, inAll)
    redis.call('ZADD', pendingIndex, now, id)
    redis.call('ZADD', eventOwners, 0, ofEvent)
    redis.call('ZADD', entityOwners, 0, ofEntity)
  end
end

--[[
  One attempt on a delivery that may have a record already: creates the record if missing,
  opens a new series when it is `failed` (a dead letter retried), appends the attempt (keeping
  the last N), sets status and updatedAt, moves the id between status indexes (none for
  `delivered`: a filter on it reads the index of all deliveries) and refreshes
  the record's TTLs. The index entries carry the creation time, which never changes; the
  sweep trims them.

  A record created by the plain first write holds its only attempt in its `attempt` field; the
  second attempt moves it to the list. A resend of the same call (the connection dropped before
  the answer) finds its attempt already last and changes nothing.

  KEYS[1] record
  KEYS[2] attempts list
  KEYS[3] index of all deliveries
  KEYS[4] the owners index of the event's partition
  KEYS[5] the owners index of the entity's partition (the same key, but for ids made elsewhere)
  KEYS[6..9] status indexes: pending, retrying, failed, held
  ARGV[1] delivery id
  ARGV[2] meta JSON
  ARGV[3] now (ms)
  ARGV[4] ttl (ms)
  ARGV[5] the attempt's other JSON members (`"at":...,"status":...`), after series and attempt
  ARGV[6] status after it
  ARGV[7] attempts kept
  ARGV[8] the job's attempt number (BullMQ's running count)
  ARGV[9] its member of the index of all deliveries
  ARGV[10], ARGV[11] its owners index members under its event and its entity (created now)
]]
local record, attempts, allIndex, eventOwners, entityOwners = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local statusKeys = { pending = KEYS[6], retrying = KEYS[7], failed = KEYS[8], held = KEYS[9] }
local id, meta, now, ttl, members, status, kept = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], tonumber(ARGV[7])
local inAll, ofEvent, ofEntity = ARGV[9], ARGV[10], ARGV[11]
local current = redis.call('HMGET', record, 'status', 'series', 'createdAt', 'seriesOffset', 'attempt')
local previous, series, createdAt, only = current[1], tonumber(current[2]), current[3], current[5]
-- Attempts are numbered within their series: a job retried by "retry all" in Bull Board keeps
-- BullMQ's running count, one retried through the API starts again at 1; both read as attempt 1.
local attempt, offset = tonumber(ARGV[8]), tonumber(current[4] or '0')
local function entry() return '{"series":' .. series .. ',"attempt":' .. (attempt - offset) .. ',' .. members .. '}' end
-- After a write, the record's series and offset are those its attempt was written with.
if previous and (only or redis.call('LINDEX', attempts, -1)) == entry() then return end
if not previous then
  series, createdAt = 1, now
  redis.call('HSET', record, 'meta', meta, 'createdAt', now)
  redis.call('ZADD', allIndex, now, inAll)
  redis.call('ZADD', eventOwners, 0, ofEvent)
  redis.call('ZADD', entityOwners, 0, ofEntity)
elseif previous == 'failed' then
  series, offset = series + 1, attempt - 1
  redis.call('HSET', record, 'seriesOffset', offset)
end
if only then
  redis.call('HDEL', record, 'attempt')
  redis.call('RPUSH', attempts, only, entry())
else
  redis.call('RPUSH', attempts, entry())
end
redis.call('LTRIM', attempts, -kept, -1)
redis.call('HSET', record, 'status', status, 'series', series, 'updatedAt', now)
if previous ~= status and statusKeys[previous] then redis.call('ZREM', statusKeys[previous], id) end
-- Also when the status stays: a plain first write cut short before its status index leaves
-- the record without one, and its job records the attempt again through this script.
if statusKeys[status] then redis.call('ZADD', statusKeys[status], createdAt, id) end
redis.call('PEXPIRE', record, ttl)
redis.call('PEXPIRE', attempts, ttl)

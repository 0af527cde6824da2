/**
 * The delivery log's Lua scripts. The common write (a delivery's first attempt) needs none: it
 * is plain commands (`DeliveryLog.recordAttempts`). These serve the writes that must read first.
 */

/**
 * Creates a `pending` record for each delivery that has none yet (never overwrites: the same
 * deliveries may be queued twice, and a fast first attempt may already have created one).
 * KEYS: all index, pending index, then per delivery: record, event index, entity index.
 * ARGV: now, ttl ms, then per delivery: id, meta json.
 */
export const RECORD_QUEUED = `
local now, ttl = ARGV[1], ARGV[2]
for i = 0, (#KEYS - 2) / 3 - 1 do
  local record, byEvent, byEntity = KEYS[3 + 3 * i], KEYS[4 + 3 * i], KEYS[5 + 3 * i]
  local id = ARGV[3 + 2 * i]
  if redis.call('EXISTS', record) == 0 then
    redis.call('HSET', record, 'meta', ARGV[4 + 2 * i], 'status', 'pending', 'series', 1, 'createdAt', now, 'updatedAt', now)
    redis.call('PEXPIRE', record, ttl)
    redis.call('ZADD', KEYS[1], now, id)
    redis.call('ZADD', KEYS[2], now, id)
    redis.call('ZADD', byEvent, now, id)
    redis.call('PEXPIRE', byEvent, ttl)
    redis.call('ZADD', byEntity, now, id)
    redis.call('PEXPIRE', byEntity, ttl)
  end
end`;

/**
 * One attempt on a delivery that may have a record already: creates the record if missing,
 * opens a new series when it is `failed` (a dead letter retried), appends the attempt (keeping
 * the last N), sets status and updatedAt, moves the id between status indexes and refreshes
 * the record's TTLs. The index entries carry the creation time, which never changes, so the
 * event and entity indexes need no new TTL here.
 *
 * A record created by the plain first write holds its only attempt in its `attempt` field; the
 * second attempt moves it to the list. A resend of the same call (the connection dropped before
 * the answer) finds its attempt already last and changes nothing.
 *
 * KEYS: record, attempts, all index, event index, entity index,
 *       status indexes (pending, retrying, delivered, failed, held).
 * ARGV: id, meta json, now, ttl ms, attempt json (an object without series and attempt),
 *       status, attempts kept, the job's attempt number (BullMQ's running count).
 */
export const RECORD_ATTEMPT = `
local id, now, ttl, status = ARGV[1], ARGV[3], ARGV[4], ARGV[6]
local rest = string.sub(ARGV[5], 2)
local statusKeys = { pending = KEYS[6], retrying = KEYS[7], delivered = KEYS[8], failed = KEYS[9], held = KEYS[10] }
local current = redis.call('HMGET', KEYS[1], 'status', 'series', 'createdAt', 'seriesOffset', 'attempt')
local previous, series, createdAt, only = current[1], tonumber(current[2]), current[3], current[5]
-- Attempts are numbered within their series: a job retried by "retry all" in Bull Board keeps
-- BullMQ's running count, one retried through the API starts again at 1; both read as attempt 1.
local attempt, offset = tonumber(ARGV[8]), tonumber(current[4] or '0')
local function entry() return '{"series":' .. series .. ',"attempt":' .. (attempt - offset) .. ',' .. rest end
-- After a write, the record's series and offset are those its attempt was written with.
if previous and (only or redis.call('LINDEX', KEYS[2], -1)) == entry() then return end
if not previous then
  series, createdAt = 1, now
  redis.call('HSET', KEYS[1], 'meta', ARGV[2], 'createdAt', now)
  redis.call('ZADD', KEYS[3], now, id)
  redis.call('ZADD', KEYS[4], now, id)
  redis.call('PEXPIRE', KEYS[4], ttl)
  redis.call('ZADD', KEYS[5], now, id)
  redis.call('PEXPIRE', KEYS[5], ttl)
elseif previous == 'failed' then
  series, offset = series + 1, attempt - 1
  redis.call('HSET', KEYS[1], 'seriesOffset', offset)
end
if only then
  redis.call('HDEL', KEYS[1], 'attempt')
  redis.call('RPUSH', KEYS[2], only, entry())
else
  redis.call('RPUSH', KEYS[2], entry())
end
redis.call('LTRIM', KEYS[2], -tonumber(ARGV[7]), -1)
redis.call('HSET', KEYS[1], 'status', status, 'series', series, 'updatedAt', now)
if previous ~= status and statusKeys[previous] then redis.call('ZREM', statusKeys[previous], id) end
-- Also when the status stays: a plain first write cut short before its status index leaves
-- the record without one, and its job records the attempt again through this script.
redis.call('ZADD', statusKeys[status], createdAt, id)
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('PEXPIRE', KEYS[2], ttl)`;

/**
 * Moves deliveries from one status to another, each only if it is in `from` (a delivery that
 * has moved on meanwhile keeps its status), with its status index entry.
 * KEYS: from index, to index, then the records. ARGV: from, to, now, then the ids (as KEYS).
 */
export const MOVE_STATUS = `
local from, to, now = ARGV[1], ARGV[2], ARGV[3]
for i = 3, #KEYS do
  local id = ARGV[i + 1]
  local current = redis.call('HMGET', KEYS[i], 'status', 'createdAt')
  if current[1] == from then
    redis.call('HSET', KEYS[i], 'status', to, 'updatedAt', now)
    redis.call('ZREM', KEYS[1], id)
    redis.call('ZADD', KEYS[2], current[2], id)
  end
end`;

/**
 * A page of the intersection of several indexes, newest first, without entries past the
 * retention. The intersection is at most as large as the smallest index (a combined filter
 * always names an event or an entity, whose indexes are small); only the page is returned.
 * KEYS: the indexes. ARGV: cutoff, offset, count.
 */
export const INTERSECT_PAGE = `
local args = { 'ZINTER', #KEYS }
for _, key in ipairs(KEYS) do args[#args + 1] = key end
args[#args + 1] = 'AGGREGATE'
args[#args + 1] = 'MIN'
args[#args + 1] = 'WITHSCORES'
local found = redis.call(unpack(args))
local cutoff, offset, count = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local page, skipped = {}, 0
for i = #found - 1, 1, -2 do
  if #page >= count or tonumber(found[i + 1]) <= cutoff then break end
  if skipped < offset then skipped = skipped + 1 else page[#page + 1] = found[i] end
end
return page`;

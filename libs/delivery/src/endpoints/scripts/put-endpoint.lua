--[[
  Creates, replaces or deletes a registered endpoint's definition, if it is still what the
  caller read (a compare-and-set), and announces the change to every replica.
  KEYS[1] endpoints (hash: id -> definition JSON)
  KEYS[2] version (counter of changes)
  KEYS[3] changes (sorted set: id by the version of its last change)
  KEYS[4] disabled (hash: id -> {reason, at} JSON)
  KEYS[5] the endpoint's health (hash: failingSince, lastSuccess)
  ARGV[1] id
  ARGV[2] the definition the caller read ('' when it must not exist yet)
  ARGV[3] the new definition ('' to delete it)
  Returns the new version, or -1 when the definition is not what the caller read.
]]
local endpoints, version, changes, disabled, health = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local id, expected, definition = ARGV[1], ARGV[2], ARGV[3]
local current = redis.call('HGET', endpoints, id)
if (current or '') ~= expected then return -1 end
if definition == '' then
  redis.call('HDEL', endpoints, id)
  redis.call('HDEL', disabled, id)
  redis.call('DEL', health)
else
  redis.call('HSET', endpoints, id, definition)
end
local v = redis.call('INCR', version)
redis.call('ZADD', changes, v, id)
return v

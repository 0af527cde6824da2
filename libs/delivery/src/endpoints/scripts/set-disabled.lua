--[[
  Disables or enables an endpoint (static or registered), announces the change to every replica
  and queues its EndpointDisabled / EndpointEnabled event in the outbox, all in one step. With
  a disable-after (ARGV[6]) it is the health check of a failed attempt instead: it notes when
  the endpoint started failing and disables it only once it has failed with no success since
  for that long.
  KEYS[1] disabled (hash: id -> {reason, at} JSON)
  KEYS[2] version (counter of changes)
  KEYS[3] changes (sorted set: id by the version of its last change)
  KEYS[4] outbox (list of event stream entries still to append)
  KEYS[5] sequences (hash: id -> its last event's sequence)
  KEYS[6] the endpoint's health (hash: failingSince, lastSuccess)
  KEYS[7] endpoints (hash of registered definitions)
  ARGV[1] id
  ARGV[2] '1' to disable, '0' to enable
  ARGV[3] the disabled state JSON ({reason, at})
  ARGV[4] the event's stream entry JSON, starting {"sequence":0, (the sequence is set here)
  ARGV[5] '1' when the endpoint is registered (it must still exist)
  ARGV[6] disable after (ms), '' when not a health check
  ARGV[7] now (ms)
  Returns 1 when the state changed, 0 otherwise.
]]
local disabledKey, version, changes, outbox, sequences, health, endpoints =
  KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7]
local id, disable, state, entry, registered, after, now =
  ARGV[1], ARGV[2] == '1', ARGV[3], ARGV[4], ARGV[5] == '1', ARGV[6], tonumber(ARGV[7])

if registered and redis.call('HEXISTS', endpoints, id) == 0 then return 0 end
local isDisabled = redis.call('HEXISTS', disabledKey, id) == 1
if disable == isDisabled then return 0 end

if after ~= '' then
  local since = tonumber(redis.call('HGET', health, 'failingSince'))
  local success = tonumber(redis.call('HGET', health, 'lastSuccess'))
  if not since or (success and success >= since) then
    redis.call('HSET', health, 'failingSince', now)
    return 0
  end
  if now - since < tonumber(after) then return 0 end
end

if disable then redis.call('HSET', disabledKey, id, state) else redis.call('HDEL', disabledKey, id) end
-- A new streak starts from here either way: enabled, it gets the whole period again.
redis.call('DEL', health)
local v = redis.call('INCR', version)
redis.call('ZADD', changes, v, id)
local sequence = redis.call('HINCRBY', sequences, id, 1)
-- In parentheses: gsub also returns the number of replacements, which RPUSH would push too.
redis.call('RPUSH', outbox, (string.gsub(entry, '"sequence":0', '"sequence":' .. sequence, 1)))
return 1

--[[
  A state change, its index moves and its event, in one atomic step, only if nobody wrote in
  between.
  KEYS[1] the object
  KEYS[2] the event stream
  KEYS[3] the stateTimestamp index
  KEYS[4] the old state's index
  KEYS[5] the new state's index
  KEYS[6] when ARGV[9] is not empty: the key of a record the new state brings (a contract
          agreement), written with it
  KEYS[6 or 7..] the lanes the event joins
  ARGV[1] the version it expects
  ARGV[2] object JSON
  ARGV[3] new version
  ARGV[4] the event's job JSON
  ARGV[5] id
  ARGV[6] createdAt
  ARGV[7] stateTimestamp
  ARGV[8] the write's token
  ARGV[9] the record's value ('' for none)
  ARGV[10..] the lanes' delivery ids
  Returns 1 when done (or when this write's resend finds it done), 0 when another write came first.
]]
--- @include "@app/platform/redis/scripts/write-tokens.lua"
--- @include "@app/platform/event-stream/scripts/append-event.lua"
--- @include "@app/delivery/lanes/scripts/join-lanes.lua"
local object, stream, byStateTimestamp, oldState, newState = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local expected, json, version, entry, id, createdAt, stateTimestamp, op, record = unpack(ARGV, 1, 9)
local current = redis.call('HMGET', object, 'version', 'ops')
if current[1] ~= expected then
  if seen(current[2], op) then return 1 end
  return 0
end
redis.call('HSET', object, 'json', json, 'version', version, 'ops', remember(current[2], op, 4))
redis.call('ZREM', oldState, id)
redis.call('ZADD', newState, createdAt, id)
redis.call('ZADD', byStateTimestamp, stateTimestamp, id)
local firstLane = 6
if record ~= '' then
  redis.call('SET', KEYS[6], record)
  firstLane = 7
end
appendEvent(stream, entry)
joinLanes(firstLane, 10)
return 1

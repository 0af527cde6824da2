--[[
  A new object, its indexes and its first event, in one atomic step; refused when the id exists.
  KEYS[1] the object
  KEYS[2] the event stream
  KEYS[3] the createdAt index
  KEYS[4] the stateTimestamp index
  KEYS[5..] the equality indexes (state first), then the lanes the event joins
  ARGV[1] object JSON
  ARGV[2] version
  ARGV[3] createdAt
  ARGV[4] id
  ARGV[5] the event's job JSON
  ARGV[6] stateTimestamp
  ARGV[7] the write's token
  ARGV[8] how many lanes end KEYS
  ARGV[9..] the lanes' delivery ids
  Returns 1 when created (or when this write's resend finds it done), 0 when the id is taken.
]]
--- @include "@app/platform/redis/scripts/write-tokens.lua"
--- @include "@app/platform/event-stream/scripts/append-event.lua"
--- @include "@app/delivery/lanes/scripts/join-lanes.lua"
local object, stream, byCreatedAt, byStateTimestamp = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local json, version, createdAt, id, entry, stateTimestamp, op, lanes = unpack(ARGV, 1, 8)
if redis.call('EXISTS', object) == 1 then
  if seen(redis.call('HGET', object, 'ops'), op) then return 1 end
  return 0
end
local firstLane = #KEYS - tonumber(lanes) + 1
redis.call('HSET', object, 'json', json, 'version', version, 'ops', op)
redis.call('ZADD', byCreatedAt, createdAt, id)
redis.call('ZADD', byStateTimestamp, stateTimestamp, id)
for i = 5, firstLane - 1 do redis.call('ZADD', KEYS[i], createdAt, id) end
appendEvent(stream, entry)
joinLanes(firstLane, 9)
return 1

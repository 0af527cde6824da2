--[[
  A new object, its indexes and its first event, in one atomic step; refused when the id exists.
  KEYS[1] the object
  KEYS[2] the event stream
  KEYS[3] the createdAt index
  KEYS[4] the stateTimestamp index
  KEYS[5] its state's index
  KEYS[6] the partition's folded equality index (equality-members.ts)
  KEYS[7..] the lanes the event joins
  ARGV[1] object JSON
  ARGV[2] version
  ARGV[3] createdAt
  ARGV[4] id
  ARGV[5] the event's job JSON
  ARGV[6] stateTimestamp
  ARGV[7] the write's token
  ARGV[8] how many members of the folded index follow ARGV[9]
  ARGV[9..] those members (one per indexed field it has), then the lanes' delivery ids
  Returns 1 when created (or when this write's resend finds it done), 0 when the id is taken.
]]
--- @include "@app/platform/redis/scripts/write-tokens.lua"
--- @include "@app/platform/event-stream/scripts/append-event.lua"
--- @include "@app/delivery/lanes/scripts/join-lanes.lua"
local object, stream, byCreatedAt, byStateTimestamp, byState, byValue = unpack(KEYS, 1, 6)
local json, version, createdAt, id, entry, stateTimestamp, op, members = unpack(ARGV, 1, 8)
if redis.call('EXISTS', object) == 1 then
  if seen(redis.call('HGET', object, 'ops'), op) then return 1 end
  return 0
end
local firstMember, lastMember = 9, 8 + tonumber(members)
redis.call('HSET', object, 'json', json, 'version', version, 'ops', op)
redis.call('ZADD', byCreatedAt, createdAt, id)
redis.call('ZADD', byStateTimestamp, stateTimestamp, id)
redis.call('ZADD', byState, createdAt, id)
if lastMember >= firstMember then
  -- One ZADD for every field: scores all 0, the order is in the members.
  local scored = {}
  for i = firstMember, lastMember do
    scored[#scored + 1] = 0
    scored[#scored + 1] = ARGV[i]
  end
  redis.call('ZADD', byValue, unpack(scored))
end
appendEvent(stream, entry)
joinLanes(7, lastMember + 1)
return 1

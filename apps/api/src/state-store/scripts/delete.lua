--[[
  A negotiation gone for good: the object, its index entries and its ordered lanes (with their
  held marks), with no event, so nothing of it is left for a new object with the same id.
  KEYS[1] the object
  KEYS[2] the partition's folded equality index
  KEYS[3 ..] every other index it is in (as many as ARGV[3] says)
  KEYS[..] then its lanes (those that exist), up to the last key
  KEYS[#KEYS] the partition's index of held lanes
  ARGV[1] id
  ARGV[2] the version it expects
  ARGV[3] how many index keys follow the folded index
  ARGV[4..] its members of the folded index
  Returns 0 when it changed since it was read; else { 1, the ids that waited behind a lane's
  head in a held lane (logged `held`), the ids that waited in a lane that was not held }.
]]
local object, byValue, heldLanes = KEYS[1], KEYS[2], KEYS[#KEYS]
local id, expected, indexes = ARGV[1], ARGV[2], tonumber(ARGV[3])
if redis.call('HGET', object, 'version') ~= expected then return 0 end
redis.call('DEL', object)
if #ARGV >= 4 then redis.call('ZREM', byValue, unpack(ARGV, 4)) end
for i = 3, 2 + indexes do redis.call('ZREM', KEYS[i], id) end
local held, waiting = {}, {}
for i = 3 + indexes, #KEYS - 1 do
  local lane = KEYS[i]
  local behind = redis.call('LRANGE', lane, 1, -1)
  local into = redis.call('ZSCORE', heldLanes, lane) and held or waiting
  for _, deliveryId in ipairs(behind) do into[#into + 1] = deliveryId end
  redis.call('DEL', lane)
  redis.call('ZREM', heldLanes, lane)
end
return { 1, held, waiting }

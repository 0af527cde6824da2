--[[
  One step of moving an equality index of the previous release's layout (a sorted set per
  value, scored by creation time) into the partition's folded index: its first ids become
  members of the folded index and leave the old set, atomically, so each id is always in one
  of the two and a step run twice (by two replicas) moves nothing twice.
  KEYS[1] the old index of one value
  KEYS[2] the partition's folded equality index
  ARGV[1] that value's member prefix (equality-members.ts)
  ARGV[2] the width of a padded creation time
  ARGV[3] how many ids to move at most
  Returns { how many ids it moved, how many the old index still holds (0: it is gone) }.
]]
--- @include "index-refs.lua"
local old, byValue = KEYS[1], KEYS[2]
local prefix, width, most = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local flat = redis.call('ZRANGE', old, 0, most - 1, 'WITHSCORES')
if #flat == 0 then return { 0, 0 } end
local members, ids = {}, {}
for i = 1, #flat, 2 do
  members[#members + 1] = 0
  members[#members + 1] = prefix .. padded(flat[i + 1], width) .. '\0' .. flat[i]
  ids[#ids + 1] = flat[i]
end
redis.call('ZADD', byValue, unpack(members))
redis.call('ZREM', old, unpack(ids))
return { #ids, redis.call('ZCARD', old) }

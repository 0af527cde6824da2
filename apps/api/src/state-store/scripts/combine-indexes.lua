--[[
  The ids of one partition in all of several indexes (`intersect`, `count`) or in any (`union`):
  what ZINTER, ZINTERCARD and ZUNION gave when every index was a sorted set of its own, over
  indexes that may be the folded equality index's ranges (index-refs.lua).
  KEYS[1..] the indexes' keys
  ARGV[1] 'intersect', 'count' or 'union'
  ARGV[2] for `count`, the count to stop at (0: none)
  ARGV[3] the width of a padded creation time
  ARGV[4..] one prefix per key ('' for a sorted set of its own)
  Returns for `intersect` { id, createdAt, ... } in (createdAt, id) order, found by walking the
  smallest index and looking its ids up in the others (ZMSCORE, a chunk at a time); for
  `count` how many those are (up to the limit); for `union` every index's { id, createdAt, ... } one after the other, in no
  order and with an id as often as indexes hold it (the caller merges).
]]
--- @include "index-refs.lua"
local how, limit, width = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local function prefixOf(k) return ARGV[3 + k] end
-- Ids looked up at once: unpack's bound on arguments is far above it.
local CHUNK = 1000

if how == 'union' then
  local out = {}
  for k = 1, #KEYS do
    local ids, times = refEntries(KEYS[k], prefixOf(k), width)
    for i = 1, #ids do
      out[#out + 1] = ids[i]
      out[#out + 1] = times[i]
    end
  end
  return out
end

local smallest, smallestSize = 1, refSize(KEYS[1], prefixOf(1))
for k = 2, #KEYS do
  local size = refSize(KEYS[k], prefixOf(k))
  if size < smallestSize then smallest, smallestSize = k, size end
end
local out, count = {}, 0
if smallestSize == 0 then return how == 'count' and 0 or out end
local ids, times = refEntries(KEYS[smallest], prefixOf(smallest), width)
-- In chunks, each id looked up in every other index by one ZMSCORE per chunk and index.
for first = 1, #ids, CHUNK do
  local chunkIds, chunkTimes = {}, {}
  for i = first, math.min(first + CHUNK - 1, #ids) do
    chunkIds[#chunkIds + 1] = ids[i]
    chunkTimes[#chunkTimes + 1] = times[i]
  end
  for k = 1, #KEYS do
    if k ~= smallest and #chunkIds > 0 then
      local held = refHolds(KEYS[k], prefixOf(k), chunkIds, chunkTimes)
      local keptIds, keptTimes = {}, {}
      for i = 1, #chunkIds do
        if held[i] then
          keptIds[#keptIds + 1] = chunkIds[i]
          keptTimes[#keptTimes + 1] = chunkTimes[i]
        end
      end
      chunkIds, chunkTimes = keptIds, keptTimes
    end
  end
  for i = 1, #chunkIds do
    count = count + 1
    if how == 'count' then
      if count == limit then return count end
    else
      out[#out + 1] = chunkIds[i]
      out[#out + 1] = chunkTimes[i]
    end
  end
end
if how == 'count' then return count end
return out

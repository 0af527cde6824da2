--[[
  The ids of one partition in all of several indexes (`intersect`, `count`) or in any (`union`):
  what ZINTER, ZINTERCARD and ZUNION gave when every index was a sorted set of its own, over
  indexes that may be the folded equality index's ranges (index-refs.lua).
  KEYS[1..] the indexes' keys
  ARGV[1] 'intersect', 'count' or 'union'
  ARGV[2] for `intersect` and `count`, how many to stop at (0: none)
  ARGV[3] the width of a padded creation time
  ARGV[4] for `intersect`, '1' for descending order
  ARGV[5..] one prefix per key ('' for a sorted set of its own)
  Returns for `intersect` { id, createdAt, ... } in (createdAt, id) order (reversed when
  descending), found by walking the smallest index a chunk at a time and looking the chunk's
  ids up in the others (ZMSCORE), so the first ids of a large intersection read little; for
  `count` how many those are (up to the limit); for `union` every index's { id, createdAt, ... } one after the other, in no
  order and with an id as often as indexes hold it (the caller merges).
]]
--- @include "index-refs.lua"
local how, limit, width, descending = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4] == '1'
local function prefixOf(k) return ARGV[4 + k] end
-- Ids of the smallest index read and looked up at once: the first chunk 4 times the page (at
-- least 256, since only some ids are in every index), doubling up to 1,000 (unpack's bound on
-- arguments is far above it).
local MAX_CHUNK = 1000
local chunk = limit > 0 and math.min(math.max(4 * limit, 256), MAX_CHUNK) or MAX_CHUNK

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
local at, read
repeat
  local ids, times
  local asked = chunk
  ids, times, at = refChunk(KEYS[smallest], prefixOf(smallest), width, at, asked, descending)
  read = #ids
  chunk = math.min(chunk * 2, MAX_CHUNK)
  for k = 1, #KEYS do
    if k ~= smallest and #ids > 0 then
      local held = refHolds(KEYS[k], prefixOf(k), ids, times)
      local keptIds, keptTimes = {}, {}
      for i = 1, #ids do
        if held[i] then
          keptIds[#keptIds + 1] = ids[i]
          keptTimes[#keptTimes + 1] = times[i]
        end
      end
      ids, times = keptIds, keptTimes
    end
  end
  for i = 1, #ids do
    count = count + 1
    if how == 'intersect' then
      out[#out + 1] = ids[i]
      out[#out + 1] = times[i]
    end
    if count == limit then return how == 'count' and count or out end
  end
until read < asked
if how == 'count' then return count end
return out

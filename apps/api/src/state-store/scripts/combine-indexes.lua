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
  smallest index and looking each id up in the others; for `count` how many those are (up to
  the limit); for `union` every index's { id, createdAt, ... } one after the other, in no
  order and with an id as often as indexes hold it (the caller merges).
]]
--- @include "index-refs.lua"
local how, limit, width = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local function prefixOf(k) return ARGV[3 + k] end

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
for i = 1, #ids do
  local inAll = true
  for k = 1, #KEYS do
    if k ~= smallest and not refHas(KEYS[k], prefixOf(k), ids[i], times[i]) then
      inAll = false
      break
    end
  end
  if inAll then
    count = count + 1
    if how == 'count' then
      if count == limit then break end
    else
      out[#out + 1] = ids[i]
      out[#out + 1] = times[i]
    end
  end
end
if how == 'count' then return count end
return out

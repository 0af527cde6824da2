--[[
  Included by the scripts that read several indexes at once. An index is a key and a prefix:
  a sorted set scored by creation time (prefix ''), or the members of the folded equality index
  that start with the prefix (equality-members.ts), in creation order by their text.
  Creation times are handled as text of `width` digits, zero-padded, so they compare as text.
]]
-- How many ids the index holds.
local function refSize(key, prefix)
  if prefix == '' then return redis.call('ZCARD', key) end
  return redis.call('ZLEXCOUNT', key, '[' .. prefix, '(' .. prefix .. '\255')
end

-- `createdAt` (digits) padded to `width`.
local function padded(createdAt, width)
  return string.rep('0', width - #createdAt) .. createdAt
end

-- Every id of the index in creation order, as two lists: the ids and their padded creation times.
local function refEntries(key, prefix, width)
  local ids, times = {}, {}
  if prefix == '' then
    local flat = redis.call('ZRANGE', key, 0, -1, 'WITHSCORES')
    for i = 1, #flat, 2 do
      ids[#ids + 1] = flat[i]
      times[#times + 1] = padded(flat[i + 1], width)
    end
  else
    local from = #prefix + 1
    for _, member in ipairs(redis.call('ZRANGE', key, '[' .. prefix, '(' .. prefix .. '\255', 'BYLEX')) do
      times[#times + 1] = string.sub(member, from, from + width - 1)
      ids[#ids + 1] = string.sub(member, from + width + 1)
    end
  end
  return ids, times
end

-- Up to `count` ids of the index in creation order (reversed when `descending`), from `at`
-- (nil: the first; else what the previous chunk answered last): the ids, their padded
-- creation times, and where the next chunk starts.
local function refChunk(key, prefix, width, at, count, descending)
  local ids, times = {}, {}
  if prefix == '' then
    local from = at or 0
    local flat = descending and redis.call('ZRANGE', key, from, from + count - 1, 'REV', 'WITHSCORES')
      or redis.call('ZRANGE', key, from, from + count - 1, 'WITHSCORES')
    for i = 1, #flat, 2 do
      ids[#ids + 1] = flat[i]
      times[#times + 1] = padded(flat[i + 1], width)
    end
    return ids, times, from + #ids
  end
  -- By lex, each chunk after the member the last one ended with (exclusive).
  local members = descending
      and redis.call('ZRANGE', key, at or ('(' .. prefix .. '\255'), '[' .. prefix, 'BYLEX', 'REV', 'LIMIT', 0, count)
    or redis.call('ZRANGE', key, at or ('[' .. prefix), '(' .. prefix .. '\255', 'BYLEX', 'LIMIT', 0, count)
  local from = #prefix + 1
  for i, member in ipairs(members) do
    times[i] = string.sub(member, from, from + width - 1)
    ids[i] = string.sub(member, from + width + 1)
  end
  return ids, times, #members > 0 and ('(' .. members[#members]) or at
end

-- Which of `ids` (created at `times`, padded) the index holds, as a list of booleans: one
-- ZMSCORE for all of them either way.
local function refHolds(key, prefix, ids, times)
  local lookups = {}
  for i = 1, #ids do
    lookups[i] = prefix == '' and ids[i] or (prefix .. times[i] .. '\0' .. ids[i])
  end
  local scores = redis.call('ZMSCORE', key, unpack(lookups))
  local held = {}
  for i = 1, #ids do held[i] = scores[i] ~= false end
  return held
end

--[[
  A page of the intersection of several indexes, newest first, without entries past the
  retention. The intersection is at most as large as the smallest index (a combined filter
  always names an event or an entity, whose indexes are small); only the page is returned.
  KEYS[1..] the indexes
  ARGV[1] cutoff (ms): entries at or before it are past the retention
  ARGV[2] offset
  ARGV[3] count
]]
local cutoff, offset, count = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local args = { 'ZINTER', #KEYS }
for _, key in ipairs(KEYS) do args[#args + 1] = key end
args[#args + 1] = 'AGGREGATE'
args[#args + 1] = 'MIN'
args[#args + 1] = 'WITHSCORES'
local found = redis.call(unpack(args))
local page, skipped = {}, 0
for i = #found - 1, 1, -2 do
  if #page >= count or tonumber(found[i + 1]) <= cutoff then break end
  if skipped < offset then skipped = skipped + 1 else page[#page + 1] = found[i] end
end
return page

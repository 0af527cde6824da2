--[[
  How many ids each group of one partition's indexes holds: the query planner's estimate of a
  lookup's candidates, in one command per partition however many values an `in` lists.
  KEYS[1..] the sorted sets, group after group
  ARGV[1..] how many keys each group has, in order
  Returns the sum of ZCARD over each group's keys, one number per group.
]]
local sizes = {}
local key = 1
for g = 1, #ARGV do
  local sum = 0
  for _ = 1, tonumber(ARGV[g]) do
    sum = sum + redis.call('ZCARD', KEYS[key])
    key = key + 1
  end
  sizes[g] = sum
end
return sizes

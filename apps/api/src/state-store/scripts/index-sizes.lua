--[[
  How many ids each group of one partition's indexes holds: the query planner's estimate of a
  lookup's candidates, in one command per partition however many values an `in` lists.
  KEYS[1..] the indexes' keys, group after group
  ARGV[1] how many groups, g
  ARGV[2..1+g] how many keys each group has, in order
  ARGV[2+g..] one prefix per key ('' for a sorted set of its own; index-refs.lua)
  Returns the sum of the indexes' sizes over each group, one number per group.
]]
--- @include "index-refs.lua"
local groups = tonumber(ARGV[1])
local firstPrefix = 2 + groups
local sizes = {}
local key = 1
for g = 1, groups do
  local sum = 0
  for _ = 1, tonumber(ARGV[1 + g]) do
    sum = sum + refSize(KEYS[key], ARGV[firstPrefix + key - 1])
    key = key + 1
  end
  sizes[g] = sum
end
return sizes

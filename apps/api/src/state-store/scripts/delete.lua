--[[
  A negotiation gone for good: the object and its index entries, with no event.
  KEYS[1] the object
  KEYS[2..] every index it is in
  ARGV[1] id
  ARGV[2] the version it expects
  Returns 1 when deleted, 0 when it changed since it was read.
]]
local object = KEYS[1]
local id, expected = ARGV[1], ARGV[2]
if redis.call('HGET', object, 'version') ~= expected then return 0 end
redis.call('DEL', object)
for i = 2, #KEYS do redis.call('ZREM', KEYS[i], id) end
return 1

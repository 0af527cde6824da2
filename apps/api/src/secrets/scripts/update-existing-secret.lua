--[[
  Sets a secret's value only if the alias exists: an update never creates (the API answers 404).
  KEYS[1] the secrets hash
  ARGV[1] alias
  ARGV[2] value
  Returns 1 when updated, 0 when the alias does not exist.
]]
local secrets = KEYS[1]
local alias, value = ARGV[1], ARGV[2]
if redis.call('HEXISTS', secrets, alias) == 0 then return 0 end
redis.call('HSET', secrets, alias, value)
return 1

--[[
  Closes an open callback; its keys expire after the time a closed callback is kept.
  KEYS[1] the callback
  KEYS[2] its calls
  KEYS[3] its state key
  ARGV[1] now (ms)
  ARGV[2] how long a closed callback is kept (ms)
  Returns 0 when there is no such callback, 1 otherwise.
]]
local callback, calls, stateKey = KEYS[1], KEYS[2], KEYS[3]
local now, keptAfterClose = ARGV[1], ARGV[2]
if redis.call('EXISTS', callback) == 0 then return 0 end
if redis.call('HGET', callback, 'status') == 'open' then
  redis.call('HSET', callback, 'status', 'closed', 'closedAt', now)
  redis.call('PEXPIRE', callback, keptAfterClose)
  redis.call('PEXPIRE', calls, keptAfterClose)
  redis.call('PEXPIRE', stateKey, keptAfterClose)
end
return 1

--[[
  One call, atomically: refused (-1) unless the callback is open and not expired; closes it when
  the call uses it up; appends the call (dropping the oldest past the kept calls or bytes);
  appends its event to the event stream with the call's number as sequence, and the event's
  ordered deliveries to their lanes (see DeliveryLanes), in call order. Of two racing calls on a
  single-use URL exactly one gets through.
  The claim's token and number are remembered in the `ops` field ("token=n,..."): ioredis
  resends a script whose connection dropped before the reply, and the resend must answer the
  first run's number without counting the call twice.
  KEYS[1] the callback
  KEYS[2] its calls
  KEYS[3] the event stream
  KEYS[4] its state key
  KEYS[5..] the lanes the event joins
  ARGV[1] now (ms)
  ARGV[2] '1' when the call closes the callback
  ARGV[3] the call's JSON
  ARGV[4] the event's JSON members after `sequence` (`"envelope":...`), '' for no event
  ARGV[5] the claim's token
  ARGV[6] calls kept
  ARGV[7] bytes of calls kept
  ARGV[8] how long a closed callback is kept (ms)
  ARGV[9] claim tokens remembered
  ARGV[10..] the lanes' delivery ids, one per lane
  Returns the call's number, or -1 when the callback is not open.
]]
--- @include "@app/platform/redis/scripts/write-tokens.lua"
--- @include "@app/platform/event-stream/scripts/append-event.lua"
--- @include "@app/delivery/lanes/scripts/join-lanes.lua"
local callback, calls, stream, stateKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local now, close, call, eventMembers, token = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local keptCalls, keptBytes, keptAfterClose, rememberedClaims = tonumber(ARGV[6]), tonumber(ARGV[7]), ARGV[8], tonumber(ARGV[9])
local current = redis.call('HMGET', callback, 'status', 'expiresAt', 'ops')
local ops = current[3] or ''
local at = string.find(ops, token .. '=', 1, true)
if at then return tonumber(string.match(ops, '^%d+', at + #token + 1)) end
if current[1] ~= 'open' then return -1 end
local expiresAt = tonumber(current[2] or '0')
if expiresAt > 0 and expiresAt <= tonumber(now) then return -1 end
local n = redis.call('HINCRBY', callback, 'calls', 1)
redis.call('HSET', callback, 'ops', remember(ops, token .. '=' .. n, rememberedClaims))
redis.call('RPUSH', calls, call)
local bytes = redis.call('HINCRBY', callback, 'keptBytes', #call)
while redis.call('LLEN', calls) > 1 and (bytes > keptBytes or redis.call('LLEN', calls) > keptCalls) do
  bytes = redis.call('HINCRBY', callback, 'keptBytes', -#redis.call('LPOP', calls))
end
local ttl = redis.call('PTTL', callback)
if ttl > 0 then redis.call('PEXPIRE', calls, ttl) end
if eventMembers ~= '' then
  appendEvent(stream, '{"sequence":' .. n .. ',' .. eventMembers .. '}')
  joinLanes(5, 10)
end
if close == '1' then
  redis.call('HSET', callback, 'status', 'closed', 'closedAt', now)
  redis.call('PEXPIRE', callback, keptAfterClose)
  redis.call('PEXPIRE', calls, keptAfterClose)
  redis.call('PEXPIRE', stateKey, keptAfterClose)
end
return n

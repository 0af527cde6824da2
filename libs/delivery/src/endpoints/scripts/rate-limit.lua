--[[
  One delivery's turn under its endpoint's rate limit: GCRA (a token bucket kept as one
  timestamp), `rate` deliveries per second with a burst of one second's worth.
  KEYS[1] the endpoint's theoretical arrival time (ms)
  ARGV[1] rate (deliveries per second)
  ARGV[2] now (ms)
  Returns 0 when the delivery may go now, else the ms to wait before asking again.
]]
local key = KEYS[1]
local rate, now = tonumber(ARGV[1]), tonumber(ARGV[2])
local interval = 1000 / rate
-- A full bucket lets `rate` go at once: the arrival time may run one second ahead of now.
local burst = 1000 - interval
local tat = tonumber(redis.call('GET', key)) or now
if tat < now then tat = now end
local allowedAt = tat - burst
if allowedAt > now then return math.ceil(allowedAt - now) end
redis.call('SET', key, tostring(tat + interval), 'PX', 2000)
return 0

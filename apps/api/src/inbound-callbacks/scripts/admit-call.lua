--[[
  Counts a call against its URL's windows (one minute, one day; each starts with the first call
  after the last one ended), or answers how many ms until it may be tried again. Calls are
  counted before anything else is done for them, so a refused one costs no transactional call.
  KEYS[1] the callback
  ARGV[1] now (ms)
  ARGV[2] the call's body bytes
  ARGV[3] calls a minute
  ARGV[4] calls a day
  ARGV[5] bytes a day
  ARGV[6] a minute (ms)
  ARGV[7] a day (ms)
  Returns 0 when the call may go on, otherwise the ms until it may be tried again.
]]
local callback = KEYS[1]
local now, bytes, perMinute, perDay, bytesPerDay = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local minute, day = tonumber(ARGV[6]), tonumber(ARGV[7])
if redis.call('EXISTS', callback) == 0 then return 0 end
local w = redis.call('HMGET', callback, 'minuteStart', 'minuteCalls', 'dayStart', 'dayCalls', 'dayBytes')
local minuteStart, minuteCalls = tonumber(w[1]) or 0, tonumber(w[2]) or 0
local dayStart, dayCalls, dayBytes = tonumber(w[3]) or 0, tonumber(w[4]) or 0, tonumber(w[5]) or 0
if now - minuteStart >= minute then minuteStart, minuteCalls = now, 0 end
if now - dayStart >= day then dayStart, dayCalls, dayBytes = now, 0, 0 end
if dayCalls >= perDay or dayBytes + bytes > bytesPerDay then return dayStart + day - now end
if minuteCalls >= perMinute then return minuteStart + minute - now end
redis.call('HSET', callback, 'minuteStart', minuteStart, 'minuteCalls', minuteCalls + 1, 'dayStart', dayStart, 'dayCalls', dayCalls + 1, 'dayBytes', dayBytes + bytes)
return 0

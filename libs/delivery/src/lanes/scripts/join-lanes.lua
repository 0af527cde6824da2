--[[
  Included by the commit scripts. The event's ordered deliveries join their lanes (see
  DeliveryLanes) in the same step as the event, so each lane is in commit order.
  joinLanes(first, at): KEYS from `first` on are lanes; ARGV from `at` on are their delivery
  ids, one each.
]]
local function joinLanes(first, at)
  for i = first, #KEYS do redis.call('RPUSH', KEYS[i], ARGV[at + i - first]) end
end

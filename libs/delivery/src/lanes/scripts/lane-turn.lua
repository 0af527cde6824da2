--[[
  Where a delivery stands in its lane:
    'head' its turn; 'wait' behind another; 'held' behind a dead letter that holds the lane;
    'gone' no longer in it (it has ended).
  KEYS[1] lane (list of delivery ids, in commit order)
  KEYS[2] the partition's index of held lanes
  ARGV[1] delivery id
]]
local lane, heldLanes = KEYS[1], KEYS[2]
local deliveryId = ARGV[1]
local head = redis.call('LINDEX', lane, 0)
if head == deliveryId then return 'head' end
if not head or not redis.call('LPOS', lane, deliveryId) then return 'gone' end
if redis.call('ZSCORE', heldLanes, lane) then return 'held' end
return 'wait'

--[[
  Where a delivery stands in its lane:
    'head' its turn; 'wait' behind another; 'held' behind a dead letter that holds the lane;
    'gone' no longer in it (it has ended).
  KEYS[1] lane (list of delivery ids, in commit order)
  KEYS[2] the partition's index of held lanes
  ARGV[1] delivery id
  ARGV[2] '1' to rejoin: a delivery no longer in its lane (a dead letter retried after its lane
          moved on, a skipped one among them) joins its end and waits its turn there, so two of
          one lane are never sent at once; it is never 'gone' then
]]
local lane, heldLanes = KEYS[1], KEYS[2]
local deliveryId, rejoin = ARGV[1], ARGV[2] == '1'
local head = redis.call('LINDEX', lane, 0)
if head == deliveryId then return 'head' end
if not head or not redis.call('LPOS', lane, deliveryId) then
  if not rejoin then return 'gone' end
  redis.call('RPUSH', lane, deliveryId)
  if not head then return 'head' end
end
if redis.call('ZSCORE', heldLanes, lane) then return 'held' end
return 'wait'

--[[
  Included by every script that commits an event. appendEvent(stream, entry) appends it to the
  event stream in the one layout the readers (StreamConsumer) take: field 'event' (ENTRY_FIELD
  in event-stream.ts) holding the event's job JSON.
]]
local function appendEvent(stream, entry)
  redis.call('XADD', stream, '*', 'event', entry)
end

--[[
  Included by the scripts that write an object. Every write carries a token (its event's id, or
  a claim's token with its answer, "token=n") and remembers the last few in the object's `ops`
  field: ioredis resends a script whose connection dropped before the reply came, and the resend
  must answer what the first run did instead of "exists", "conflict" or a second count.
]]
-- Whether `op` is among the remembered tokens `ops`.
local function seen(ops, op)
  return ops and string.find(ops, op, 1, true) ~= nil
end

-- `ops` with `op` in front, keeping the last `keep`.
local function remember(ops, op, keep)
  local kept, n = op, 1
  for old in string.gmatch(ops or '', '[^,]+') do
    if n == keep then break end
    kept, n = kept .. ',' .. old, n + 1
  end
  return kept
end

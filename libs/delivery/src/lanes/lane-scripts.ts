/**
 * The lane scripts (see `DeliveryLanes`). Each touches one lane and its partition's index of
 * held lanes, under one hash tag. The commit scripts of the api join lanes (RPUSH); these
 * read and end turns.
 */

/**
 * Where a delivery stands in its lane: 'head' (its turn), 'wait' (behind another), 'held'
 * (behind a dead letter that holds the lane), 'gone' (no longer in it: it has ended).
 * KEYS: lane, held index. ARGV: delivery id.
 */
export const LANE_TURN = `
local head = redis.call('LINDEX', KEYS[1], 0)
if head == ARGV[1] then return 'head' end
if not head or not redis.call('LPOS', KEYS[1], ARGV[1]) then return 'gone' end
if redis.call('ZSCORE', KEYS[2], KEYS[1]) then return 'held' end
return 'wait'`;

/**
 * Ends the head's turn: pops it (only if it is the head, so a resend or a second end changes
 * nothing) and unholds the lane. Returns nil when it was not the head (or, with ARGV[2] = '1',
 * when the lane was not held); otherwise { 1 if it was held, then the ids left in the lane if it
 * was held (their log status goes back), else only the new head }.
 * KEYS: lane, held index. ARGV: delivery id, '1' to end it only if the lane is held (a skip).
 */
export const LANE_ADVANCE = `
if redis.call('LINDEX', KEYS[1], 0) ~= ARGV[1] then return nil end
local held = redis.call('ZSCORE', KEYS[2], KEYS[1]) and 1 or 0
if ARGV[2] == '1' and held == 0 then return nil end
redis.call('LPOP', KEYS[1])
redis.call('ZREM', KEYS[2], KEYS[1])
local rest = held == 1 and redis.call('LRANGE', KEYS[1], 0, -1) or redis.call('LRANGE', KEYS[1], 0, 0)
table.insert(rest, 1, held)
return rest`;

/**
 * Holds the lane behind its head, a dead letter: nothing after it is sent until it is retried
 * successfully or skipped. Returns the ids waiting behind it (their log status becomes held),
 * or nil when it is not the head (skipped meanwhile).
 * KEYS: lane, held index. ARGV: delivery id, now.
 */
export const LANE_HOLD = `
if redis.call('LINDEX', KEYS[1], 0) ~= ARGV[1] then return nil end
redis.call('ZADD', KEYS[2], 'NX', ARGV[2], KEYS[1])
return redis.call('LRANGE', KEYS[1], 1, -1)`;

/**
 * The delivery log's Lua scripts, one `.lua` file each in `scripts/`. The common write (a
 * delivery's first attempt) needs none: it is plain commands (`DeliveryLog.recordAttempts`).
 * These serve the writes that must read first.
 */
export { default as RECORD_QUEUED } from './scripts/record-queued.lua';
export { default as RECORD_ATTEMPT } from './scripts/record-attempt.lua';
export { default as MOVE_STATUS } from './scripts/move-status.lua';

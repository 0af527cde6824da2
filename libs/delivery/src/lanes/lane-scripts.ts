/**
 * The lane scripts (see `DeliveryLanes`), one `.lua` file each in `scripts/`. Each touches one
 * lane and its partition's index of held lanes, under one hash tag. The commit scripts of the
 * api join lanes (RPUSH); these read and end turns.
 */
export { default as LANE_TURN } from './scripts/lane-turn.lua';
export { default as LANE_ADVANCE } from './scripts/lane-advance.lua';
export { default as LANE_HOLD } from './scripts/lane-hold.lua';
export { default as LANE_REJOIN } from './scripts/lane-rejoin.lua';

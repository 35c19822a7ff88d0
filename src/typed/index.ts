/**
 * The typed pipeline API: compile-time checked stages over the same engine as launch strings.
 * `pipeline(source)` → operators → a terminal; `merge`, `zip`, `join`, `temporalJoin` combine
 * stages; `through`, `toGraph` and `fromGraph` cross into the dynamic graph. See stage.ts for
 * the model and cursor.ts for the pull protocol under it.
 */
export { Stage, type ItemOf, type RunOptions } from "./stage.ts";
export { pipeline, fromIterable, fromAsyncIterable, range, once, repeatWith, fromGraph } from "./sources.ts";
export { merge } from "./merge.ts";
export { zip, type ItemsOf } from "./zip.ts";
export { join, JoinOverflowError, DEFAULT_JOIN_CAPACITY, type JoinOptions } from "./join.ts";
export {
  temporalJoin,
  TemporalJoinError,
  DEFAULT_TEMPORAL_CAPACITY,
  type TemporalJoinOptions,
  type BufferTemporalJoinOptions,
  type TimedTemporalJoinOptions,
} from "./temporal-join.ts";
export { StageSrc, STAGE_SRC_FACTORY, STAGE_IN_NAME, STAGE_OUT_NAME, type GraphOptions } from "./graph-bridge.ts";
export { DONE, PENDING, type Cursor, type Pull } from "./cursor.ts";
export { SLICE_MS } from "./drive.ts";

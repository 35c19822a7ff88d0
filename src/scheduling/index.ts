/**
 * src/scheduling: where a pipeline's elements run. Async (everything on the event loop, the
 * default), Hybrid (RT-safe elements in Worker partitions driven in fixed cycles, the rest on
 * the event loop, bridges between them) and RealTime (every element in partitions).
 *
 *   config.ts      modes, RtConfig, defaults
 *   partition.ts   which elements go where; partitions and bridges
 *   ring.ts        the SPSC ring in a SharedArrayBuffer (layout, waking without spinning)
 *   futex.ts       how a Worker sleeps and is woken (futex through the sched shim)
 *   bridge.ts      buffer descriptors and events over a ring; memfd slots by reference
 *   activation.ts  PipeWire-style activation records (pending counters, per-node times)
 *   control.ts     a Worker's control block (state, wake word, triggers, base time)
 *   commands.ts    the control channel: property changes into a Worker, between cycles
 *   shadow.ts      event-loop copies of partitioned elements forward property changes
 *   driver.ts      timer, manual and freewheel drivers; the Worker's view of the clock
 *   runner.ts      a partition inside a Worker: nodes, ports, cycles, xruns
 *   worker.ts      the data Worker's entry point and loop
 *   endpoints.ts   the event loop's ends of the bridges
 *   host.ts        the executor the pipeline drives (prepare, activate, pause, suspend)
 */
export {
  AUTO_RT_PRIORITY,
  DEFAULT_BRIDGE_CAPACITY,
  DEFAULT_QUANTUM,
  DEFAULT_RATE,
  DEFAULT_RT_CONFIG,
  DEFAULT_RT_PRIORITY,
  DEFAULT_WORKERS,
  parseSchedulingMode,
  periodNs,
  resolveScheduling,
  SCHEDULING_MODES,
  SchedulingConfigError,
  type DriverKind,
  type RtConfig,
  type SchedulingMode,
  type SchedulingOption,
  type SchedulingOptions,
} from "./config.ts";
export { HybridExecutor, SchedulingError, schedulingOf, type SchedulingStats, type PartitionStats, type BridgeRecordStats } from "./host.ts";
export { planPartitions, placementReason, type Plan, type PlannedPartition, type PlannedBridge } from "./partition.ts";
export { BridgeReader, BridgeWriter, WriteResult, bridgeStats, type BridgeStats } from "./bridge.ts";
export { Ring, ringBytes, wake, type WakeTarget } from "./ring.ts";
export { Activation } from "./activation.ts";
export { Control, WorkerState } from "./control.ts";
export { TimerDriver, ManualDriver, FreewheelDriver, WorkerClock, type Driver } from "./driver.ts";

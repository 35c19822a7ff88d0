/**
 * Activation records: PipeWire's way of running a graph of nodes in dependency order, one
 * cycle at a time, over a SharedArrayBuffer.
 *
 * Every node of a partition (an element, or a bridge endpoint) has a record. `required` is the
 * number of nodes that feed it inside the partition. At the start of a cycle the driver resets
 * every `pending` to `required` and triggers the nodes that need nothing (sources and bridge
 * inputs). When a node finishes, it decrements (Atomics.sub) the `pending` of each node it
 * feeds; the one that reaches zero is triggered next. Each record also keeps the times of the
 * last run (signal, awake, finish), the longest run, how many cycles it ran in, and its xruns
 * (runs longer than the quantum). The partition's header counts cycles, xruns and missed timer
 * ticks. The records live in shared memory so the event loop reads a running partition's
 * state (stats, tests) without a message, and so that a partition can later be split across
 * threads, as PipeWire does, with no change of layout.
 *
 * Layout (bytes; pinned by test/scheduling-layout.test.ts):
 *   0    header i32 words (ACTIVATION_HEADER), f64 cycle times at 64..87
 *   128  node[count], ACTIVATION_NODE_BYTES each: i32 words (ACTIVATION_NODE) then f64 times
 *
 * Threads: the partition's Worker writes; any thread reads.
 */

export const ACTIVATION_HEADER = {
  NODE_COUNT: 0,
  /** Cycles completed. */
  CYCLES: 4,
  /** Xruns in all nodes. */
  XRUNS: 8,
  /** PartitionStatus. */
  STATUS: 12,
  /** Timer ticks skipped after an overrun (the driver realigned to its grid). */
  MISSED: 16,
  /** Cycles in which something moved. */
  BUSY_CYCLES: 20,
  /** Threads waiting for the cycle count to change (waitCycles): the Worker notifies only then. */
  CYCLE_WAITERS: 24,
  /** f64: duration of the last cycle, ns. */
  LAST_CYCLE_NS: 64,
  /** f64: longest cycle, ns. */
  MAX_CYCLE_NS: 72,
  /** f64: start of the last cycle (Worker clock, ns). */
  CYCLE_START_NS: 80,
  BYTES: 128,
} as const;

export const ACTIVATION_NODE = {
  /** NodeStatus. */
  STATUS: 0,
  PENDING: 4,
  REQUIRED: 8,
  XRUNS: 12,
  /** Cycles this node ran in. */
  RUNS: 16,
  /** f64 times (Worker clock, ns) of the last cycle. */
  SIGNAL_NS: 32,
  AWAKE_NS: 40,
  FINISH_NS: 48,
  /** f64: longest run, ns. */
  MAX_NS: 56,
  BYTES: 64,
} as const;

export const NodeStatus = { NOT_TRIGGERED: 0, TRIGGERED: 1, AWAKE: 2, FINISHED: 3 } as const;
export const PartitionStatus = { IDLE: 0, RUNNING: 1, PAUSED: 2, HALTED: 3, STOPPED: 4 } as const;

export function activationBytes(nodes: number): number {
  return ACTIVATION_HEADER.BYTES + nodes * ACTIVATION_NODE.BYTES;
}

const H_NODE_COUNT = ACTIVATION_HEADER.NODE_COUNT >> 2;
const H_CYCLES = ACTIVATION_HEADER.CYCLES >> 2;
const H_XRUNS = ACTIVATION_HEADER.XRUNS >> 2;
const H_STATUS = ACTIVATION_HEADER.STATUS >> 2;
const H_MISSED = ACTIVATION_HEADER.MISSED >> 2;
const H_BUSY = ACTIVATION_HEADER.BUSY_CYCLES >> 2;
const H_CYCLE_WAITERS = ACTIVATION_HEADER.CYCLE_WAITERS >> 2;
const H_LAST = ACTIVATION_HEADER.LAST_CYCLE_NS >> 3;
const H_MAX = ACTIVATION_HEADER.MAX_CYCLE_NS >> 3;
const H_START = ACTIVATION_HEADER.CYCLE_START_NS >> 3;
const NODE_WORDS = ACTIVATION_NODE.BYTES >> 2;
const NODE_F64 = ACTIVATION_NODE.BYTES >> 3;
const BASE_WORD = ACTIVATION_HEADER.BYTES >> 2;
const BASE_F64 = ACTIVATION_HEADER.BYTES >> 3;
const N_STATUS = ACTIVATION_NODE.STATUS >> 2;
const N_PENDING = ACTIVATION_NODE.PENDING >> 2;
const N_REQUIRED = ACTIVATION_NODE.REQUIRED >> 2;
const N_XRUNS = ACTIVATION_NODE.XRUNS >> 2;
const N_RUNS = ACTIVATION_NODE.RUNS >> 2;
const N_SIGNAL = ACTIVATION_NODE.SIGNAL_NS >> 3;
const N_AWAKE = ACTIVATION_NODE.AWAKE_NS >> 3;
const N_FINISH = ACTIVATION_NODE.FINISH_NS >> 3;
const N_MAX = ACTIVATION_NODE.MAX_NS >> 3;

export type NodeStats = { status: number; pending: number; required: number; xruns: number; runs: number; maxNs: number; lastNs: number };
export type ActivationStats = {
  cycles: number;
  busyCycles: number;
  xruns: number;
  missed: number;
  status: number;
  lastCycleNs: number;
  maxCycleNs: number;
  nodes: NodeStats[];
};

export class Activation {
  readonly sab: SharedArrayBuffer;
  readonly i32: Int32Array;
  readonly f64: Float64Array;
  readonly count: number;

  /** Views records made by `Activation.create` (any thread). */
  constructor(sab: SharedArrayBuffer) {
    this.sab = sab;
    this.i32 = new Int32Array(sab);
    this.f64 = new Float64Array(sab);
    this.count = this.i32[H_NODE_COUNT]!;
    if (sab.byteLength < activationBytes(this.count)) throw new Error("activation records are too small for their node count");
  }

  static create(nodes: number): Activation {
    const sab = new SharedArrayBuffer(activationBytes(nodes));
    Atomics.store(new Int32Array(sab), H_NODE_COUNT, nodes);
    return new Activation(sab);
  }

  #w(node: number): number {
    return BASE_WORD + node * NODE_WORDS;
  }
  #d(node: number): number {
    return BASE_F64 + node * NODE_F64;
  }

  setRequired(node: number, n: number): void {
    Atomics.store(this.i32, this.#w(node) + N_REQUIRED, n);
  }

  required(node: number): number {
    return Atomics.load(this.i32, this.#w(node) + N_REQUIRED);
  }

  pending(node: number): number {
    return Atomics.load(this.i32, this.#w(node) + N_PENDING);
  }

  status(node: number): number {
    return Atomics.load(this.i32, this.#w(node) + N_STATUS);
  }

  /**
   * Data Worker (the driver): a new cycle — every pending count back to required, nothing triggered. Status
   * words and times are informational (read by other threads for stats) and written plainly;
   * the pending counters and the xrun counters are Atomics.
   */
  begin(now: number): void {
    const i32 = this.i32;
    for (let n = 0; n < this.count; n++) {
      const w = BASE_WORD + n * NODE_WORDS;
      Atomics.store(i32, w + N_PENDING, i32[w + N_REQUIRED]!);
      i32[w + N_STATUS] = NodeStatus.NOT_TRIGGERED;
    }
    this.f64[H_START] = now;
  }

  /** A node's inputs are all ready: it may run. Data Worker. */
  trigger(node: number, now: number): void {
    this.i32[BASE_WORD + node * NODE_WORDS + N_STATUS] = NodeStatus.TRIGGERED;
    this.f64[BASE_F64 + node * NODE_F64 + N_SIGNAL] = now;
  }

  /** The node starts running. Data Worker. */
  awake(node: number, now: number): void {
    this.i32[BASE_WORD + node * NODE_WORDS + N_STATUS] = NodeStatus.AWAKE;
    this.f64[BASE_F64 + node * NODE_F64 + N_AWAKE] = now;
  }

  /** The node ran for `durationNs`; returns true when that is an xrun (> budgetNs), counted.
   * Data Worker. */
  finish(node: number, now: number, durationNs: number, budgetNs: number): boolean {
    const w = BASE_WORD + node * NODE_WORDS;
    const d = BASE_F64 + node * NODE_F64;
    const i32 = this.i32;
    const f64 = this.f64;
    i32[w + N_STATUS] = NodeStatus.FINISHED;
    i32[w + N_RUNS]!++;
    f64[d + N_FINISH] = now;
    if (durationNs > f64[d + N_MAX]!) f64[d + N_MAX] = durationNs;
    if (durationNs > budgetNs) {
      Atomics.add(i32, w + N_XRUNS, 1);
      Atomics.add(i32, H_XRUNS, 1);
      return true;
    }
    return false;
  }

  /** One of the node's inputs finished: true when it was the last one (trigger it now).
   * Data Worker (any thread, once a partition spans threads). */
  decrement(node: number): boolean {
    return Atomics.sub(this.i32, BASE_WORD + node * NODE_WORDS + N_PENDING, 1) === 1;
  }

  /** Data Worker (the driver): the cycle is over; wakes waitCycles() callers. */
  end(durationNs: number, busy: boolean): void {
    this.f64[H_LAST] = durationNs;
    if (durationNs > this.f64[H_MAX]!) this.f64[H_MAX] = durationNs;
    if (busy) this.i32[H_BUSY]!++;
    Atomics.add(this.i32, H_CYCLES, 1);
    if (this.i32[H_CYCLE_WAITERS] !== 0) Atomics.notify(this.i32, H_CYCLES);
  }

  addMissed(n: number): void {
    Atomics.add(this.i32, H_MISSED, n);
  }

  setStatus(s: number): void {
    Atomics.store(this.i32, H_STATUS, s);
  }

  get cycles(): number {
    return Atomics.load(this.i32, H_CYCLES);
  }

  get xruns(): number {
    return Atomics.load(this.i32, H_XRUNS);
  }

  nodeXruns(node: number): number {
    return Atomics.load(this.i32, this.#w(node) + N_XRUNS);
  }

  /**
   * Resolves when at least `count` cycles have completed, false on timeout. Event loop
   * (Atomics.waitAsync on the cycle counter; the Worker notifies it at each cycle's end).
   */
  async waitCycles(count: number, timeoutMs: number): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const c = Atomics.load(this.i32, H_CYCLES);
      if (c >= count) return true;
      const left = deadline - performance.now();
      if (left <= 0) return false;
      Atomics.add(this.i32, H_CYCLE_WAITERS, 1);
      try {
        if (Atomics.load(this.i32, H_CYCLES) !== c) continue;
        const r = Atomics.waitAsync(this.i32, H_CYCLES, c, left);
        if (r.async) await r.value;
      } finally {
        Atomics.sub(this.i32, H_CYCLE_WAITERS, 1);
      }
    }
  }

  /** A snapshot of the records. Any thread (values may be mid-cycle). */
  stats(): ActivationStats {
    const nodes: NodeStats[] = [];
    for (let n = 0; n < this.count; n++) {
      const w = this.#w(n);
      const d = this.#d(n);
      nodes.push({
        status: Atomics.load(this.i32, w + N_STATUS),
        pending: Atomics.load(this.i32, w + N_PENDING),
        required: Atomics.load(this.i32, w + N_REQUIRED),
        xruns: Atomics.load(this.i32, w + N_XRUNS),
        runs: Atomics.load(this.i32, w + N_RUNS),
        maxNs: this.f64[d + N_MAX]!,
        lastNs: this.f64[d + N_FINISH]! - this.f64[d + N_AWAKE]!,
      });
    }
    return {
      cycles: Atomics.load(this.i32, H_CYCLES),
      busyCycles: Atomics.load(this.i32, H_BUSY),
      xruns: Atomics.load(this.i32, H_XRUNS),
      missed: Atomics.load(this.i32, H_MISSED),
      status: Atomics.load(this.i32, H_STATUS),
      lastCycleNs: this.f64[H_LAST]!,
      maxCycleNs: this.f64[H_MAX]!,
      nodes,
    };
  }
}

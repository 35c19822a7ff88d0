/**
 * The control block of one data Worker: a small SharedArrayBuffer through which the event loop
 * steers the Worker while the Worker's thread is busy running cycles or blocked in
 * Atomics.wait (a message posted to it would wait for its event loop to turn).
 *
 * Layout (bytes; pinned by test/scheduling-layout.test.ts):
 *   0  STATE i32      WorkerState, written by the event loop
 *   4  WAKE i32       the one word the Worker sleeps on (Atomics.wait); bumped by whoever
 *                     wants it to look again: bridges, state changes, manual triggers
 *   8  SLEEPING i32   1 while the Worker is about to sleep or sleeps (see ring.ts, waking)
 *   12 TRIGGER i32    manual-driver cycles requested so far (the event loop adds)
 *   16 EOS_REQUEST i32 sendEos() calls so far (the Worker's sources then end their streams)
 *   20 PRIORITY i32   1 = SCHED_FIFO granted, 0 = not asked, -errno = refused (the Worker writes)
 *   24 ALIVE i32      1 while the Worker's loop runs (the Worker writes)
 *   28 WAIT_MODE i32  how the Worker sleeps on WAKE: WaitMode.FUTEX or ATOMICS (the Worker
 *                     writes it before it first sleeps; wakers read it to wake it the same way)
 *   32 BASE_TIME f64  the pipeline's base time (clock ns), written at each activation
 */
import { futexAvailable, futexWait, type WaitResult } from "./futex.ts";
import { WaitMode, type WakeTarget, wakeAlways } from "./ring.ts";

export const CONTROL = {
  STATE: 0,
  WAKE: 4,
  SLEEPING: 8,
  TRIGGER: 12,
  EOS_REQUEST: 16,
  PRIORITY: 20,
  ALIVE: 24,
  WAIT_MODE: 28,
  BASE_TIME: 32,
  BYTES: 64,
} as const;

/**
 * How long a Worker that ran out of work polls its inputs before it sleeps, ns. Short on
 * purpose: long enough to catch the next buffer of a stream the event loop is writing (a
 * write every microsecond or so) without a futex round trip per buffer — which, with wake-ups
 * this fast, cost 5× the bridge's throughput — and far too short to matter for CPU use when
 * idle (100 wake-ups per second cost 0.05 % of a core) or to be preempted while spinning on a
 * loaded machine (longer spins, 50–200 µs, made the tail worse there; bench/scheduling.bench.ts
 * keeps a case for that).
 */
export const SPIN_BEFORE_SLEEP_NS = 5_000;

export const WorkerState = { IDLE: 0, RUNNING: 1, PAUSED: 2, STOP: 3 } as const;
export type WorkerState = (typeof WorkerState)[keyof typeof WorkerState];

export const C_STATE = CONTROL.STATE >> 2;
export const C_WAKE = CONTROL.WAKE >> 2;
export const C_SLEEPING = CONTROL.SLEEPING >> 2;
export const C_TRIGGER = CONTROL.TRIGGER >> 2;
export const C_EOS_REQUEST = CONTROL.EOS_REQUEST >> 2;
export const C_PRIORITY = CONTROL.PRIORITY >> 2;
export const C_ALIVE = CONTROL.ALIVE >> 2;
export const C_WAIT_MODE = CONTROL.WAIT_MODE >> 2;
export const C_BASE_TIME = CONTROL.BASE_TIME >> 3;

export class Control {
  readonly sab: SharedArrayBuffer;
  readonly i32: Int32Array;
  readonly f64: Float64Array;
  /** Where bridges wake this Worker. */
  readonly target: WakeTarget;

  constructor(sab: SharedArrayBuffer = new SharedArrayBuffer(CONTROL.BYTES)) {
    this.sab = sab;
    this.i32 = new Int32Array(sab);
    this.f64 = new Float64Array(sab);
    this.target = { i32: this.i32, seqWord: C_WAKE, sleepWord: C_SLEEPING, modeWord: C_WAIT_MODE };
  }

  /**
   * Worker, once before it first sleeps: chooses how it will sleep on WAKE (a futex when the
   * shim loads, else Atomics.wait) and publishes the choice for the wakers. Returns it.
   */
  chooseWaitMode(): WaitMode {
    const mode = futexAvailable() ? WaitMode.FUTEX : WaitMode.ATOMICS;
    Atomics.store(this.i32, C_WAIT_MODE, mode);
    return mode;
  }

  get waitMode(): WaitMode {
    return Atomics.load(this.i32, C_WAIT_MODE) as WaitMode;
  }

  /**
   * Worker: sleeps while WAKE still equals `seen` (read before the last check for work), at
   * most `timeoutMs`. Whoever bumps WAKE ends it (ring.ts: wake, wakeAlways).
   */
  sleep(seen: number, timeoutMs: number): WaitResult {
    if (Atomics.load(this.i32, C_WAIT_MODE) === WaitMode.FUTEX) return futexWait(this.i32, C_WAKE, seen, timeoutMs);
    return Atomics.wait(this.i32, C_WAKE, seen, timeoutMs);
  }

  get state(): WorkerState {
    return Atomics.load(this.i32, C_STATE) as WorkerState;
  }

  /** Event loop: sets the state and wakes the Worker. */
  setState(s: WorkerState): void {
    Atomics.store(this.i32, C_STATE, s);
    wakeAlways(this.target);
  }

  get baseTime(): number {
    return this.f64[C_BASE_TIME]!;
  }

  set baseTime(t: number) {
    this.f64[C_BASE_TIME] = t;
  }

  /** Event loop: asks manual-driven partitions for `n` more cycles. */
  trigger(n = 1): void {
    Atomics.add(this.i32, C_TRIGGER, n);
    wakeAlways(this.target);
  }

  /** Event loop: asks the Worker's sources to end their streams. */
  requestEos(): void {
    Atomics.add(this.i32, C_EOS_REQUEST, 1);
    wakeAlways(this.target);
  }

  get priority(): number {
    return Atomics.load(this.i32, C_PRIORITY);
  }

  get alive(): boolean {
    return Atomics.load(this.i32, C_ALIVE) === 1;
  }
}

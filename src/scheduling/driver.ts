/**
 * Drivers: what starts each processing cycle of a partition (PipeWire's driver node), and the
 * clock the partition's elements see.
 *
 * - TimerDriver: a cycle every period (one quantum: `quantum / rate` seconds, or one frame at
 *   `framerate`), on an absolute grid anchored at the pipeline's base time (running time 0, 1,
 *   2 … periods), so that it never drifts and a live source's frame times fall on ticks. A cycle that ends after the next
 *   tick was due missed ticks: they are counted and skipped (the driver realigns to the grid)
 *   rather than run back to back — the partition recovers instead of falling further behind.
 * - ManualDriver: a cycle each time the event loop calls `trigger()` (tests; deterministic).
 * - FreewheelDriver: for partitions without a live source. The next cycle starts as soon as
 *   the last one moved something; when one moves nothing the Worker sleeps until it is woken
 *   (data or space on a bridge, a clock callback, a state change).
 *
 * WorkerClock: the pipeline's system clock as seen from a Worker. Its time base is the event
 * loop's (performance.now of the main thread, via the difference of the two time origins), so
 * running time (clock − base time) means the same on both sides. `schedule()` callbacks are run
 * by the Worker's loop (which sleeps no longer than the earliest one), not by timers, because
 * the Worker's event loop does not turn while it runs cycles.
 *
 * Thread: all of this runs in a data Worker.
 */
import type { Clock } from "../clock.ts";
import { C_TRIGGER } from "./control.ts";

export interface Driver {
  readonly kind: "timer" | "manual" | "freewheel";
  /** The cycle's time budget (the quantum), ns: a node that runs longer is an xrun. */
  readonly budgetNs: number;
  /** (Re)starts the timebase (first activation, resume after pause); `origin` anchors a grid. */
  start(now: number, origin?: number): void;
  /** Whether a cycle should run now. */
  due(now: number): boolean;
  /** A cycle ran from `start` to `now`; `progressed` when it moved buffers or events. */
  done(now: number, progressed: boolean): void;
  /** Clock time at which the driver next wants a cycle; Infinity when only a wake-up can. */
  nextDeadline(): number;
  /** Something changed (woken, a clock callback ran): a freewheeling driver tries again. */
  poke(): void;
  /**
   * A clock callback ran (a live source's frame time came, a syncing sink's buffer is due):
   * what it unblocked should run now, not at the next tick.
   */
  clockCallback(): void;
}

export class TimerDriver implements Driver {
  readonly kind = "timer" as const;
  readonly budgetNs: number;
  #next = 0;
  #extra = false;
  /** Ticks skipped after overruns, in total. */
  missed = 0;
  /** Called with the number of ticks skipped. */
  onMissed: (n: number) => void = () => {};

  constructor(readonly periodNs: number) {
    if (!(periodNs > 0)) throw new RangeError(`timer period must be > 0 ns, got ${periodNs}`);
    this.budgetNs = periodNs;
  }

  start(now: number, origin?: number): void {
    this.#next = origin === undefined || origin > now ? now : origin + Math.ceil((now - origin) / this.periodNs) * this.periodNs;
  }

  due(now: number): boolean {
    return this.#extra || now >= this.#next;
  }

  done(now: number, _progressed: boolean): void {
    const tick = now >= this.#next || !this.#extra;
    this.#extra = false;
    // An extra cycle between ticks (after a clock callback) leaves the grid as it is.
    if (!tick) return;
    this.#next += this.periodNs;
    if (now >= this.#next) {
      const n = Math.floor((now - this.#next) / this.periodNs) + 1;
      this.#next += n * this.periodNs;
      this.missed += n;
      this.onMissed(n);
    }
  }

  nextDeadline(): number {
    return this.#next;
  }

  poke(): void {}

  clockCallback(): void {
    this.#extra = true;
  }
}

export class ManualDriver implements Driver {
  readonly kind = "manual" as const;
  #done = 0;

  constructor(
    readonly budgetNs: number,
    readonly ctl: Int32Array,
  ) {}

  start(_now: number): void {}

  due(_now: number): boolean {
    return ((Atomics.load(this.ctl, C_TRIGGER) - this.#done) | 0) > 0;
  }

  done(_now: number, _progressed: boolean): void {
    this.#done++;
  }

  nextDeadline(): number {
    return Infinity;
  }

  poke(): void {}

  clockCallback(): void {}
}

export class FreewheelDriver implements Driver {
  readonly kind = "freewheel" as const;
  #pending = true;

  constructor(readonly budgetNs: number) {}

  start(_now: number): void {
    this.#pending = true;
  }

  due(_now: number): boolean {
    return this.#pending;
  }

  done(_now: number, progressed: boolean): void {
    this.#pending = progressed;
  }

  nextDeadline(): number {
    return Infinity;
  }

  poke(): void {
    this.#pending = true;
  }

  clockCallback(): void {
    this.#pending = true;
  }
}

type Timer = { time: number; fn: () => void; id: number; cancelled: boolean };

export class WorkerClock implements Clock {
  readonly #offsetMs: number;
  #timers: Timer[] = [];
  #nextId = 0;

  /** @param mainTimeOrigin the event loop's `performance.timeOrigin`. */
  constructor(mainTimeOrigin: number) {
    this.#offsetMs = performance.timeOrigin - mainTimeOrigin;
  }

  now(): number {
    return Math.round((performance.now() + this.#offsetMs) * 1e6);
  }

  schedule(time: number, fn: () => void): () => void {
    const t: Timer = { time, fn, id: this.#nextId++, cancelled: false };
    const list = this.#timers;
    let i = list.length;
    while (i > 0 && list[i - 1]!.time > time) i--;
    list.splice(i, 0, t);
    return () => {
      t.cancelled = true;
    };
  }

  /** Clock time of the earliest callback, Infinity if none. */
  nextDue(): number {
    const list = this.#timers;
    while (list.length > 0 && list[0]!.cancelled) list.shift();
    return list.length > 0 ? list[0]!.time : Infinity;
  }

  /** Runs every callback due by `now`, in time order. Returns how many ran. */
  fireDue(now: number): number {
    let n = 0;
    const list = this.#timers;
    while (list.length > 0 && list[0]!.time <= now) {
      const t = list.shift()!;
      if (t.cancelled) continue;
      t.fn();
      n++;
    }
    return n;
  }

  clear(): void {
    this.#timers.length = 0;
  }
}

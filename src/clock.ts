/**
 * Clock: where running time comes from.
 *
 * A pipeline has one clock. When it starts running it takes the clock's time as its base time;
 * running time is clock time minus base time (minus time spent paused). Live sources stamp
 * buffers with running time; sinks with sync=true render a buffer when running time reaches its
 * timestamp. The SystemClock reads the monotonic clock; the ManualClock is advanced by hand in
 * tests (GStreamer's GstTestClock), so timing tests never depend on wall time.
 */

export interface Clock {
  /** Current clock time in ns. */
  now(): number;
  /** Calls `fn` when the clock reaches `time` (ns). Returns a cancel function. */
  schedule(time: number, fn: () => void): () => void;
}

/** Monotonic wall clock (performance.now based, ns). */
export class SystemClock implements Clock {
  now(): number {
    return Math.round(performance.now() * 1e6);
  }

  schedule(time: number, fn: () => void): () => void {
    const delayMs = (time - this.now()) / 1e6;
    if (delayMs <= 0) {
      const h = setImmediate(fn);
      return () => clearImmediate(h);
    }
    const h = setTimeout(fn, delayMs);
    return () => clearTimeout(h);
  }
}

/** A clock that only moves when told to: `advance(ns)` fires everything that became due. */
export class ManualClock implements Clock {
  #time = 0;
  #pending: { time: number; fn: () => void; id: number }[] = [];
  #nextId = 0;

  constructor(start = 0) {
    this.#time = start;
  }

  now(): number {
    return this.#time;
  }

  schedule(time: number, fn: () => void): () => void {
    const entry = { time, fn, id: this.#nextId++ };
    this.#pending.push(entry);
    this.#pending.sort((a, b) => a.time - b.time || a.id - b.id);
    return () => {
      const i = this.#pending.indexOf(entry);
      if (i >= 0) this.#pending.splice(i, 1);
    };
  }

  /** Number of callbacks waiting (GstTestClock's "pending id count"). */
  get pendingCount(): number {
    return this.#pending.length;
  }

  /** Time of the earliest waiting callback, or undefined. */
  nextDue(): number | undefined {
    return this.#pending[0]?.time;
  }

  /** Moves the clock to `time` and runs, in time order, everything due by then. */
  set(time: number): void {
    if (time < this.#time) throw new Error(`ManualClock cannot go back (${time} < ${this.#time})`);
    this.#time = time;
    while (this.#pending.length > 0 && this.#pending[0]!.time <= this.#time) {
      this.#pending.shift()!.fn();
    }
  }

  advance(ns: number): void {
    this.set(this.#time + ns);
  }
}

export const systemClock: Clock = new SystemClock();

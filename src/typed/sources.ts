/**
 * Sources: where a typed pipeline's items come from. `pipeline(x)` starts a chain from a stage,
 * an iterable or an async iterable; `fromIterable`, `fromAsyncIterable`, `range`, `once` and
 * `repeatWith` make source stages; `fromGraph` takes the buffers of a launch fragment.
 *
 * Synchronous sources (iterables, range, once, repeatWith) never say PENDING, so the chains
 * built on them run with no await per item; arrays and ranges do not even allocate an
 * iterator result per item. An async iterable's item is awaited only when it is not there.
 *
 * Closing a source calls `return()` on an iterator that has not finished (a generator then
 * runs its `finally`), and awaits it for async iterators. An async generator cannot be
 * interrupted inside an await: its `return()` waits for the pending `next()`, so closing a
 * stage over one that never settles never settles either (end such a source from outside,
 * e.g. with a hand-written iterator whose `return()` ends the pending `next()`). A source is
 * opened lazily: the iterator is created at the first `next()`, so a stage that never runs
 * never touches it.
 */
import type { Buffer } from "../buffer.ts";
import { type Cursor, DONE, dropItem, PENDING, type Pull, RESOLVED } from "./cursor.ts";
import { GraphCursor, type GraphOptions } from "./graph-bridge.ts";
import { Stage } from "./stage.ts";

/**
 * Starts a typed pipeline: a stage is returned as is, an async iterable becomes
 * `fromAsyncIterable(x)`, any other iterable `fromIterable(x)`.
 */
export function pipeline<T>(source: Stage<T> | Iterable<T> | AsyncIterable<T>): Stage<T> {
  if (source instanceof Stage) return source;
  if (typeof (source as AsyncIterable<T>)[Symbol.asyncIterator] === "function") {
    return fromAsyncIterable(source as AsyncIterable<T>);
  }
  if (typeof (source as Iterable<T>)[Symbol.iterator] === "function") return fromIterable(source as Iterable<T>);
  throw new TypeError("pipeline(source): source must be a Stage, an Iterable or an AsyncIterable");
}

/** The items of an iterable, synchronously. Arrays are read by index (no iterator). */
export function fromIterable<T>(items: Iterable<T>): Stage<T> {
  if (Array.isArray(items)) return new Stage(() => new ArrayCursor<T>(items as readonly T[]));
  return new Stage(() => new IteratorCursor(items));
}

/** The items of an async iterable; one `next()` in flight at a time. */
export function fromAsyncIterable<T>(items: AsyncIterable<T>): Stage<T> {
  return new Stage(() => new AsyncIteratorCursor(items));
}

/**
 * Numbers from `start` (inclusive) to `end` (exclusive) by `step`: `range(3)` is 0, 1, 2;
 * `range(1, 4)` is 1, 2, 3; `range(0, Infinity)` never ends. Values are `start + i·step`, so
 * fractional steps do not drift.
 */
export function range(end: number): Stage<number>;
export function range(start: number, end: number, step?: number): Stage<number>;
export function range(a: number, b?: number, step = 1): Stage<number> {
  const start = b === undefined ? 0 : a;
  const end = b === undefined ? a : b;
  if (!(step !== 0 && Number.isFinite(step))) throw new RangeError(`range: step must be a finite non-zero number, not ${step}`);
  if (Number.isNaN(start) || Number.isNaN(end)) throw new RangeError("range: start and end must be numbers");
  return new Stage(() => new RangeCursor(start, end, step));
}

/** One item. */
export function once<T>(item: T): Stage<T> {
  return new Stage(() => new ArrayCursor<T>([item]));
}

/** `f(0)`, `f(1)`, … without end (bound it with take()). */
export function repeatWith<T>(f: (i: number) => T): Stage<T> {
  return new Stage(() => new RepeatCursor(f));
}

/**
 * The buffers that come out of a launch fragment ending in a free src pad:
 * `fromGraph("videotestsrc num-buffers=3 ! video/x-raw,format=RGBA,width=4,height=4")`. Builds
 * `<fragment> ! appsink` in its own Pipeline per run (see graph-bridge.ts); the Buffers belong
 * to the consumer; closing stops the pipeline and awaits its teardown.
 */
export function fromGraph(fragment: string, opts: GraphOptions = {}): Stage<Buffer> {
  return new Stage<Buffer>(() => new GraphCursor(null, fragment, opts));
}

// ---- cursors ----------------------------------------------------------------------------

class ArrayCursor<T> implements Cursor<T> {
  #i = 0;

  constructor(private readonly items: readonly T[]) {}

  next(): Pull<T> {
    const items = this.items;
    return this.#i < items.length ? items[this.#i++]! : DONE;
  }

  wait(): Promise<void> {
    return RESOLVED;
  }

  close(): Promise<void> {
    this.#i = Infinity;
    return RESOLVED;
  }
}

class RangeCursor implements Cursor<number> {
  #i = 0;

  constructor(
    private readonly start: number,
    private readonly end: number,
    private readonly step: number,
  ) {}

  next(): Pull<number> {
    const v = this.start + this.#i * this.step;
    if (this.step > 0 ? v >= this.end : v <= this.end) return DONE;
    this.#i++;
    return v;
  }

  wait(): Promise<void> {
    return RESOLVED;
  }

  close(): Promise<void> {
    this.#i = Infinity;
    return RESOLVED;
  }
}

class RepeatCursor<T> implements Cursor<T> {
  #i = 0;
  #closed = false;

  constructor(private readonly f: (i: number) => T) {}

  next(): Pull<T> {
    return this.#closed ? DONE : this.f(this.#i++);
  }

  wait(): Promise<void> {
    return RESOLVED;
  }

  close(): Promise<void> {
    this.#closed = true;
    return RESOLVED;
  }
}

class IteratorCursor<T> implements Cursor<T> {
  #it: Iterator<T> | null = null;
  /** The iterator finished by itself (done, or it threw): return() must not be called. */
  #finished = false;
  #closing: Promise<void> | null = null;

  constructor(private readonly items: Iterable<T>) {}

  next(): Pull<T> {
    if (this.#finished || this.#closing !== null) return DONE;
    const it = (this.#it ??= this.items[Symbol.iterator]());
    let r: IteratorResult<T>;
    try {
      r = it.next();
    } catch (err) {
      this.#finished = true;
      throw err;
    }
    if (r.done) {
      this.#finished = true;
      return DONE;
    }
    return r.value;
  }

  wait(): Promise<void> {
    return RESOLVED;
  }

  close(): Promise<void> {
    if (this.#closing === null) {
      const it = this.#it;
      try {
        if (it !== null && !this.#finished) it.return?.();
        this.#closing = RESOLVED;
      } catch (err) {
        this.#closing = Promise.reject(err);
      }
      this.#finished = true;
    }
    return this.#closing;
  }
}

class AsyncIteratorCursor<T> implements Cursor<T> {
  #it: AsyncIterator<T> | null = null;
  #inflight: Promise<void> | null = null;
  #ready = false;
  #value: T | undefined = undefined;
  #failed = false;
  #error: unknown = undefined;
  #finished = false;
  #closing: Promise<void> | null = null;

  constructor(private readonly items: AsyncIterable<T>) {}

  next(): Pull<T> {
    if (this.#failed) {
      this.#failed = false;
      throw this.#error;
    }
    if (this.#ready) {
      this.#ready = false;
      const v = this.#value as T;
      this.#value = undefined;
      return v;
    }
    if (this.#finished || this.#closing !== null) return DONE;
    if (this.#inflight !== null) return PENDING;
    const it = (this.#it ??= this.items[Symbol.asyncIterator]());
    let p: Promise<IteratorResult<T>>;
    try {
      p = Promise.resolve(it.next());
    } catch (err) {
      this.#finished = true;
      throw err;
    }
    this.#inflight = p.then(
      (r) => {
        this.#inflight = null;
        if (r.done) this.#finished = true;
        else if (this.#closing !== null) dropItem(r.value);
        else {
          this.#ready = true;
          this.#value = r.value;
        }
      },
      (err: unknown) => {
        this.#inflight = null;
        this.#finished = true;
        this.#failed = true;
        this.#error = err;
      },
    );
    return PENDING;
  }

  wait(): Promise<void> {
    return this.#inflight ?? RESOLVED;
  }

  close(): Promise<void> {
    return (this.#closing ??= this.#teardown());
  }

  async #teardown(): Promise<void> {
    if (this.#ready) dropItem(this.#value);
    this.#ready = false;
    this.#value = undefined;
    const it = this.#it;
    // return() goes in at once (an async generator queues it behind a pending next(); a
    // hand-written iterator may use it to end that next()); both are awaited.
    const inflight = this.#inflight;
    const ret = it !== null && !this.#finished ? it.return?.() : undefined;
    this.#finished = true;
    await Promise.all([inflight, ret]);
  }
}

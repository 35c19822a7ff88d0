/**
 * temporalJoin: pairs the items of two time-ordered stages whose timestamps are within a
 * window of each other (an interval join): `[a, b]` for every a, b with |t(a) − t(b)| ≤ window.
 * Typical use: lining up video frames with audio buffers or sensor samples by pts.
 *
 * Buffers are timed by their pts (`temporalJoin(video, audio, 20 * MSECOND)`); other items
 * need `leftTime` / `rightTime` (a compile error otherwise). Times are numbers in any unit the
 * window shares (ns for pts). Each input must be in non-decreasing time order; an item out of
 * order or without a time (pts TIME_NONE) fails the stage with a TemporalJoinError.
 *
 * How: the side that is behind in time is pulled next (so both advance together); an arriving
 * item is paired with every buffered item of the other side within the window, then buffered
 * itself, and the other side's items older than `t − window` are dropped, since with ordered
 * inputs nothing later can match them. Every pair is emitted exactly once, when its later item
 * arrives. Once one side has ended and its buffer is empty, nothing can match any more: the
 * join ends and closes both sides (one that ended is closed only then, as its buffered items
 * may still be paired).
 *
 * Ownership: an item can be in several pairs, so a Buffer in a pair is its own reference (a
 * clone, O(1)); buffered items are released when they fall out of the window.
 *
 * Bound: each side buffers at most `capacity` items (DEFAULT_TEMPORAL_CAPACITY) within the
 * window; more fails the stage (raise capacity or narrow the window). Pairs of one arrival are
 * queued, at most `capacity` of them. Only one input is pulled at a time.
 */
import { Buffer, TIME_NONE } from "../buffer.ts";
import { Deque } from "../runtime/deque.ts";
import { closeAll, type Cursor, DONE, dropItem, PENDING, type Pull, RESOLVED, shareItem, SPIN_LIMIT } from "./cursor.ts";
import { Stage } from "./stage.ts";

/** Items each side may buffer within the window by default. */
export const DEFAULT_TEMPORAL_CAPACITY = 1024;

export type TemporalJoinOptions = {
  /** Largest time difference of a pair, in the unit of the times (ns for pts). */
  window: number;
  /** Items each side may buffer (default DEFAULT_TEMPORAL_CAPACITY). */
  capacity?: number;
};
export type BufferTemporalJoinOptions<A, B> = TemporalJoinOptions & {
  leftTime?: (a: A) => number;
  rightTime?: (b: B) => number;
};
export type TimedTemporalJoinOptions<A, B> = TemporalJoinOptions & {
  leftTime: (a: A) => number;
  rightTime: (b: B) => number;
};

export class TemporalJoinError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TemporalJoinError";
  }
}

/** Buffers, timed by pts. The third argument is the window (ns) or the options. */
export function temporalJoin<A extends Buffer, B extends Buffer>(
  left: Stage<A>,
  right: Stage<B>,
  window: number | BufferTemporalJoinOptions<A, B>,
): Stage<[A, B]>;
/** Any items, timed by `leftTime` / `rightTime`. */
export function temporalJoin<A, B>(left: Stage<A>, right: Stage<B>, opts: TimedTemporalJoinOptions<A, B>): Stage<[A, B]>;
export function temporalJoin<A, B>(
  left: Stage<A>,
  right: Stage<B>,
  w: number | BufferTemporalJoinOptions<A, B>,
): Stage<[A, B]> {
  const opts: BufferTemporalJoinOptions<A, B> = typeof w === "number" ? { window: w } : w;
  const { window } = opts;
  const capacity = opts.capacity ?? DEFAULT_TEMPORAL_CAPACITY;
  if (!(window >= 0 && Number.isFinite(window))) throw new RangeError(`temporalJoin: window must be a finite number ≥ 0, not ${window}`);
  if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`temporalJoin: capacity must be a whole number ≥ 1, not ${capacity}`);
  const lt = (opts.leftTime ?? ptsOf) as (x: unknown) => number;
  const rt = (opts.rightTime ?? ptsOf) as (x: unknown) => number;
  return new Stage(
    () =>
      new TemporalJoinCursor(new Side("left", left.open(), lt), new Side("right", right.open(), rt), window, capacity) as Cursor<
        [A, B]
      >,
  );
}

function ptsOf(x: unknown): number {
  if (!(x instanceof Buffer)) {
    throw new TemporalJoinError(`temporalJoin: an item is not a Buffer; give leftTime / rightTime for other items`);
  }
  return x.pts === TIME_NONE ? Number.NaN : x.pts;
}

type Entry = { t: number; x: unknown };

class Side {
  readonly buf = new Deque<Entry>(16);
  last = Number.NEGATIVE_INFINITY;
  done = false;

  constructor(
    readonly name: "left" | "right",
    readonly cursor: Cursor<unknown>,
    readonly time: (x: unknown) => number,
  ) {}

  dropAll(): void {
    for (let e = this.buf.shift(); e !== undefined; e = this.buf.shift()) dropItem(e.x);
  }
}

class TemporalJoinCursor implements Cursor<[unknown, unknown]> {
  readonly #out = new Deque<[unknown, unknown]>(16);
  #waitingOn: Side | null = null;
  #ending: Promise<void> | null = null;
  /** The last next() said PENDING only to let the terminal check its time slice. */
  #yielded = false;

  constructor(
    private readonly left: Side,
    private readonly right: Side,
    private readonly window: number,
    private readonly capacity: number,
  ) {}

  next(): Pull<[unknown, unknown]> {
    const L = this.left;
    const R = this.right;
    for (let spins = 0; ; spins++) {
      if (spins === SPIN_LIMIT) {
        this.#yielded = true;
        return PENDING;
      }
      const pair = this.#out.shift();
      if (pair !== undefined) return pair;
      if ((L.done && (R.done || L.buf.length === 0)) || (R.done && R.buf.length === 0)) {
        this.#finish();
        return DONE;
      }
      const side = L.done ? R : R.done ? L : L.last <= R.last ? L : R;
      const other = side === L ? R : L;
      const x = side.cursor.next();
      if (x === PENDING) {
        this.#waitingOn = side;
        return PENDING;
      }
      if (x === DONE) {
        // Its buffered items may still be paired: the side is closed when the join ends.
        side.done = true;
        // No later item of this side will come to match the other side's buffered ones.
        other.dropAll();
        continue;
      }
      this.#arrive(side, other, x);
    }
  }

  #arrive(side: Side, other: Side, x: unknown): void {
    let t: number;
    try {
      t = side.time(x);
    } catch (err) {
      dropItem(x);
      throw err;
    }
    if (!Number.isFinite(t)) {
      dropItem(x);
      throw new TemporalJoinError(`temporalJoin: a ${side.name} item has no time (got ${t}); every item needs one`);
    }
    if (t < side.last) {
      dropItem(x);
      throw new TemporalJoinError(
        `temporalJoin: the ${side.name} input went back in time (${t} after ${side.last}); ` +
          `each input must be in non-decreasing time order`,
      );
    }
    side.last = t;
    const w = this.window;
    const ob = other.buf;
    for (let e = ob.peek(); e !== undefined && e.t < t - w; e = ob.peek()) dropItem(ob.shift()!.x);
    const isLeft = side === this.left;
    for (let i = 0; i < ob.length; i++) {
      const e = ob.at(i)!;
      if (e.t > t + w) break;
      this.#out.push(isLeft ? [shareItem(x), shareItem(e.x)] : [shareItem(e.x), shareItem(x)]);
    }
    if (other.done) {
      dropItem(x);
      return;
    }
    if (side.buf.length >= this.capacity) {
      dropItem(x);
      throw new TemporalJoinError(
        `temporalJoin: more than ${this.capacity} ${side.name} items within the window of the ${other.name} ` +
          `input's position; raise capacity or narrow the window`,
      );
    }
    side.buf.push({ t, x });
  }

  wait(): Promise<void> {
    if (this.#yielded) {
      this.#yielded = false;
      return RESOLVED;
    }
    const s = this.#waitingOn;
    this.#waitingOn = null;
    return s === null ? RESOLVED : s.cursor.wait();
  }

  /** Drops what is queued or buffered and closes both sides (once). */
  #finish(): void {
    if (this.#ending !== null) return;
    for (let p = this.#out.shift(); p !== undefined; p = this.#out.shift()) {
      dropItem(p[0]);
      dropItem(p[1]);
    }
    this.left.dropAll();
    this.right.dropAll();
    this.#ending = closeAll([this.left.cursor, this.right.cursor]);
    this.#ending.catch(() => {});
  }

  close(): Promise<void> {
    this.#finish();
    return this.#ending!;
  }
}

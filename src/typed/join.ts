/**
 * join: pairs the items of two stages by key, `[left, right]` for each left and right item
 * whose keys are equal (SameValueZero, as Map keys), e.g. video frames with the metadata
 * records that carry the same sequence number.
 *
 * Matching is one to one and first come, first matched: an item that arrives finds the oldest
 * unmatched item of the other side with its key, and both leave as a pair; an item with no
 * partner yet waits in its side's table. Output order is the order in which the pairs complete.
 * It is a stream inner join: items that never find a partner are dropped (Buffers released),
 * and once one side has ended with nothing left waiting, no later item of the other side can
 * match, so the join ends and closes both sides at once (a side that ended is closed only
 * then, since its waiting items may still be paired).
 *
 * Bound: each side holds at most `capacity` unmatched items (DEFAULT_JOIN_CAPACITY). A full
 * side is not pulled (backpressure) while the other side can still be; when both are full,
 * `overflow: "error"` (default) fails the stage with a JoinOverflowError, `overflow: "drop"`
 * keeps pulling and drops each new item that matches nothing. Sides are pulled alternately;
 * one that says PENDING is skipped until ready, so a slow side does not stall a fast one
 * (up to the bound).
 */
import { closeAll, type Cursor, DONE, dropItem, PENDING, type Pull, RESOLVED, Signal, SPIN_LIMIT } from "./cursor.ts";
import { Deque } from "../runtime/deque.ts";
import { Stage } from "./stage.ts";

/** Unmatched items each side of a join may hold by default. */
export const DEFAULT_JOIN_CAPACITY = 1024;

export type JoinOptions<A, B, K> = {
  /** The key of a left item. */
  leftKey: (a: A) => K;
  /** The key of a right item; must be of the left key's type. */
  rightKey: (b: B) => NoInfer<K>;
  /** Unmatched items each side may hold (default DEFAULT_JOIN_CAPACITY). */
  capacity?: number;
  /** When both sides are full: fail ("error", default) or drop new unmatched items ("drop"). */
  overflow?: "error" | "drop";
};

export class JoinOverflowError extends Error {
  constructor(readonly capacity: number) {
    super(
      `join: both sides hold ${capacity} unmatched items, so neither can be read without exceeding ` +
        `the bound; raise capacity, check that both key functions agree, or use overflow: "drop"`,
    );
    this.name = "JoinOverflowError";
  }
}

/** Pairs left and right items with equal keys, one to one. */
export function join<A, B, K>(left: Stage<A>, right: Stage<B>, opts: JoinOptions<A, B, K>): Stage<[A, B]> {
  const capacity = opts.capacity ?? DEFAULT_JOIN_CAPACITY;
  if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`join: capacity must be a whole number ≥ 1, not ${capacity}`);
  return new Stage(
    () =>
      new JoinCursor<A, B, K>(
        new Side(left.open(), opts.leftKey),
        new Side(right.open(), opts.rightKey),
        capacity,
        opts.overflow ?? "error",
      ),
  );
}

class Side<X, K> {
  readonly pending = new Map<K, Deque<X>>();
  count = 0;
  done = false;
  waiting = false;

  constructor(
    readonly cursor: Cursor<X>,
    readonly key: (x: X) => K,
  ) {}

  /** The oldest waiting item with key `k`, removed; undefined if none. */
  take(k: K): { item: X } | undefined {
    const q = this.pending.get(k);
    if (q === undefined) return undefined;
    const item = q.shift() as X;
    if (q.length === 0) this.pending.delete(k);
    this.count--;
    return { item };
  }

  put(k: K, x: X): void {
    let q = this.pending.get(k);
    if (q === undefined) this.pending.set(k, (q = new Deque<X>(4)));
    q.push(x);
    this.count++;
  }

  dropAll(): void {
    for (const q of this.pending.values()) for (let x = q.shift(); x !== undefined; x = q.shift()) dropItem(x);
    this.pending.clear();
    this.count = 0;
  }
}

type AnySide<K> = Side<unknown, K>;
const OVERFLOW: unique symbol = Symbol("join.overflow");

class JoinCursor<A, B, K> implements Cursor<[A, B]> {
  #turn = 0;
  readonly #signal = new Signal();
  #ending: Promise<void> | null = null;
  /** The last next() said PENDING only to let the terminal check its time slice. */
  #yielded = false;
  private readonly left: AnySide<K>;
  private readonly right: AnySide<K>;

  constructor(
    left: Side<A, K>,
    right: Side<B, K>,
    private readonly capacity: number,
    private readonly overflow: "error" | "drop",
  ) {
    this.left = left as AnySide<K>;
    this.right = right as AnySide<K>;
  }

  next(): Pull<[A, B]> {
    const L = this.left;
    const R = this.right;
    for (let spins = 0; ; spins++) {
      if (spins === SPIN_LIMIT) {
        this.#yielded = true;
        return PENDING;
      }
      if ((L.done && (L.count === 0 || R.done)) || (R.done && R.count === 0)) {
        this.#finish();
        return DONE;
      }
      const side = this.#pick();
      if (side === null) return PENDING;
      const isLeft = side === L;
      const other = isLeft ? R : L;
      this.#turn = isLeft ? 1 : 0;
      const x = side.cursor.next();
      if (x === PENDING) {
        side.waiting = true;
        void side.cursor.wait().then(() => {
          side.waiting = false;
          this.#signal.notify();
        });
        continue;
      }
      if (x === DONE) {
        // Its waiting items may still be paired, so the side is closed only when the join
        // ends (a Buffer of a dynamic pipeline lives as long as the pipeline runs).
        side.done = true;
        // Nothing can match the other side's waiting items any more.
        other.dropAll();
        continue;
      }
      const k = side.key(x);
      const match = other.take(k);
      if (match !== undefined) return (isLeft ? [x, match.item] : [match.item, x]) as [A, B];
      if (other.done || side.count >= this.capacity) dropItem(x);
      else side.put(k, x);
    }
  }

  /** The side to pull now, or null when every side that may be pulled is waiting. */
  #pick(): AnySide<K> | null {
    const c = this.#choose();
    if (c === OVERFLOW) throw new JoinOverflowError(this.capacity);
    return c;
  }

  #choose(): AnySide<K> | null | typeof OVERFLOW {
    const first = this.#turn === 0 ? this.left : this.right;
    const second = this.#turn === 0 ? this.right : this.left;
    const cap = this.capacity;
    // A side may be pulled while it has room, or when the other side has ended (its new
    // items are then matched or dropped, never stored).
    const mayPull = (s: AnySide<K>, o: AnySide<K>) => !s.done && (s.count < cap || o.done);
    const a = mayPull(first, second);
    const b = mayPull(second, first);
    if (a && !first.waiting) return first;
    if (b && !second.waiting) return second;
    if (a || b) return null;
    // Both sides are live and full.
    if (this.overflow === "error") return OVERFLOW;
    if (!first.waiting) return first;
    if (!second.waiting) return second;
    return null;
  }

  wait(): Promise<void> {
    if (this.#yielded) {
      this.#yielded = false;
      return RESOLVED;
    }
    return this.#choose() === null ? this.#signal.wait() : RESOLVED;
  }

  /** Drops what is waiting and closes both sides (once). */
  #finish(): void {
    if (this.#ending !== null) return;
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

/**
 * Operators: the one-input stages of a typed pipeline (map, mapAsync, filter, take, skip,
 * inspect), each a cursor over the cursor upstream (see cursor.ts).
 *
 * They hold no items: a synchronous operator answers `next()` by pulling upstream once (filter
 * and skip: as often as they drop) and passing PENDING and DONE straight through, so a chain of
 * them costs a few calls per item and no await. `mapAsync` is the exception by design: it has
 * one call of the user's async function in flight at a time, and says PENDING while it runs.
 *
 * Ownership: an item given to a user function belongs to it; items an operator drops (filter's
 * rejects, skip's first n) are released if they are Buffers (see `dropItem`).
 */
import { type Cursor, DONE, type Done, dropItem, PENDING, type Pending, type Pull, RESOLVED, SPIN_LIMIT } from "./cursor.ts";

export class MapCursor<T, U> implements Cursor<U> {
  constructor(
    private readonly up: Cursor<T>,
    private readonly f: (x: T) => U,
  ) {}

  next(): Pull<U> {
    const x = this.up.next();
    if (x === DONE || x === PENDING) return x as Done | Pending;
    return this.f(x);
  }

  wait(): Promise<void> {
    return this.up.wait();
  }

  close(): Promise<void> {
    return this.up.close();
  }
}

export class InspectCursor<T> implements Cursor<T> {
  constructor(
    private readonly up: Cursor<T>,
    private readonly f: (x: T) => void,
  ) {}

  next(): Pull<T> {
    const x = this.up.next();
    if (x !== DONE && x !== PENDING) this.f(x);
    return x;
  }

  wait(): Promise<void> {
    return this.up.wait();
  }

  close(): Promise<void> {
    return this.up.close();
  }
}

export class FilterCursor<T> implements Cursor<T> {
  #yielded = false;

  constructor(
    private readonly up: Cursor<T>,
    private readonly p: (x: T) => boolean,
  ) {}

  next(): Pull<T> {
    for (let spins = 0; spins < SPIN_LIMIT; spins++) {
      const x = this.up.next();
      if (x === DONE || x === PENDING) return x;
      if (this.p(x)) return x;
      dropItem(x);
    }
    this.#yielded = true;
    return PENDING;
  }

  wait(): Promise<void> {
    if (this.#yielded) {
      this.#yielded = false;
      return RESOLVED;
    }
    return this.up.wait();
  }

  close(): Promise<void> {
    return this.up.close();
  }
}

export class SkipCursor<T> implements Cursor<T> {
  #left: number;
  #yielded = false;

  constructor(
    private readonly up: Cursor<T>,
    n: number,
  ) {
    this.#left = n;
  }

  next(): Pull<T> {
    for (let spins = 0; this.#left > 0; spins++) {
      if (spins === SPIN_LIMIT) {
        this.#yielded = true;
        return PENDING;
      }
      const x = this.up.next();
      if (x === DONE || x === PENDING) return x;
      this.#left--;
      dropItem(x);
    }
    return this.up.next();
  }

  wait(): Promise<void> {
    if (this.#yielded) {
      this.#yielded = false;
      return RESOLVED;
    }
    return this.up.wait();
  }

  close(): Promise<void> {
    return this.up.close();
  }
}

/**
 * take(n): passes n items, then ends: the (n+1)-th item is never pulled. Upstream is closed
 * when the consumer comes back after the n-th item (so that item is fully used first: a
 * Buffer from a dynamic pipeline stays valid until its pipeline stops), then generators run
 * their `finally` and dynamic pipelines upstream stop, before the terminal settles.
 */
export class TakeCursor<T> implements Cursor<T> {
  #left: number;
  #closing: Promise<void> | null = null;

  constructor(
    private readonly up: Cursor<T>,
    n: number,
  ) {
    this.#left = n;
  }

  next(): Pull<T> {
    if (this.#left <= 0) {
      this.#stopUpstream();
      return DONE;
    }
    const x = this.up.next();
    if (x === DONE || x === PENDING) return x;
    this.#left--;
    return x;
  }

  wait(): Promise<void> {
    return this.#left <= 0 ? RESOLVED : this.up.wait();
  }

  close(): Promise<void> {
    return (this.#closing ??= this.up.close());
  }

  #stopUpstream(): void {
    if (this.#closing !== null) return;
    this.#closing = this.up.close();
    // Whoever closes us awaits (and sees any failure of) this same promise; until then it
    // must not count as unhandled.
    this.#closing.catch(() => {});
  }
}

/**
 * mapAsync(f): like map for a function that returns a promise. One call is in flight at a
 * time (order kept, bounded by one item); the stage says PENDING while it runs. A rejection
 * is thrown by the next `next()`.
 */
export class MapAsyncCursor<T, U> implements Cursor<U> {
  #inflight: Promise<void> | null = null;
  #ready = false;
  #value: U | undefined = undefined;
  #failed = false;
  #error: unknown = undefined;
  #closed = false;

  constructor(
    private readonly up: Cursor<T>,
    private readonly f: (x: T) => PromiseLike<U>,
  ) {}

  next(): Pull<U> {
    if (this.#failed) {
      this.#failed = false;
      const e = this.#error;
      this.#error = undefined;
      throw e;
    }
    if (this.#ready) {
      this.#ready = false;
      const v = this.#value as U;
      this.#value = undefined;
      return v;
    }
    if (this.#inflight !== null) return PENDING;
    const x = this.up.next();
    if (x === DONE || x === PENDING) return x as Done | Pending;
    this.#inflight = Promise.resolve(this.f(x)).then(
      (v) => {
        this.#inflight = null;
        if (this.#closed) return dropItem(v);
        this.#ready = true;
        this.#value = v;
      },
      (e: unknown) => {
        this.#inflight = null;
        this.#failed = true;
        this.#error = e;
      },
    );
    return PENDING;
  }

  wait(): Promise<void> {
    return this.#inflight ?? this.up.wait();
  }

  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      if (this.#ready) dropItem(this.#value);
      this.#ready = false;
      this.#value = undefined;
    }
    // The user's call in flight is let finish (its result is dropped), then upstream closes.
    const inflight = this.#inflight;
    if (inflight !== null) await inflight;
    await this.up.close();
  }
}

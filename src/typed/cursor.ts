/**
 * Cursor: the pull protocol under every typed stage (see stage.ts).
 *
 * A typed pipeline is a chain of cursors, each pulling from the one upstream. `next()` is
 * synchronous and returns one of three things: an item, DONE (the stream ended), or PENDING
 * (nothing is ready now; `await wait()` and call `next()` again). A chain whose sources are
 * synchronous (arrays, ranges, generators) never returns PENDING, so the terminal loop runs
 * with no await per item, and nothing allocates per item beyond what the user's functions do;
 * an async source (an async iterable, a dynamic-graph stage) returns PENDING only when its
 * next item really is not there yet. This is GStreamer's pull mode with a ready/not-ready
 * answer instead of a blocking call, because a JS thread cannot block.
 *
 * Contract, for every cursor:
 * - `next()` may throw: an error of any stage surfaces there, synchronously.
 * - `wait()` is called only after `next()` returned PENDING, at most once before the next
 *   `next()`; it resolves (never rejects) when `next()` can make progress; errors that
 *   happened meanwhile are thrown by that `next()`.
 * - `close()` releases everything upstream (calls `return()` on iterators, stops and awaits
 *   the teardown of dynamic pipelines) and is idempotent; it resolves once all of it is done.
 *   Whoever opened a cursor closes it, whatever happened; a consumer that sees DONE from an
 *   input may close it at once (take, zip, merge and the joins do, so upstream stops early).
 * - Opening a cursor never starts work or throws: work starts at the first `next()`.
 * - A stage that drops items (filter, skip, the joins) says PENDING after SPIN_LIMIT pulls
 *   in one `next()` that produced nothing, with a `wait()` that resolves at once: the
 *   terminal then checks its time slice, so an endless source whose items are all dropped
 *   cannot hold the event loop (see drive.ts).
 *
 * Thread: cursors run on the event loop that drives the terminal (or, inside a dynamic
 * pipeline, on that pipeline's scheduler task, which is the same event loop).
 */
import { Buffer } from "../buffer.ts";

/** The stream has ended. */
export const DONE: unique symbol = Symbol("typed.done");
/** No item is ready yet: await `wait()`, then call `next()` again. */
export const PENDING: unique symbol = Symbol("typed.pending");
export type Done = typeof DONE;
export type Pending = typeof PENDING;
export type Pull<T> = T | Done | Pending;

export interface Cursor<T> {
  /** The next item, DONE, or PENDING. Throws the error of any failed stage upstream. */
  next(): Pull<T>;
  /** Resolves when `next()` can make progress. Never rejects. */
  wait(): Promise<void>;
  /** Releases everything upstream; idempotent; resolves when teardown is complete. */
  close(): Promise<void>;
}

export const RESOLVED: Promise<void> = Promise.resolve();

/** Pulls one `next()` may make without producing an item before it says PENDING. */
export const SPIN_LIMIT = 1024;

/**
 * A reusable wake-up: `wait()` gives a promise that the next `notify()` resolves. A notify
 * with nobody waiting is remembered, so a wake-up between a PENDING and its wait() is not lost.
 */
export class Signal {
  #resolve: (() => void) | null = null;
  #promise: Promise<void> | null = null;
  #pending = false;

  wait(): Promise<void> {
    if (this.#pending) {
      this.#pending = false;
      return RESOLVED;
    }
    return (this.#promise ??= new Promise<void>((r) => (this.#resolve = r)));
  }

  notify(): void {
    const r = this.#resolve;
    if (r === null) {
      this.#pending = true;
      return;
    }
    this.#resolve = null;
    this.#promise = null;
    r();
  }
}

/**
 * Gives back an item a stage drops (filter, skip, the leftovers of zip, a join's unmatched
 * items, discard): Buffers are released so pooled memory goes back to its pool; other values
 * are left to the GC.
 */
export function dropItem(x: unknown): void {
  if (x instanceof Buffer) x.release();
}

/**
 * Another reference to an item that goes out in more than one place (temporalJoin's pairs):
 * a Buffer is cloned (O(1), shares memory, one more reference); other values are shared.
 */
export function shareItem<T>(x: T): T {
  return (x instanceof Buffer ? x.clone() : x) as T;
}

/**
 * Closes several cursors concurrently and waits for all of them; rejects with the first
 * error once every close has settled, so one failing teardown never skips the others.
 */
export async function closeAll(cursors: readonly Cursor<unknown>[]): Promise<void> {
  const results = await Promise.allSettled(cursors.map((c) => c.close()));
  for (const r of results) if (r.status === "rejected") throw r.reason;
}

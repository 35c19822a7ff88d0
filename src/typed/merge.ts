/**
 * merge: the items of several stages, interleaved as they come (GStreamer's funnel for typed
 * stages). The item type is the union of the inputs' item types.
 *
 * Inputs are polled round-robin from the one after the last that gave an item, so a fast
 * synchronous input cannot starve the others: with all-synchronous inputs the output strictly
 * alternates. An input that says PENDING is skipped until its `wait()` resolves; merge says
 * PENDING only when every live input is waiting, and wakes when the first of them is ready.
 *
 * Bound: merge holds no items itself. Each input has at most one item in flight (its own
 * pending `next()`), so the memory merge can pin is one item per input, whatever the rates.
 * An input that ends is closed at once; merge ends when all have; an error in any input is
 * thrown by merge's `next()` and the terminal then closes all of them.
 */
import { closeAll, type Cursor, DONE, PENDING, type Pull, RESOLVED, Signal } from "./cursor.ts";
import { type ItemOf, Stage } from "./stage.ts";

/** Interleaves the items of `stages` (round-robin among those ready). */
export function merge<const S extends readonly Stage<unknown>[]>(...stages: S): Stage<ItemOf<S[number]>> {
  return new Stage(() => new MergeCursor(stages.map((s) => s.open())) as Cursor<ItemOf<S[number]>>);
}

type Input = { cursor: Cursor<unknown>; done: boolean; waiting: boolean };

class MergeCursor implements Cursor<unknown> {
  readonly #inputs: Input[];
  #next = 0;
  #live: number;
  readonly #signal = new Signal();
  #closing: Promise<void> | null = null;
  readonly #ending: Promise<void>[] = [];

  constructor(cursors: Cursor<unknown>[]) {
    this.#inputs = cursors.map((cursor) => ({ cursor, done: false, waiting: false }));
    this.#live = cursors.length;
  }

  next(): Pull<unknown> {
    const inputs = this.#inputs;
    const n = inputs.length;
    for (let k = 0; k < n && this.#live > 0; k++) {
      const i = (this.#next + k) % n;
      const input = inputs[i]!;
      if (input.done || input.waiting) continue;
      const x = input.cursor.next();
      if (x === PENDING) {
        input.waiting = true;
        void input.cursor.wait().then(() => {
          input.waiting = false;
          this.#signal.notify();
        });
        continue;
      }
      if (x === DONE) {
        input.done = true;
        this.#live--;
        const c = input.cursor.close();
        c.catch(() => {});
        this.#ending.push(c);
        continue;
      }
      this.#next = (i + 1) % n;
      return x;
    }
    return this.#live === 0 ? DONE : PENDING;
  }

  wait(): Promise<void> {
    if (this.#inputs.some((x) => !x.done && !x.waiting)) return RESOLVED;
    return this.#signal.wait();
  }

  close(): Promise<void> {
    return (this.#closing ??= (async () => {
      const live = this.#inputs.filter((x) => !x.done).map((x) => x.cursor);
      const results = await Promise.allSettled([closeAll(live), ...this.#ending]);
      for (const r of results) if (r.status === "rejected") throw r.reason;
    })());
  }
}

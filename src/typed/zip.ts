/**
 * zip: one tuple per round, the i-th item of every input together:
 * `zip(range(3), fromIterable(["a", "b"]))` yields [0, "a"], [1, "b"] and is typed
 * `Stage<[number, string]>`.
 *
 * Inputs are pulled in order, one item each per tuple; an input that says PENDING makes zip
 * say PENDING and wait for that input only. Zip ends when any input ends: the items already
 * pulled for the unfinished tuple are dropped (Buffers released) and every input is closed at
 * once, so the longer ones stop early.
 *
 * Bound: at most one item per input is held (the tuple being filled).
 */
import { closeAll, type Cursor, DONE, dropItem, PENDING, type Pull } from "./cursor.ts";
import { type ItemOf, Stage } from "./stage.ts";

/** The item types of a tuple of stages, as a tuple. */
export type ItemsOf<S extends readonly Stage<unknown>[]> = { -readonly [K in keyof S]: ItemOf<S[K]> };

/** Pairs (triples, …) the items of `stages` in order; ends with the shortest. */
export function zip<const S extends readonly Stage<unknown>[]>(...stages: S): Stage<ItemsOf<S>> {
  return new Stage(() => new ZipCursor(stages.map((s) => s.open())) as unknown as Cursor<ItemsOf<S>>);
}

class ZipCursor implements Cursor<unknown[]> {
  #slots: unknown[];
  #filled = 0;
  #ended = false;
  #closing: Promise<void> | null = null;

  constructor(private readonly inputs: Cursor<unknown>[]) {
    this.#slots = new Array(inputs.length);
  }

  next(): Pull<unknown[]> {
    if (this.#ended || this.inputs.length === 0) return DONE;
    const inputs = this.inputs;
    while (this.#filled < inputs.length) {
      const x = inputs[this.#filled]!.next();
      if (x === PENDING) return PENDING;
      if (x === DONE) {
        this.#end();
        return DONE;
      }
      this.#slots[this.#filled++] = x;
    }
    const tuple = this.#slots;
    this.#slots = new Array(inputs.length);
    this.#filled = 0;
    return tuple;
  }

  wait(): Promise<void> {
    return this.inputs[this.#filled]!.wait();
  }

  #end(): void {
    this.#ended = true;
    for (let i = 0; i < this.#filled; i++) dropItem(this.#slots[i]);
    this.#filled = 0;
    this.#closing = closeAll(this.inputs);
    this.#closing.catch(() => {});
  }

  close(): Promise<void> {
    if (this.#closing === null) this.#end();
    return this.#closing!;
  }
}

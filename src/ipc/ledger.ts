/**
 * Ledger: the producer's private account of what one consumer holds.
 *
 * When a producer sends a buffer by reference it does not give its reference away: it parks
 * the Buffer here under a small integer handle and sends the handle with the descriptor. The
 * consumer returns the handle when its last holder drops the buffer; the producer then releases
 * the parked Buffer, and the slot goes back to its pool by the ordinary local path. If the
 * consumer disconnects or dies — SIGKILL included — the producer releases everything still
 * parked for it (`releaseAll`), so its pools come back whole: this is the per-peer accounting
 * that a shared refcount alone cannot give (a dead process cannot decrement anything).
 *
 * The ledger lives only in the producer's memory, so a faulty consumer cannot corrupt it: a
 * handle it returns twice, or one it never got, is counted as `rejected` and ignored.
 * Capacity is fixed (the return ring's size), so the return ring can never overflow.
 *
 * Thread: the producer's event loop. O(1) per lend and per return; no allocation after
 * construction.
 */
import type { Buffer } from "../buffer.ts";

export class Ledger {
  readonly capacity: number;
  #items: (Buffer | null)[];
  #free: Int32Array;
  #top: number;
  #size = 0;
  /** Handles returned that were not lent (a faulty or confused consumer). */
  rejected = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.#items = new Array<Buffer | null>(capacity).fill(null);
    this.#free = new Int32Array(capacity);
    for (let i = 0; i < capacity; i++) this.#free[i] = capacity - 1 - i;
    this.#top = capacity;
  }

  /** Handles currently lent. */
  get size(): number {
    return this.#size;
  }

  get full(): boolean {
    return this.#top === 0;
  }

  /** Parks `buf` (the ledger now owns that reference) and returns its handle; -1 when full
   * (the caller keeps the buffer). */
  lend(buf: Buffer): number {
    if (this.#top === 0) return -1;
    const h = this.#free[--this.#top]!;
    this.#items[h] = buf;
    this.#size++;
    return h;
  }

  /** Takes a returned handle's buffer back (the caller releases it); null if the handle was
   * not lent. */
  take(handle: number): Buffer | null {
    if (!(handle >= 0 && handle < this.capacity)) {
      this.rejected++;
      return null;
    }
    const b = this.#items[handle];
    if (b === null || b === undefined) {
      this.rejected++;
      return null;
    }
    this.#items[handle] = null;
    this.#free[this.#top++] = handle;
    this.#size--;
    return b;
  }

  /** Releases every lent buffer (the consumer is gone). Returns how many there were. */
  releaseAll(): number {
    let n = 0;
    for (let h = 0; h < this.capacity; h++) {
      const b = this.#items[h];
      if (b === null || b === undefined) continue;
      this.#items[h] = null;
      this.#free[this.#top++] = h;
      b.release();
      n++;
    }
    this.#size = 0;
    return n;
  }
}

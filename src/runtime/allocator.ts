/**
 * Allocator: how sources get buffer memory without allocating per buffer.
 *
 * A source asks for a buffer of `size` bytes; the allocator hands out a slot from a bounded
 * pool (created lazily for the largest size seen) and, when every slot is in use, blocks the
 * asking task until one comes back: backpressure instead of unbounded growth. Slots come back
 * when the last holder releases the buffer.
 */
import { Buffer, type Memory } from "../buffer.ts";
import type { Task } from "./scheduler.ts";

/** Slots per pool: enough to fill a default queue (200) plus what is in flight. */
export const DEFAULT_POOL_SLOTS = 256;

class HeapSlot implements Memory {
  readonly kind = "system";
  refs = 0;
  /** The whole slot as a view, made once (a subarray costs ~100 ns; most buffers are full-size). */
  readonly view: Uint8Array;
  constructor(
    readonly pool: HeapPool,
    readonly index: number,
  ) {
    this.view = pool.slab.subarray(index * pool.slotSize, (index + 1) * pool.slotSize);
  }
  ref(): void {
    this.refs++;
  }
  unref(): void {
    if (--this.refs === 0) this.pool.give(this.index);
  }
}

/** A bounded pool of equal slots in one pre-touched slab. */
class HeapPool {
  readonly slab: Uint8Array;
  readonly slots: HeapSlot[] = [];
  readonly free: number[] = [];
  waiting: Task[] = [];
  constructor(
    readonly slotSize: number,
    readonly count: number,
  ) {
    this.slab = new Uint8Array(slotSize * count);
    // Touch every page now so first use does not fault (see notes/bun.md).
    for (let o = 0; o < this.slab.length; o += 4096) this.slab[o] = 0;
    for (let i = 0; i < count; i++) {
      this.slots.push(new HeapSlot(this, i));
      this.free.push(count - 1 - i);
    }
  }
  give(i: number): void {
    this.free.push(i);
    if (this.waiting.length > 0) for (const t of this.waiting.splice(0)) t.unblock();
  }
}

export class Allocator {
  #pool: HeapPool | null = null;

  constructor(
    readonly maxSize: number,
    readonly owner: string,
    readonly slots = DEFAULT_POOL_SLOTS,
  ) {}

  /**
   * A buffer of `size` bytes (≤ maxSize), or null when the pool is exhausted: then `task` (if
   * given) is blocked and woken when a slot returns.
   */
  acquire(size: number, task: Task | null): Buffer | null {
    let pool = this.#pool;
    if (pool === null) pool = this.#pool = new HeapPool(Math.max(1, this.maxSize), this.slots);
    const i = pool.free.pop();
    if (i === undefined) {
      if (task) {
        task.block();
        pool.waiting.push(task);
      }
      return null;
    }
    const slot = pool.slots[i]!;
    slot.refs = 1;
    return new Buffer(size === pool.slotSize ? slot.view : slot.view.subarray(0, size), slot);
  }

  stats(): { capacity: number; inUse: number } {
    const p = this.#pool;
    return { capacity: p?.count ?? 0, inUse: p ? p.count - p.free.length : 0 };
  }

  close(): void {
    const p = this.#pool;
    if (p) for (const t of p.waiting.splice(0)) t.unblock();
    this.#pool = null;
  }
}

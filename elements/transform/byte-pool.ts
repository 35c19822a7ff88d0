/**
 * BytePool: output memory for transforms that make new buffers (pad, join, concat-bytes,
 * batch, split across inputs). Sizes are not known up front, so it keeps an Allocator
 * (memfd pool, src/runtime/allocator.ts) per power-of-two slot size it has needed, and hands
 * out a slot of the smallest that fits. It never blocks: when a pool is exhausted, or a size
 * is above MAX_POOLED_SIZE (pre-faulting pools of huge slots would cost more than it saves),
 * the buffer comes from the heap instead. Older pools stay open until `close()` (the owning
 * element's unprepare), because buffers from them may still be downstream.
 */
import { Buffer } from "../../src/buffer.ts";
import { Allocator } from "../../src/runtime/allocator.ts";

/** Smallest slot size a pool is made with. */
export const MIN_SLOT_SIZE = 4096;
/** Larger buffers come from the heap. */
export const MAX_POOLED_SIZE = 4 * 1024 * 1024;
/** Upper bound on slots per pool. */
export const POOL_SLOTS = 64;

const EMPTY = new Uint8Array(0);

export class BytePool {
  readonly #pools = new Map<number, Allocator>();
  #failed = false;

  constructor(readonly owner: string) {}

  /** A buffer of exactly `size` bytes (contents undefined) that the caller owns. */
  acquire(size: number): Buffer {
    if (size === 0) return new Buffer(EMPTY);
    if (size > MAX_POOLED_SIZE || this.#failed) return Buffer.alloc(size);
    let slot = MIN_SLOT_SIZE;
    while (slot < size) slot *= 2;
    let a = this.#pools.get(slot);
    if (a === undefined) {
      a = new Allocator(slot, `${this.owner}-${slot}`, POOL_SLOTS);
      this.#pools.set(slot, a);
    }
    try {
      return a.acquire(size, null) ?? Buffer.alloc(size);
    } catch {
      // No memfd pool here (sandboxed, out of fds): plain heap memory from now on.
      this.#failed = true;
      return Buffer.alloc(size);
    }
  }

  /** A pooled copy of `parts` laid end to end. */
  concat(parts: readonly Uint8Array[], total: number): Buffer {
    const b = this.acquire(total);
    let o = 0;
    for (const p of parts) {
      b.data.set(p, o);
      o += p.length;
    }
    return b;
  }

  /** Closes every pool (idempotent). Buffers still held downstream become empty views. */
  close(): void {
    for (const a of this.#pools.values()) a.close();
    this.#pools.clear();
    this.#failed = false;
  }
}

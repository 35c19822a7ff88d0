/**
 * FramePool: buffer memory for media elements, sized by the frame.
 *
 * A thin layer over the runtime Allocator (src/runtime/allocator.ts, whose `acquire(size,
 * task)` hands out pooled slots and blocks the asking task when all are out). Media frames can
 * be megabytes (a 1080p I420 frame is 3 MB), so FramePool caps the slot count by a memory
 * budget (the Allocator sizes its pool by bytes too, within that cap). A bigger pool is made
 * when the frame size grows (renegotiation); the old one is closed with the pool.
 *
 * Sources use `acquire` (backpressure: the task waits for a slot). Transforms run on their
 * upstream's task inside a synchronous chain call and cannot wait there, so `acquireNow`
 * falls back to a heap buffer when every slot is out (counted in `overflows`; it happens only
 * when downstream holds more frames than the budget allows, e.g. a deep appsink queue).
 */
import { Buffer } from "../buffer.ts";
import { Allocator } from "../runtime/allocator.ts";
import type { Task } from "../runtime/scheduler.ts";

/** Bytes of frames a pool may hold. */
export const DEFAULT_POOL_BUDGET = 24 * 1024 * 1024;
/** Fewest slots whatever the frame size: enough for a frame in flight, one queued, one being made. */
export const MIN_POOL_SLOTS = 4;
/** Most slots whatever the frame size. */
export const MAX_POOL_SLOTS = 64;

export class FramePool {
  #alloc: Allocator | null = null;
  /** Pools outgrown after renegotiation: closed with this one, as frames may still be out. */
  #retired: Allocator[] = [];
  #slotSize = 0;
  /** Buffers that had to come from the heap because every slot was out. */
  overflows = 0;

  constructor(
    readonly owner: string,
    readonly budget = DEFAULT_POOL_BUDGET,
  ) {}

  #ensure(size: number): Allocator {
    if (this.#alloc === null || size > this.#slotSize) {
      if (this.#alloc !== null) this.#retired.push(this.#alloc);
      const slots = Math.max(MIN_POOL_SLOTS, Math.min(MAX_POOL_SLOTS, Math.floor(this.budget / Math.max(1, size))));
      this.#alloc = new Allocator(size, this.owner, slots);
      this.#slotSize = size;
    }
    return this.#alloc;
  }

  /** A pooled buffer of `size` bytes, or null when all are out (then `task` waits for one). */
  acquire(size: number, task: Task | null): Buffer | null {
    return this.#ensure(size).acquire(size, task);
  }

  /** A pooled buffer, or a heap one when every slot is out. Never waits. */
  acquireNow(size: number): Buffer {
    const b = this.#ensure(size).acquire(size, null);
    if (b !== null) return b;
    this.overflows++;
    return Buffer.alloc(size);
  }

  /** Releases the pool (call from unprepare, as sources close their Allocator). Idempotent. */
  close(): void {
    for (const a of this.#retired.splice(0)) a.close();
    this.#alloc?.close();
    this.#alloc = null;
    this.#slotSize = 0;
  }
}

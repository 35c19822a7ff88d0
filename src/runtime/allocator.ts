/**
 * Allocator: how sources get buffer memory without allocating per buffer.
 *
 * A source asks for a buffer of `size` bytes; the allocator hands out a slot from a bounded
 * memfd BufferPool (src/memory/pool.ts), created on first use with slots of `maxSize` bytes,
 * and, when every slot is in use, blocks the asking task until one comes back: backpressure
 * instead of unbounded growth. Slots come back when the last holder releases the buffer, in
 * this process or in another one (a consumer across ipcsink hands its references back, and
 * ipcsink releases them here). Because the memory is a memfd, a buffer from an allocator can
 * cross into another process by reference (see src/ipc/).
 *
 * Sizing: the slot count follows the bytes, not a fixed number: POOL_BYTES / slot size,
 * clamped to [MIN_POOL_SLOTS, maxSlots]. Every page of a pool is pre-faulted when it is made
 * (first touch of fresh memory costs microseconds per page on these VMs), so a fixed 256 slots
 * of 1 MiB would take a quarter of a second to create; 16 MiB of slots takes a few ms.
 *
 * Life cycle: the element that owns an allocator closes it in `unprepare()`. The pool's memfd
 * and mapping go as soon as no buffer of it is held any more: at once in the usual case (the
 * pipeline released everything while stopping), else when the application releases the last
 * buffer it still holds (pulled from an appsink after run() ended, say), so those stay valid
 * meanwhile, however long (BufferPool.closeWhenIdle). A buffer the application drops without
 * releasing it does not leak them: once nothing can reach the pool's memory the GC's finaliser
 * unmaps it and closes its fds (src/memory/reclaim.ts).
 *
 * Thread: the event loop of the process (or Worker) that owns the source.
 */
import type { Buffer } from "../buffer.ts";
import type { BufferPool } from "../memory/pool.ts";
import type { Task } from "./scheduler.ts";

/** Upper bound on slots per pool (a default queue holds 200 buffers, plus what is in flight). */
export const DEFAULT_POOL_SLOTS = 256;
/** Lower bound on slots per pool, so a pipeline with a few stages in flight never starves. */
export const MIN_POOL_SLOTS = 8;
/** Bytes a pool aims at: the slot count is POOL_BYTES / slot size, within the bounds above. */
export const POOL_BYTES = 16 * 1024 * 1024;

/** How many slots of `slotSize` bytes a pool gets, given an upper bound `maxSlots`. */
export function poolSlotCount(slotSize: number, maxSlots = DEFAULT_POOL_SLOTS): number {
  const bySize = Math.floor(POOL_BYTES / Math.max(1, slotSize));
  return Math.max(Math.min(MIN_POOL_SLOTS, maxSlots), Math.min(maxSlots, bySize));
}

export class Allocator {
  #pool: BufferPool | null = null;
  #waiting: Task[] = [];
  #armed = false;
  #closed = false;

  /**
   * @param maxSize the largest buffer asked for (the slot size).
   * @param owner the element's name (the memfd is named after it in /proc/<pid>/maps).
   * @param slots an upper bound on the slot count (see poolSlotCount).
   */
  constructor(
    readonly maxSize: number,
    readonly owner: string,
    readonly slots = DEFAULT_POOL_SLOTS,
  ) {}

  /** The pool, once the first buffer was acquired (null before and after close()). */
  get pool(): BufferPool | null {
    return this.#pool;
  }

  /**
   * A buffer of `size` bytes (≤ maxSize) that the caller owns, or null when the pool is
   * exhausted: then `task` (if given) is blocked and unblocked when a slot returns. O(1); no
   * allocation beyond the Buffer record (plus a subarray when `size` < maxSize).
   */
  acquire(size: number, task: Task | null): Buffer | null {
    const pool = this.#pool ?? this.#create();
    if (pool === null) return null;
    const b = pool.acquire(size === pool.slotSize ? undefined : size);
    if (b !== null) return b;
    if (task !== null) {
      task.block();
      this.#waiting.push(task);
      if (!this.#armed) {
        this.#armed = true;
        pool.onAvailable(this.#wake);
      }
    }
    return null;
  }

  #create(): BufferPool | null {
    if (this.#closed) return null;
    const slotSize = Math.max(1, this.maxSize);
    // Loaded here, not with this module: a source that never asks for memory (fakesrc's default
    // empty buffers) then starts without the pool, the memfd bindings and bun:ffi.
    const { BufferPool } = require("../memory/pool.ts") as typeof import("../memory/pool.ts");
    this.#pool = BufferPool.create({ slotSize, slotCount: poolSlotCount(slotSize, this.slots), name: `parallax:${this.owner}` });
    return this.#pool;
  }

  readonly #wake = (): void => {
    this.#armed = false;
    for (const t of this.#waiting.splice(0)) t.unblock();
  };

  stats(): { capacity: number; inUse: number } {
    const p = this.#pool;
    if (p === null) return { capacity: 0, inUse: 0 };
    const s = p.stats();
    return { capacity: s.capacity, inUse: s.inUse };
  }

  /**
   * Closes the allocator (idempotent): unblocks waiting tasks; a later acquire() returns null.
   * The pool is unmapped now if every buffer is back, else when the last one is released or
   * no longer reachable.
   */
  close(): void {
    this.#closed = true;
    for (const t of this.#waiting.splice(0)) t.unblock();
    this.#armed = false;
    const p = this.#pool;
    this.#pool = null;
    if (p === null) return;
    p.closeWhenIdle();
  }
}

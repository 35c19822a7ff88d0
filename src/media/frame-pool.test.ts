import { expect, test } from "bun:test";
import { FramePool } from "./frame-pool.ts";
import { Scheduler } from "../runtime/scheduler.ts";

test("FramePool hands out pooled buffers, blocks a source when empty, and overflows to the heap for transforms", async () => {
  // A 1 MiB budget of 256 KiB frames: the Allocator's minimum applies, but the cap is respected.
  const pool = new FramePool("t", 1 << 20);
  try {
    const held = [];
    let b = pool.acquire(256 * 1024, null);
    while (b !== null) {
      held.push(b);
      b = pool.acquire(256 * 1024, null);
    }
    expect(held.length).toBeGreaterThanOrEqual(4);
    expect(held.length).toBeLessThanOrEqual(8);
    const task = new Scheduler().add("src", () => 1);
    expect(pool.acquire(256 * 1024, task)).toBeNull();
    expect(task.blockers).toBe(1);
    const extra = pool.acquireNow(256 * 1024);
    expect(extra.memory).toBeNull();
    expect(pool.overflows).toBe(1);
    held.pop()!.release();
    await Promise.resolve(); // the pool wakes waiters from a microtask
    expect(task.blockers).toBe(0);
    for (const h of held) h.release();
  } finally {
    pool.close();
  }
});

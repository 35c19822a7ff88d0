/**
 * BufferPool micro-benchmarks (mitata): the per-buffer costs of the memory layer.
 *
 *   bun bench/pool.bench.ts
 *
 * - acquire + release: pop a slot, make the Buffer record, push the slot back.
 * - clone + release: one Atomics.add and one Atomics.sub on the slot's shared refcount word.
 * - heap baseline: `new Buffer(new Uint8Array(4096))`, what a pool-less source would pay
 *   (allocation plus zeroing), for comparison.
 */
import { bench, do_not_optimize, group, run, summary } from "mitata";
import { Buffer } from "../src/buffer.ts";
import { BufferPool } from "../src/memory/index.ts";

const SLOT_SIZE = 4096;
const pool = BufferPool.create({ slotSize: SLOT_SIZE, slotCount: 64, name: "px-bench" });
const held = pool.acquire()!;

group("BufferPool (4 KiB slots)", () => {
  summary(() => {
    bench("acquire + release", () => {
      const b = pool.acquire()!;
      do_not_optimize(b);
      b.release();
    });
    bench("clone + release", () => {
      const c = held.clone();
      do_not_optimize(c);
      c.release();
    });
    bench("acquire + clone x2 + release x3", () => {
      const b = pool.acquire()!;
      const c1 = b.clone();
      const c2 = b.clone();
      do_not_optimize(c2);
      b.release();
      c1.release();
      c2.release();
    });
    bench("heap baseline: new Buffer(new Uint8Array(4096))", () => {
      do_not_optimize(new Buffer(new Uint8Array(SLOT_SIZE)));
    });
  });
});

await run();
held.release();
await pool.close();

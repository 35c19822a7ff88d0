import { describe, expect, test } from "bun:test";
import { eventually, mapsLines, mappingsNamed, openFds, rssBytes } from "../../ffi/testing.ts";
import type { AppSink } from "../../elements/app/appsink.ts";
import { SlotMemory } from "../memory/pool.ts";
import { launch } from "../index.ts";
import { Allocator, MIN_POOL_SLOTS, POOL_BYTES, poolSlotCount } from "./allocator.ts";
import type { Buffer } from "../buffer.ts";
import { Scheduler, Step } from "./scheduler.ts";

describe("Allocator", () => {
  test("slot count follows the bytes, within [MIN_POOL_SLOTS, maxSlots]", () => {
    expect(poolSlotCount(4096)).toBe(256);
    expect(poolSlotCount(1 << 20)).toBe(POOL_BYTES / (1 << 20));
    expect(poolSlotCount(64 << 20)).toBe(MIN_POOL_SLOTS);
    expect(poolSlotCount(4096, 64)).toBe(64);
    expect(poolSlotCount(1 << 20, 4)).toBe(4);
  });

  test("hands out memfd slots, blocks the task when exhausted and wakes it on release", async () => {
    const s = new Scheduler();
    const task = s.add("src", () => Step.WAIT);
    const a = new Allocator(1 << 20, "alloc-test", 4);
    try {
      const held = [];
      for (let i = 0; i < 4; i++) {
        const b = a.acquire(1 << 20, task)!;
        expect(b.memory).toBeInstanceOf(SlotMemory);
        expect(b.memory!.kind).toBe("memfd");
        expect(b.size).toBe(1 << 20);
        held.push(b);
      }
      expect(a.stats()).toEqual({ capacity: 4, inUse: 4 });
      expect(mappingsNamed("parallax:alloc-test")).toBe(1);
      expect(a.acquire(100, task)).toBeNull();
      expect(task.blockers).toBe(1);
      held.pop()!.release();
      await Promise.resolve(); // the pool notifies from a microtask
      expect(task.blockers).toBe(0);
      const small = a.acquire(100, task)!;
      expect(small.size).toBe(100);
      small.release();
      for (const b of held) b.release();
      expect(a.stats().inUse).toBe(0);
    } finally {
      a.close();
    }
    expect(mappingsNamed("parallax:alloc-test")).toBe(0);
    expect(a.acquire(10, null)).toBeNull();
  });

  test("close() unblocks waiting tasks; buffers still held stay valid, and the last release unmaps the pool", () => {
    const s = new Scheduler();
    const task = s.add("src", () => Step.WAIT);
    const a = new Allocator(4096, "alloc-close", 8);
    const bufs = [];
    for (let i = 0; i < 8; i++) bufs.push(a.acquire(4096, task)!);
    expect(a.acquire(4096, task)).toBeNull();
    expect(task.blockers).toBe(1);
    bufs[7]!.data[0] = 42;
    a.close();
    expect(task.blockers).toBe(0);
    expect(a.acquire(4096, null)).toBeNull();
    expect(mappingsNamed("parallax:alloc-close")).toBe(1);
    for (const b of bufs.slice(0, 7)) b.release();
    expect(bufs[7]!.data[0]).toBe(42);
    expect(mappingsNamed("parallax:alloc-close")).toBe(1);
    bufs[7]!.release(); // the last one: the memfd and mapping go now, synchronously
    expect(mappingsNamed("parallax:alloc-close")).toBe(0);
  });

  test("a buffer kept after its allocator closed stays readable; dropped without release, the GC gives the memfd and mapping back", async () => {
    const fds0 = openFds();
    const holder: { kept: Buffer | null } = { kept: null };
    // In a function of its own, so no stale stack slot of this one keeps the buffer reachable.
    (() => {
      const a = new Allocator(4096, "alloc-leak", 8);
      holder.kept = a.acquire(4096, null)!;
      holder.kept.data[7] = 42;
      a.close();
    })();
    // Past the 1 s after which this used to cut held buffers off (they read as empty then).
    await Bun.sleep(1100);
    for (let i = 0; i < 3; i++) {
      Bun.gc(true);
      await Bun.sleep(5);
    }
    expect(holder.kept!.data[7]).toBe(42); // still the pool's memory, still mapped
    expect(holder.kept!.data.byteLength).toBe(4096);
    expect(mappingsNamed("parallax:alloc-leak")).toBe(1);
    holder.kept = null; // dropped, never released
    const gone = await eventually(() => {
      Bun.gc(true);
      return mappingsNamed("parallax:alloc-leak") === 0;
    }, 4000);
    expect(gone).toBe(true);
    expect(await eventually(() => openFds() <= fds0, 2000)).toBe(true); // the memfd and the eventfd
  });

  test("buffers an application pulls from an appsink after run() ended stay readable", async () => {
    const p = launch("fakesrc name=held_src num-buffers=3 sizetype=fixed sizemax=100 filltype=pattern ! appsink name=out");
    await p.run();
    const got = [];
    for await (const b of p.getElement("out") as AppSink) {
      got.push(b.data[99]);
      b.release();
    }
    expect(got).toEqual([99, 99, 99]);
    expect(mappingsNamed("parallax:held_src")).toBe(0);
  });

  test("repeated pipeline runs leave fds and mappings flat (pools closed in unprepare)", async () => {
    const run = () => launch("fakesrc name=rep_src num-buffers=50 sizetype=fixed sizemax=1048576 ! queue ! fakesink").run();
    await run();
    const fds0 = openFds();
    const maps0 = mapsLines();
    for (let i = 0; i < 10; i++) await run();
    expect(openFds()).toBeLessThanOrEqual(fds0);
    expect(mapsLines()).toBeLessThanOrEqual(maps0 + 2);
    expect(mappingsNamed("parallax:rep_src")).toBe(0);
  });

  test("ten million pooled buffers through fakesrc ! fakesink leave fds, mappings and RSS flat", async () => {
    const N = 10_000_000;
    const desc = `fakesrc num-buffers=${N} sizetype=fixed sizemax=256 ! fakesink`;
    await launch("fakesrc num-buffers=10000 sizetype=fixed sizemax=256 ! fakesink").run();
    Bun.gc(true);
    const fds0 = openFds();
    const maps0 = mapsLines();
    const rss0 = rssBytes();
    const t0 = performance.now();
    const p = launch(desc);
    await p.run();
    const ms = performance.now() - t0;
    expect(p.getElement("fakesink0")!.pads[0]!.peer!.count).toBe(N);
    Bun.gc(true);
    expect(openFds()).toBeLessThanOrEqual(fds0);
    expect(mapsLines()).toBeLessThanOrEqual(maps0 + 2);
    expect(rssBytes() - rss0).toBeLessThan(32 * 1024 * 1024);
    console.log(`fakesrc ! fakesink, 256-byte pooled buffers: ${((N / ms) * 1000 / 1e6).toFixed(2)} M buffers/s; rss ${(rss0 / 2 ** 20).toFixed(1)} -> ${(rssBytes() / 2 ** 20).toFixed(1)} MiB`);
  }, 30_000);
});

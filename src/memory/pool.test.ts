import { afterEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import * as fdpass from "../../ffi/fdpass.ts";
import * as memfd from "../../ffi/memfd.ts";
import { eventually, mapsLines, mappingsNamed, openFds, readable, rssBytes } from "../../ffi/testing.ts";
import { Buffer } from "../buffer.ts";
import { BufferPool, SlotMemory } from "./pool.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Pools a test created, closed after it whatever happens. */
let pools: BufferPool[] = [];
afterEach(async () => {
  for (const p of pools) await p.close();
  pools = [];
});
function make(slotCount: number, slotSize = 4096, name?: string): BufferPool {
  const p = BufferPool.create({ slotCount, slotSize, name });
  pools.push(p);
  return p;
}

/** Whether `cb`-style waiting fired within `ms`. */
function fired(pool: BufferPool, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    pool.onAvailable(() => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

describe("BufferPool (one process)", () => {
  test("acquire until exhausted returns null; stats follow; release returns the slot", () => {
    const pool = make(4);
    const bufs: Buffer[] = [];
    for (let i = 0; i < 4; i++) {
      const b = pool.acquire();
      expect(b).not.toBeNull();
      bufs.push(b!);
    }
    expect(pool.acquire()).toBeNull();
    expect(pool.acquire()).toBeNull();
    expect(pool.stats()).toMatchObject({ capacity: 4, inUse: 4, available: 0 });
    expect(new Set(bufs.map((b) => pool.slotOf(b))).size).toBe(4);
    const slot2 = pool.slotOf(bufs[2]!);
    bufs[2]!.release();
    expect(bufs[2]!.memory).toBeNull();
    expect(pool.stats().inUse).toBe(3);
    const again = pool.acquire()!;
    expect(pool.slotOf(again)).toBe(slot2); // LIFO: the warm slot comes back first
    expect(pool.generation(slot2)).toBe(2);
    again.release();
    for (const b of bufs) b.release();
    expect(pool.stats()).toMatchObject({ inUse: 0, available: 4 });
  });

  test("buffers are views of the arena's one ArrayBuffer, full slot or a requested size", () => {
    const pool = make(2, 1000);
    const a = pool.acquire()!;
    const b = pool.acquire(10)!;
    expect(a.data.buffer).toBe(pool.arena.segment.buffer);
    expect(b.data.buffer).toBe(pool.arena.segment.buffer);
    expect(a.size).toBe(1000);
    expect(b.size).toBe(10);
    expect(a.memory).toBeInstanceOf(SlotMemory);
    expect(a.memory!.kind).toBe("memfd");
    const m = a.memory as SlotMemory;
    expect(m.address).toBe(pool.arena.segment.address + pool.arena.slotOffset(m.slot));
    expect(b.data.byteOffset - a.data.byteOffset).toBe(1024); // 64-byte aligned stride
    a.data.fill(1);
    expect(b.data.every((x) => x === 0)).toBe(true);
    expect(() => pool.acquire(1001)).toThrow(RangeError);
    a.release();
    b.release();
  });

  test("clone shares the slot; the slot returns after the last release; over-release throws", () => {
    const pool = make(1);
    const a = pool.acquire()!;
    const c1 = a.clone();
    const c2 = c1.slice(4, 8);
    expect(c1.memory).toBe(a.memory);
    expect(c2.data.byteOffset).toBe(a.data.byteOffset + 4);
    const slot = pool.slotOf(a);
    expect(pool.arena.refcounts[slot]).toBe(3);
    a.release();
    c1.release();
    expect(pool.acquire()).toBeNull();
    c2.release();
    expect(pool.arena.refcounts[slot]).toBe(0);
    const b = pool.acquire()!;
    const m = b.memory!;
    b.release();
    expect(() => m.unref()).toThrow("released more often");
    expect(pool.arena.refcounts[slot]).toBe(0);
    expect(pool.stats().inUse).toBe(0);
  });

  test("onAvailable: at once when a slot is free, else after a local release; from a microtask", async () => {
    const pool = make(1);
    expect(await fired(pool, 100)).toBe(true);
    const a = pool.acquire()!;
    let calls = 0;
    pool.onAvailable(() => calls++);
    await Bun.sleep(5);
    expect(calls).toBe(0);
    a.release();
    expect(calls).toBe(0); // not re-entered from inside release()
    await Promise.resolve();
    expect(calls).toBe(1);
    expect(pool.acquire()).not.toBeNull();
  });

  test("detach and adopt hand a reference over without releasing it", () => {
    const pool = make(2);
    const a = pool.acquire(5)!;
    a.data.set(enc.encode("hello"));
    const slot = pool.detach(a);
    expect(a.memory).toBeNull();
    expect(pool.arena.refcounts[slot]).toBe(1);
    const back = pool.adopt(slot, 0, 5);
    expect(dec.decode(back.data)).toBe("hello");
    back.release();
    expect(pool.stats().inUse).toBe(0);
    expect(() => pool.adopt(slot)).toThrow("is free");
    expect(() => pool.adopt(7)).toThrow(RangeError);
    expect(() => pool.detach(Buffer.alloc(4))).toThrow("does not hold a slot");
  });

  test("close: fds and mappings go, outstanding buffers become empty, late release is a no-op", async () => {
    const fds0 = openFds();
    const pool = BufferPool.create({ slotCount: 4, slotSize: 4096, name: "px-pool-close" });
    expect(mappingsNamed("px-pool-close")).toBe(1);
    const b = pool.acquire()!;
    const c = b.clone();
    await pool.close();
    await pool.close();
    expect(pool.closed).toBe(true);
    expect(b.data.length).toBe(0);
    b.release();
    c.release();
    expect(pool.acquire()).toBeNull();
    expect(mappingsNamed("px-pool-close")).toBe(0);
    expect(openFds()).toBe(fds0);
  });

  test("a peer in the same process (its own mapping) releases through the ring and wakes the owner", async () => {
    const fds0 = openFds();
    const pool = make(2);
    const shared = pool.shareFds();
    const peer = BufferPool.open({ memfd: memfd.dup(shared.memfd), eventfd: memfd.dup(shared.eventfd) });
    try {
      expect(peer.role).toBe("peer");
      expect(() => peer.acquire()).toThrow("peer pool");
      const a = pool.acquire()!;
      const b = pool.acquire()!;
      a.data.set(enc.encode("via peer"));
      const slot = pool.detach(a);
      const remote = peer.adopt(slot, 0, 8);
      expect(dec.decode(remote.data)).toBe("via peer");
      expect(remote.data.buffer).not.toBe(a.data.buffer);
      expect(peer.stats()).toMatchObject({ inUse: 2, held: 1 });
      const wake = fired(pool, 2000);
      remote.release(); // refcount to zero in the peer: onto the ring, eventfd written
      expect(await wake).toBe(true);
      expect(pool.acquire()).not.toBeNull();
      b.release();
    } finally {
      await peer.close();
    }
    await pool.close();
    pools = [];
    // The owner waited on its eventfd: Bun drops the duplicate it polled shortly after close.
    expect(await eventually(() => openFds() === fds0)).toBe(true);
  });

  test("the owner refuses ring entries for slots it did not hand out", () => {
    const pool = make(2);
    const shared = pool.shareFds();
    const peer = BufferPool.open({ memfd: memfd.dup(shared.memfd), eventfd: memfd.dup(shared.eventfd) });
    try {
      const a = pool.acquire()!;
      peer.arena.pushRelease(pool.slotOf(a)); // refcount still 1: a lie
      peer.arena.pushRelease(1); // never handed out
      expect(pool.stats()).toMatchObject({ inUse: 1, rejected: 2 });
      a.release();
      expect(pool.stats()).toMatchObject({ inUse: 0, rejected: 2 });
    } finally {
      peer.close();
    }
  });

  test(
    "ten million acquire/release cycles leave fds, mappings and RSS flat",
    () => {
      const pool = make(64, 4096, "px-pool-10m");
      const cycle = (n: number) => {
        for (let i = 0; i < n; i++) {
          const b = pool.acquire()!;
          b.data[0] = i;
          b.release();
        }
      };
      cycle(1_000_000); // warm up: JIT tiers, GC heap at its steady size
      Bun.gc(true);
      const fds0 = openFds();
      const maps0 = mapsLines();
      const rss0 = rssBytes();
      const t0 = performance.now();
      cycle(10_000_000);
      const ns = ((performance.now() - t0) * 1e6) / 10_000_000;
      Bun.gc(true);
      expect(pool.stats().inUse).toBe(0);
      expect(openFds()).toBe(fds0);
      expect(mappingsNamed("px-pool-10m")).toBe(1); // the arena, mapped once
      // Bun may start a helper thread meanwhile (its guard page and stack are two lines);
      // a per-buffer mapping would add millions.
      expect(mapsLines()).toBeLessThanOrEqual(maps0 + 2);
      expect(rssBytes() - rss0).toBeLessThan(32 * 1024 * 1024);
      console.log(`acquire+release: ${ns.toFixed(1)} ns/cycle; maps ${maps0} -> ${mapsLines()}; rss ${(rss0 / 2 ** 20).toFixed(1)} -> ${(rssBytes() / 2 ** 20).toFixed(1)} MiB`);
    },
    20_000,
  );
});

describe("BufferPool across two Bun processes", () => {
  type Child = { proc: ReturnType<typeof Bun.spawn>; sock: number };
  let child: Child | null = null;
  afterEach(async () => {
    if (child !== null) {
      child.proc.kill();
      await child.proc.exited;
      memfd.close(child.sock);
      child = null;
    }
  });
  const rbuf = new Uint8Array(1024);

  function spawnPeer(pool: BufferPool): Child {
    const [a, b] = fdpass.socketpair();
    const proc = Bun.spawn([process.execPath, join(import.meta.dir, "pool.fixture.ts")], { stdio: ["ignore", "inherit", "inherit", b] });
    memfd.close(b);
    const fds = pool.shareFds();
    fdpass.sendMsg(a, enc.encode(JSON.stringify({ cmd: "open" })), [fds.memfd, fds.eventfd]);
    return { proc, sock: a };
  }
  function send(c: Child, msg: unknown): void {
    fdpass.sendMsg(c.sock, enc.encode(JSON.stringify(msg)));
  }
  async function reply(c: Child): Promise<Record<string, unknown>> {
    await readable(c.sock, 10_000);
    const r = fdpass.recvMsg(c.sock, rbuf)!;
    return JSON.parse(dec.decode(rbuf.subarray(0, r.bytes)));
  }

  test(
    "slots sent by reference are read and written by the peer and come back when it releases",
    async () => {
      const fds0 = openFds();
      const pool = make(4, 4096);
      child = spawnPeer(pool);
      expect(await reply(child)).toEqual({ opened: 4, slotSize: 4096 });
      const slots: number[] = [];
      for (let i = 0; i < 4; i++) {
        const b = pool.acquire()!;
        const text = enc.encode(`frame ${i}`);
        b.data.set(text);
        slots.push(pool.detach(b));
        send(child, { cmd: "adopt", slot: slots[i], offset: 0, length: text.length, reply: `ack ${i}`, delayMs: 0 });
      }
      expect(pool.acquire()).toBeNull();
      const wake = fired(pool, 5000);
      for (let i = 0; i < 4; i++) expect(await reply(child)).toEqual({ text: `frame ${i}`, held: 1 });
      expect(await wake).toBe(true);
      // The peer's writes are in our mapping; all four slots are back.
      for (let i = 0; i < 4; i++) expect(dec.decode(pool.arena.slotView(slots[i]!).subarray(512, 517))).toBe(`ack ${i}`);
      expect(pool.stats()).toMatchObject({ inUse: 0, rejected: 0 });
      send(child, { cmd: "close" });
      expect(await reply(child)).toEqual({ held: 0, closed: true });
      expect(await child.proc.exited).toBe(0);
      memfd.close(child.sock);
      child = null;
      await pool.close();
      pools = [];
      expect(await eventually(() => openFds() === fds0)).toBe(true);
    },
    20_000,
  );

  test(
    "waitAvailable blocks on the futex until the peer releases",
    async () => {
      const pool = make(1, 1024);
      child = spawnPeer(pool);
      await reply(child);
      const b = pool.acquire()!;
      send(child, { cmd: "adopt", slot: pool.detach(b), offset: 0, length: 0, reply: "x", delayMs: 100 });
      await reply(child); // the peer holds the slot now, and releases it in ~100 ms
      expect(pool.waitAvailable(0)).toBe(false);
      const t0 = performance.now();
      expect(pool.waitAvailable(5000)).toBe(true);
      expect(performance.now() - t0).toBeLessThan(4000);
      expect(pool.acquire()).not.toBeNull();
    },
    20_000,
  );

  test(
    "a peer that closes gives back the references it still holds",
    async () => {
      const pool = make(2, 1024);
      child = spawnPeer(pool);
      await reply(child);
      const b = pool.acquire()!;
      send(child, { cmd: "hold", slot: pool.detach(b) });
      expect(await reply(child)).toEqual({ held: 2 });
      expect(pool.stats().inUse).toBe(1);
      send(child, { cmd: "close" });
      expect(await reply(child)).toEqual({ held: 0, closed: true });
      expect(await child.proc.exited).toBe(0);
      expect(pool.stats().inUse).toBe(0);
    },
    20_000,
  );
});

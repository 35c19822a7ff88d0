/**
 * The ipc library in one process: a Producer and a Consumer on two ends of a socket path, each
 * with its own mappings of the shared memory, exactly as two processes would have them (the
 * cross-process and SIGKILL cases are in elements/ipc/ipc.test.ts).
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Buffer, BufferFlag } from "../buffer.ts";
import { Caps } from "../caps/index.ts";
import { Events, type Event } from "../events.ts";
import { BufferPool } from "../memory/pool.ts";
import { eventually, openFds } from "../../ffi/testing.ts";
import * as fdpass from "../../ffi/fdpass.ts";
import * as memfd from "../../ffi/memfd.ts";
import { Consumer, ConnectError, type Received } from "./consumer.ts";
import { Producer } from "./producer.ts";
import { DescriptorRing, Wake } from "./ring.ts";
import { Ledger } from "./ledger.ts";
import { encode, FrameReader, MAX_FRAME, decodeEvent, encodeEvent } from "./protocol.ts";

const dir = mkdtempSync(join(tmpdir(), "px-ipc-"));
let n = 0;
const sockPath = () => join(dir, `s${n++}.sock`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Receives the next item, waiting through onReadable (bounded). */
async function next(c: Consumer, timeoutMs = 2000): Promise<Received> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const r = c.receive();
    if (r !== null) return r;
    if (performance.now() > deadline) throw new Error("nothing received in time");
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 50);
      c.onReadable(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }
}

async function pair(opts: { capacity?: number; returnCapacity?: number } = {}): Promise<{ p: Producer; c: Consumer; path: string }> {
  const path = sockPath();
  const p = Producer.listen(path, { name: "test-producer", ...opts });
  const c = await Consumer.connect(path, { timeoutMs: 2000, name: "test-consumer" });
  expect(await eventually(() => p.connected, 2000)).toBe(true);
  return { p, c, path };
}

describe("DescriptorRing", () => {
  test("publish/peek/advance across many wrap-arounds, returns the other way", () => {
    const prod = DescriptorRing.create({ capacity: 4, returnCapacity: 4 });
    const cons = DescriptorRing.open(prod.segment.dupFd());
    try {
      for (let i = 0; i < 1000; i++) {
        expect(prod.space()).toBe(4);
        prod.words[prod.nextSlot() + 1] = i;
        prod.publish();
        expect(prod.space()).toBe(3);
        const d = cons.peek();
        expect(cons.words[d + 1]).toBe(i);
        cons.advance();
        expect(cons.peek()).toBe(-1);
        cons.pushReturn(i % 4);
        expect(prod.takeReturn()).toBe(i % 4);
        expect(prod.takeReturn()).toBe(-1);
      }
    } finally {
      cons.close();
      prod.close();
    }
  });

  test("doorbells ring only when the other side armed them, once per arming", () => {
    const prod = DescriptorRing.create({ capacity: 8, returnCapacity: 8 });
    const cons = DescriptorRing.open(prod.segment.dupFd());
    const efd = fdpass.eventfd(0, fdpass.Efd.NONBLOCK);
    prod.dataBell = efd;
    try {
      prod.publish(); // nobody armed: no ring
      expect(fdpass.eventfdRead(efd)).toBeNull();
      expect(cons.armData(Wake.EVENTFD)).toBe(false); // a descriptor is already there
      cons.advance();
      expect(cons.armData(Wake.EVENTFD)).toBe(true);
      prod.publish();
      prod.publish();
      expect(fdpass.eventfdRead(efd)).toBe(1);
      // A thread-blocking consumer: the futex wait returns at once when data is there.
      expect(cons.waitData(10)).toBe(true);
      cons.advance();
      cons.advance();
      const t0 = performance.now();
      expect(cons.waitData(30)).toBe(false);
      expect(performance.now() - t0).toBeGreaterThanOrEqual(20);
    } finally {
      cons.close();
      prod.close();
      memfd.close(efd);
    }
  });

  test("a memfd that is not a ring is refused", () => {
    const pool = BufferPool.create({ slotSize: 64, slotCount: 2 });
    try {
      expect(() => DescriptorRing.open(pool.arena.segment.dupFd())).toThrow(/not a Parallax descriptor ring/);
    } finally {
      void pool.close();
    }
  });
});

describe("Ledger", () => {
  test("lends up to capacity, takes back once, rejects strangers, releases all", () => {
    const pool = BufferPool.create({ slotSize: 16, slotCount: 4 });
    const l = new Ledger(2);
    const a = pool.acquire()!;
    const b = pool.acquire()!;
    const c = pool.acquire()!;
    const ha = l.lend(a);
    const hb = l.lend(b);
    expect(l.lend(c)).toBe(-1);
    expect(l.full).toBe(true);
    expect(l.take(ha)).toBe(a);
    expect(l.take(ha)).toBeNull();
    expect(l.take(99)).toBeNull();
    expect(l.rejected).toBe(2);
    a.release();
    expect(l.releaseAll()).toBe(1);
    expect(hb).toBeGreaterThanOrEqual(0);
    c.release();
    expect(pool.stats().inUse).toBe(0);
    void pool.close();
  });
});

describe("protocol", () => {
  test("frames survive any chunking of the byte stream", () => {
    const bytes = [...encode({ type: "hello", version: 1, pid: 1, name: "x" }), ...encode({ type: "bye" })];
    for (let cut = 1; cut < bytes.length; cut++) {
      const r = new FrameReader();
      const got = [...r.push(new Uint8Array(bytes.slice(0, cut))), ...r.push(new Uint8Array(bytes.slice(cut)))];
      expect(got.map((m) => m.type)).toEqual(["hello", "bye"]);
    }
    expect(() => encode({ type: "event", event: { type: "custom", name: "big", data: "x".repeat(MAX_FRAME) } })).toThrow(/frame limit/);
  });

  test("events round-trip, caps as caps", () => {
    const caps = Caps.parse("video/x-raw,format=I420,width=320,height=240,framerate=30/1");
    const ev = decodeEvent(JSON.parse(JSON.stringify(encodeEvent(Events.caps(caps)))));
    expect(ev.type === "caps" && ev.caps.isEqual(caps)).toBe(true);
    expect(decodeEvent(encodeEvent(Events.segment({ start: 5 })))).toEqual(Events.segment({ start: 5 }));
    expect(() => decodeEvent({ type: "nonsense" })).toThrow(/unknown event type/);
  });
});

describe("Producer and Consumer", () => {
  test("the consumer may start first; buffers go by reference, heap ones are copied once", async () => {
    const path = sockPath();
    const connecting = Consumer.connect(path, { timeoutMs: 3000, retryIntervalMs: 10 });
    await Bun.sleep(60);
    const p = Producer.listen(path);
    const c = await connecting;
    const pool = BufferPool.create({ slotSize: 4096, slotCount: 4, name: "ipc-test-pool" });
    try {
      expect(c.producerPid).toBe(process.pid);
      expect(p.trySendEvent(Events.streamStart("s"))).toBe("ok");
      expect(p.trySendEvent(Events.caps(Caps.parse("audio/x-raw,rate=48000")))).toBe("ok");
      const b = pool.acquire()!;
      b.data.fill(7);
      b.pts = 123_456_789;
      b.duration = 1000;
      b.offset = 42;
      b.sequence = 9;
      b.flags = BufferFlag.KEYFRAME;
      const view = b.data;
      expect(p.trySend(b)).toBe("ok");
      const heap = Buffer.fromString("copied once");
      expect(p.trySend(heap)).toBe("ok");
      const whole = pool.acquire()!;
      const slice = whole.slice(100, 200); // a sub-range of a slot goes by reference too
      whole.release();
      expect(p.trySend(slice)).toBe("ok");
      expect(p.trySendEvent(Events.eos())).toBe("ok");

      const got: Received[] = [];
      for (let i = 0; i < 6; i++) got.push(await next(c));
      expect(got.map((x) => (x instanceof Buffer ? "buffer" : x.type))).toEqual(["stream-start", "caps", "buffer", "buffer", "buffer", "eos"]);
      const rb = got[2] as Buffer;
      expect(rb.size).toBe(4096);
      expect(rb.data[4095]).toBe(7);
      expect([rb.pts, rb.duration, rb.offset, rb.sequence, rb.flags]).toEqual([123_456_789, 1000, 42, 9, BufferFlag.KEYFRAME]);
      // Same memory, another mapping: a write on the producer's side shows on the consumer's.
      view[0] = 99;
      expect(rb.data[0]).toBe(99);
      expect((got[3] as Buffer).text()).toBe("copied once");
      expect((got[4] as Buffer).size).toBe(100);
      expect(p.stats()).toMatchObject({ sent: 3, byReference: 2, copied: 1, copiedBytes: 11, events: 3 });
      expect(pool.stats().inUse).toBe(2);
      // Dropping the buffers on the consumer's side gives the slots back to the producer's pool.
      const clone = rb.clone();
      rb.release();
      (got[3] as Buffer).release();
      (got[4] as Buffer).release();
      expect(await eventually(() => p.stats().lent === 1, 2000)).toBe(true);
      expect(pool.stats().inUse).toBe(1);
      clone.release();
      expect(await eventually(() => p.stats().lent === 0 && pool.stats().inUse === 0, 2000)).toBe(true);
    } finally {
      await c.close();
      await p.close();
      await pool.close();
    }
    expect(existsSync(path)).toBe(false);
  });

  test("a full ring says full and gives the buffer back; onWritable fires when the consumer reads", async () => {
    const { p, c } = await pair({ capacity: 4 });
    const pool = BufferPool.create({ slotSize: 64, slotCount: 16 });
    try {
      let sent = 0;
      let b = pool.acquire()!;
      while (p.trySend(b) === "ok") {
        sent++;
        b = pool.acquire()!;
      }
      // Each send needs two free entries (room for a pool announcement); the first used both.
      expect(sent).toBe(2);
      expect(b.memory).not.toBeNull(); // still ours
      const writable = new Promise<void>((r) => p.onWritable(r));
      const first = (await next(c)) as Buffer;
      await writable;
      expect(p.trySend(b)).toBe("ok");
      first.release();
      for (let i = 0; i < 2; i++) ((await next(c)) as Buffer).release();
      expect(await eventually(() => pool.stats().inUse === 0, 2000)).toBe(true);
    } finally {
      await c.close();
      await p.close();
      await pool.close();
    }
  });

  test("when the consumer leaves, everything it held or had not read comes back to the pool", async () => {
    const { p, c } = await pair();
    const pool = BufferPool.create({ slotSize: 1024, slotCount: 8 });
    const gone = new Promise<import("./producer.ts").DisconnectInfo>((r) => (p.onDisconnect = r));
    try {
      for (let i = 0; i < 8; i++) expect(p.trySend(pool.acquire()!)).toBe("ok");
      const held = [(await next(c)) as Buffer, (await next(c)) as Buffer];
      expect(pool.stats().inUse).toBe(8);
      await c.close();
      const info = await gone;
      expect(info.reason).toBe("closed");
      expect(info.reclaimed).toBe(8);
      expect(info.unread).toBe(6);
      expect(pool.stats().inUse).toBe(0);
      // The consumer keeps its mapping while it holds buffers: they stay readable.
      expect(held[0]!.size).toBe(1024);
      for (const h of held) h.release();
    } finally {
      await p.close();
      await pool.close();
    }
  });

  test("the next consumer gets the sticky events first and a DISCONT buffer", async () => {
    const { p, c, path } = await pair();
    try {
      p.trySendEvent(Events.streamStart("one"));
      p.trySendEvent(Events.caps(Caps.parse("text/plain")));
      p.trySendEvent(Events.segment({ start: 10 }));
      p.trySend(Buffer.fromString("first"));
      expect(((await next(c)) as Event).type).toBe("stream-start");
      await c.close();
      expect(await eventually(() => !p.connected, 2000)).toBe(true);
      const c2 = await Consumer.connect(path, { timeoutMs: 2000 });
      try {
        expect(await eventually(() => p.connected, 2000)).toBe(true);
        expect(p.trySend(Buffer.fromString("second"))).toBe("ok");
        const items: Received[] = [];
        for (let i = 0; i < 4; i++) items.push(await next(c2));
        expect(items.slice(0, 3).map((x) => (x as Event).type)).toEqual(["stream-start", "caps", "segment"]);
        const b = items[3] as Buffer;
        expect(b.text()).toBe("second");
        expect(b.hasFlag(BufferFlag.DISCONT)).toBe(true);
        b.release();
      } finally {
        await c2.close();
      }
    } finally {
      await p.close();
    }
  });

  test("when the producer closes, the consumer reads what was published, then sees it closed", async () => {
    const { p, c } = await pair();
    p.trySend(Buffer.fromString("a"));
    p.trySend(Buffer.fromString("b"));
    await p.close();
    const a = (await next(c)) as Buffer;
    const b = (await next(c)) as Buffer;
    expect([a.text(), b.text()]).toEqual(["a", "b"]);
    expect(await next(c)).toEqual({ type: "disconnected", reason: "closed", detail: undefined });
    a.release();
    b.release();
    await c.close();
  });

  test("connecting times out with what to do, and can be aborted", async () => {
    const path = sockPath();
    await expect(Consumer.connect(path, { timeoutMs: 60, retryIntervalMs: 10 })).rejects.toThrow(ConnectError);
    await expect(Consumer.connect(path, { timeoutMs: 60, retryIntervalMs: 10 })).rejects.toThrow(/start the producer/);
    const ac = new AbortController();
    const pending = Consumer.connect(path, { timeoutMs: -1, signal: ac.signal });
    setTimeout(() => ac.abort(new Error("stop waiting")), 30);
    await expect(pending).rejects.toThrow(/stop waiting/);
  });

  test("listen replaces a stale socket but not a live producer or another file", async () => {
    const path = sockPath();
    const stale = fdpass.unixListen(path);
    memfd.close(stale); // a producer that died: the file stays
    expect(existsSync(path)).toBe(true);
    const p = Producer.listen(path);
    expect(() => Producer.listen(path)).toThrow(/another producer is listening/);
    await p.close();
    const file = join(dir, "not-a-socket");
    writeFileSync(file, "keep me");
    expect(() => Producer.listen(file)).toThrow(/is not a socket/);
    expect(existsSync(file)).toBe(true);
  });

  test("attach: the same channel over a socketpair instead of a path (for spawned element hosts)", async () => {
    const [a, b] = fdpass.socketpair();
    const p = Producer.attach(a, { name: "attached" });
    const c = await Consumer.attach(b, { timeoutMs: 2000 });
    try {
      expect(p.path).toBe("");
      expect(c.producerName).toBe("attached");
      expect(await eventually(() => p.connected, 2000)).toBe(true);
      expect(p.trySend(Buffer.fromString("over a socketpair"))).toBe("ok");
      const got = (await next(c)) as Buffer;
      expect(got.text()).toBe("over a socketpair");
      got.release();
    } finally {
      await c.close();
      await p.close();
    }
  });

  test("repeated connections leave fds flat", async () => {
    const fds0 = openFds();
    for (let i = 0; i < 5; i++) {
      const { p, c } = await pair();
      p.trySend(Buffer.fromString("x"));
      ((await next(c)) as Buffer).release();
      await c.close();
      await p.close();
    }
    expect(await eventually(() => openFds() <= fds0, 2000)).toBe(true);
  });
});

/**
 * Bridges as a black box, both ends in one thread (the cross-thread behaviour is covered by
 * the pipeline tests in scheduling.test.ts): order of buffers and events, metadata, pool slots
 * by reference (same memory, shared refcount), heap buffers copied once (and counted), empty
 * buffers without memory, backpressure that takes nothing, the flow result coming back, and
 * teardown that gives back slots and fds.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { Buffer, BufferFlag } from "../src/buffer.ts";
import { Caps } from "../src/caps/index.ts";
import { type Event, Events } from "../src/events.ts";
import { Flow } from "../src/flow.ts";
import { BufferPool, SlotMemory } from "../src/memory/index.ts";
import { BridgeReader, BridgeWriter, bridgeStats, decodeEvent, encodeEvent, WriteResult } from "../src/scheduling/bridge.ts";
import { Ring } from "../src/scheduling/ring.ts";
import { eventually, openFds } from "../ffi/testing.ts";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function bridge(capacity = 16) {
  const ring = Ring.create(capacity);
  const writer = new BridgeWriter(ring, ring.consumerTarget(), "w");
  const reader = new BridgeReader(new Ring(ring.sab), ring.producerTarget(), "r");
  cleanups.push(() => writer.close(), () => reader.close());
  return { ring, writer, reader };
}

function heapBuffer(text: string, i: number): Buffer {
  const b = Buffer.fromString(text);
  b.pts = i * 1_000_000;
  b.dts = i * 1_000_000 - 1;
  b.duration = 1_000_000;
  b.offset = i * 10;
  b.offsetEnd = i * 10 + text.length;
  b.sequence = i;
  b.streamId = 3;
  b.flags = i % 2 ? BufferFlag.DISCONT | BufferFlag.MARKER : BufferFlag.KEYFRAME;
  return b;
}

describe("bridge", () => {
  test("buffers and events arrive in order, with their metadata; heap buffers are copied once", () => {
    const { ring, writer, reader } = bridge(64);
    const caps = Caps.parse("video/x-raw,format=I420,width=320,height=240,framerate=30/1");
    const sent: (string | Event)[] = [];
    expect(writer.writeEvent(Events.streamStart("s/0"))).toBe(WriteResult.OK);
    expect(writer.writeEvent(Events.caps(caps))).toBe(WriteResult.OK);
    expect(writer.writeEvent(Events.segment({ start: 5 }))).toBe(WriteResult.OK);
    for (let i = 0; i < 5; i++) {
      expect(writer.writeBuffer(heapBuffer(`payload ${i}`, i))).toBe(WriteResult.OK);
      sent.push(`payload ${i}`);
    }
    expect(writer.writeEvent(Events.custom("marker", { n: 7, text: "x".repeat(300) }))).toBe(WriteResult.OK);
    expect(writer.writeEvent(Events.eos())).toBe(WriteResult.OK);

    const got: (Buffer | Event)[] = [];
    for (let x = reader.read(); x !== null; x = reader.read()) got.push(x);
    expect(got.map((x) => (x instanceof Buffer ? "buffer" : x.type))).toEqual([
      "stream-start",
      "caps",
      "segment",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "custom",
      "eos",
    ]);
    expect((got[1] as { caps: Caps }).caps.isEqual(caps)).toBe(true);
    expect((got[2] as { segment: { start: number } }).segment.start).toBe(5);
    expect((got[8] as { data: unknown }).data).toEqual({ n: 7, text: "x".repeat(300) });
    const bufs = got.filter((x): x is Buffer => x instanceof Buffer);
    bufs.forEach((b, i) => {
      const ref = heapBuffer(`payload ${i}`, i);
      expect(b.text()).toBe(`payload ${i}`);
      expect([b.pts, b.dts, b.duration, b.offset, b.offsetEnd, b.sequence, b.streamId, b.flags]).toEqual([
        ref.pts,
        ref.dts,
        ref.duration,
        ref.offset,
        ref.offsetEnd,
        ref.sequence,
        ref.streamId,
        ref.flags,
      ]);
      // The copy lives in a memfd slot of the bridge's pool.
      expect(b.memory).toBeInstanceOf(SlotMemory);
      b.release();
    });
    expect(bridgeStats(ring)).toMatchObject({ buffers: 5, copied: 5, byReference: 0, copiedBytes: 45, events: 5, pools: 1 });
  });

  test("pool buffers cross by reference: same memory, one shared refcount, the slot comes back", () => {
    const { ring, writer, reader } = bridge();
    const pool = BufferPool.create({ slotSize: 256, slotCount: 4, name: "px-test-bridge" });
    cleanups.push(() => pool.close());
    const b = pool.acquire(100)!;
    b.data.fill(7);
    b.pts = 42;
    const slot = pool.slotOf(b);
    expect(writer.writeBuffer(b)).toBe(WriteResult.OK);
    expect(b.memory).toBeNull(); // the reference went with the descriptor
    const got = reader.read() as Buffer;
    expect(got.pts).toBe(42);
    expect(got.size).toBe(100);
    expect(got.data[99]).toBe(7);
    // Writes through the consumer's mapping show in the producer's view of the slot.
    got.data[0] = 99;
    expect(pool.arena.slotView(slot)[0]).toBe(99);
    const clone = got.clone();
    got.release();
    expect(pool.stats().inUse).toBe(1);
    clone.release();
    expect(pool.stats().inUse).toBe(0);
    expect(bridgeStats(ring)).toMatchObject({ buffers: 1, byReference: 1, copied: 0, pools: 1 });
  });

  test("empty buffers carry no memory", () => {
    const { ring, writer, reader } = bridge();
    const b = new Buffer(new Uint8Array(0));
    b.sequence = 9;
    expect(writer.writeBuffer(b)).toBe(WriteResult.OK);
    const got = reader.read() as Buffer;
    expect([got.size, got.sequence, got.memory]).toEqual([0, 9, null]);
    expect(bridgeStats(ring)).toMatchObject({ empty: 1, copied: 0, pools: 0 });
  });

  test("a full ring takes nothing and says so; reading frees room", () => {
    const { ring, writer, reader } = bridge(16);
    let n = 0;
    // The first buffer also registers the copy pool (one more entry).
    while (writer.writeBuffer(heapBuffer("x", n)) === WriteResult.OK) n++;
    expect(n).toBe(15);
    const refused = heapBuffer("refused", 99);
    expect(writer.writeBuffer(refused)).toBe(WriteResult.FULL);
    expect(refused.text()).toBe("refused"); // still the caller's
    expect(writer.writeEvent(Events.eos())).toBe(WriteResult.FULL);
    expect(bridgeStats(ring).full).toBe(1); // one wait, however many refused writes
    (reader.read() as Buffer).release();
    expect(writer.writeBuffer(refused)).toBe(WriteResult.OK);
    let left = 0;
    for (let x = reader.read(); x !== null; x = reader.read()) {
      (x as Buffer).release();
      left++;
    }
    expect(left).toBe(15);
  });

  test("an exhausted copy pool takes nothing (NO_MEMORY) until the consumer releases", () => {
    const ring = Ring.create(16);
    const writer = new BridgeWriter(ring, ring.consumerTarget(), "w", 4);
    const reader = new BridgeReader(ring, ring.producerTarget(), "r");
    cleanups.push(() => writer.close(), () => reader.close());
    for (let i = 0; i < 4; i++) expect(writer.writeBuffer(heapBuffer("abc", i))).toBe(WriteResult.OK);
    expect(writer.writeBuffer(heapBuffer("abc", 4))).toBe(WriteResult.NO_MEMORY);
    expect(writer.starved).not.toBeNull();
    const held = [reader.read() as Buffer, reader.read() as Buffer];
    expect(writer.writeBuffer(heapBuffer("abc", 4))).toBe(WriteResult.NO_MEMORY); // read but still held
    held[0]!.release();
    expect(writer.writeBuffer(heapBuffer("abc", 4))).toBe(WriteResult.OK);
    held[1]!.release();
    expect(bridgeStats(ring).noMemory).toBe(1);
  });

  test("the consumer's flow result comes back to the producer; stream-start clears it", () => {
    const { writer, reader } = bridge();
    expect(writer.flow).toBe(Flow.OK);
    reader.setFlow(Flow.EOS);
    expect(writer.flow).toBe(Flow.EOS);
    writer.writeEvent(Events.streamStart("again"));
    expect(writer.flow).toBe(Flow.OK);
  });

  test("teardown: unread entries and unopened pool fds are given back", async () => {
    const fds = openFds();
    const ring = Ring.create(16);
    const writer = new BridgeWriter(ring, ring.consumerTarget(), "w");
    const pool = BufferPool.create({ slotSize: 64, slotCount: 4, name: "px-test-reclaim" });
    for (let i = 0; i < 3; i++) writer.writeBuffer(pool.acquire()!);
    writer.writeBuffer(heapBuffer("copied", 0));
    expect(pool.stats().inUse).toBe(3);
    // The consumer never ran: the producer takes everything back.
    expect(writer.reclaimUnread()).toBe(4);
    expect(pool.stats().inUse).toBe(0);
    await writer.close();
    await pool.close();
    expect(await eventually(() => openFds() === fds, 2000)).toBe(true);
  });

  test("a reader that closes releases what it never delivered", async () => {
    const { writer, reader } = bridge();
    const pool = BufferPool.create({ slotSize: 64, slotCount: 4, name: "px-test-drain" });
    cleanups.push(() => pool.close());
    writer.writeBuffer(pool.acquire()!);
    writer.writeBuffer(pool.acquire()!);
    expect(pool.stats().inUse).toBe(2);
    await reader.close();
    expect(pool.stats().inUse).toBe(0);
  });

  test("events survive the JSON codec", () => {
    const evs: Event[] = [
      Events.flushStart(),
      Events.flushStop(false),
      Events.gap(10, 20),
      Events.segment({ rate: 2, start: 1, stop: 9, base: 3, format: "bytes" }),
      Events.caps(Caps.parse("audio/x-raw,format=F32LE,rate=48000,channels=2")),
    ];
    for (const e of evs) {
      const back = decodeEvent(encodeEvent(e));
      if (e.type === "caps") expect((back as typeof e).caps.isEqual(e.caps)).toBe(true);
      else expect(back).toEqual(e);
    }
  });
});

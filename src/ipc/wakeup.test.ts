/**
 * Lost wake-ups between a producer that finds its ring full and a consumer that makes progress
 * at that very moment (in another process, any instant is possible). Each test replays one
 * interleaving deterministically by stepping the consumer inside the producer's space check.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Events } from "../events.ts";
import { BufferPool } from "../memory/pool.ts";
import { eventually } from "../../ffi/testing.ts";
import * as fdpass from "../../ffi/fdpass.ts";
import { Consumer } from "./consumer.ts";
import { Producer } from "./producer.ts";
import * as protocol from "./protocol.ts";
import { closeFd, DESC, DescriptorRing, Kind, RING_HEADER } from "./ring.ts";

const dir = mkdtempSync(join(tmpdir(), "px-ipcwake-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `step` once, inside the producer's next space() check that finds fewer than `below`
 * free entries — between its reading of HEAD and its arming of the space doorbell. */
function duringNextFullCheck(below: number, step: (ring: DescriptorRing) => void): () => void {
  const space = DescriptorRing.prototype.space;
  let armed = true;
  DescriptorRing.prototype.space = function (this: DescriptorRing): number {
    const s = space.call(this);
    if (armed && s < below) {
      armed = false;
      step(this);
    }
    return s;
  };
  return () => {
    DescriptorRing.prototype.space = space;
  };
}

describe("wake-ups around a full ring", () => {
  test("the consumer reads while the producer finds the ring full: the sender is still told to retry", async () => {
    const path = join(dir, "a.sock");
    const p = Producer.listen(path, { capacity: 4 });
    const c = await Consumer.connect(path, { timeoutMs: 2000 });
    expect(await eventually(() => p.connected, 2000)).toBe(true);
    try {
      for (let i = 0; i < 4; i++) expect(p.trySendEvent(Events.segment({ start: i }))).toBe("ok");
      // The ring is full; the consumer takes one event just after the producer read HEAD.
      let read: unknown = null;
      const restore = duringNextFullCheck(1, () => (read = c.receive()));
      let r: string;
      try {
        r = p.trySendEvent(Events.segment({ start: 4 }));
      } finally {
        restore();
      }
      expect(read).not.toBeNull();
      expect(r).toBe("full");
      // The sender waits as the contract says; the progress it raced with must reach it.
      let writable = false;
      p.onWritable(() => (writable = true));
      expect(await eventually(() => writable, 2000)).toBe(true);
      expect(p.trySendEvent(Events.segment({ start: 4 }))).toBe("ok");
    } finally {
      await c.close();
      await p.close();
    }
  });

  test("the consumer's advance lands between the producer's HEAD read and its arming: returns still come back", async () => {
    // A hand-driven consumer, so its advance can be split where another process may be
    // pre-empted: HEAD stored before the producer arms, the wake word read after it disarmed.
    const [a, b] = fdpass.socketpair() as [number, number];
    const p = Producer.attach(a, { capacity: 4 });
    const pool = BufferPool.create({ slotSize: 64, slotCount: 8 });
    let welcome: ReturnType<typeof protocol.receive> = null;
    fdpass.setNonblocking(b, true);
    protocol.send(b, { type: "hello", version: protocol.PROTOCOL_VERSION, pid: process.pid, name: "hand" });
    expect(await eventually(() => (welcome = protocol.receive(b)) !== null, 2000)).toBe(true);
    const fds = welcome!.fds;
    const cons = DescriptorRing.open(fds[0]!);
    cons.spaceBell = fds[2]!;
    try {
      expect(p.trySend(pool.acquire()!)).toBe("ok"); // pool announcement + buffer
      expect(p.trySend(pool.acquire()!)).toBe("ok");
      const third = pool.acquire()!;
      const restore = duringNextFullCheck(2, (ring) => {
        // The consumer's store of HEAD past the pool announcement (its wake-word check comes later).
        Atomics.store(ring.header, RING_HEADER.HEAD >> 2, Atomics.load(ring.header, RING_HEADER.HEAD >> 2) + 1);
      });
      try {
        expect(p.trySend(third)).toBe("full");
      } finally {
        restore();
      }
      // The consumer's deferred wake-word check: ring only if still armed (what advance() does).
      if (Atomics.load(cons.header, RING_HEADER.SPACE_WAKE >> 2) !== 0) fdpass.eventfdWrite(cons.spaceBell, 1);
      expect(p.trySend(third)).toBe("ok");
      // The consumer reads and drops all three buffers; nothing more is sent. The producer
      // must still take the handles back and release the slots.
      for (let d = cons.peek(); d >= 0; d = cons.peek()) {
        expect(cons.words[d + (DESC.KIND >> 2)]).toBe(Kind.BUFFER);
        const handle = cons.words[d + (DESC.HANDLE >> 2)]!;
        cons.advance();
        cons.pushReturn(handle);
      }
      expect(pool.stats().inUse).toBe(3);
      expect(await eventually(() => pool.stats().inUse === 0, 2000)).toBe(true);
    } finally {
      for (const fd of [b, fds[1]!, fds[2]!, fds[3]!]) closeFd(fd); // fds[0] belongs to the ring
      cons.close();
      await p.close();
      await pool.close();
    }
  });
});

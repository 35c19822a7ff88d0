/** BufferPool.closeWhenIdle: the pool goes when the last buffer out comes back, not before. */
import { describe, expect, test } from "bun:test";
import { mappingsNamed, openFds } from "../../ffi/testing.ts";
import * as memfd from "../../ffi/memfd.ts";
import { BufferPool } from "./pool.ts";

describe("BufferPool.closeWhenIdle", () => {
  test("with nothing out it closes at once", () => {
    const fds0 = openFds();
    const p = BufferPool.create({ slotSize: 64, slotCount: 4, name: "idle-now" });
    p.closeWhenIdle();
    expect(p.closed).toBe(true);
    expect(mappingsNamed("idle-now")).toBe(0);
    expect(openFds()).toBe(fds0);
  });

  test("with buffers out it waits for the last release; acquire() is refused meanwhile", () => {
    const p = BufferPool.create({ slotSize: 64, slotCount: 4, name: "idle-later" });
    const a = p.acquire()!;
    const b = p.acquire()!;
    const c = b.clone();
    a.data[0] = 7;
    p.closeWhenIdle();
    expect(p.closed).toBe(false);
    expect(p.acquire()).toBeNull();
    a.release();
    b.release();
    expect(p.closed).toBe(false);
    expect(c.data[0]).toBe(0);
    expect(mappingsNamed("idle-later")).toBe(1);
    c.release();
    expect(p.closed).toBe(true);
    expect(mappingsNamed("idle-later")).toBe(0);
  });

  test("a slot held by a peer (another mapping, released through the ring) is waited for too", async () => {
    const owner = BufferPool.create({ slotSize: 64, slotCount: 2, name: "idle-peer" });
    const fds = owner.shareFds();
    const peer = BufferPool.open({ memfd: memfd.dup(fds.memfd), eventfd: memfd.dup(fds.eventfd) });
    const b = owner.acquire()!;
    const slot = owner.detach(b);
    const held = peer.adopt(slot);
    owner.closeWhenIdle();
    expect(owner.closed).toBe(false);
    held.release(); // the peer drops the last reference: it goes back through the release ring
    const deadline = performance.now() + 2000;
    while (!owner.closed && performance.now() < deadline) await Bun.sleep(2);
    expect(owner.closed).toBe(true);
    await peer.close();
  });
});

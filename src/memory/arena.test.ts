import { describe, expect, test } from "bun:test";
import * as memfd from "../../ffi/memfd.ts";
import { openFds } from "../../ffi/testing.ts";
import { Arena, ARENA_MAGIC, ARENA_VERSION, arenaLayout, HEADER, MAX_SLOTS } from "./arena.ts";
import { Segment } from "./segment.ts";

describe("arena layout", () => {
  test("small slots are cache-line aligned, large ones page aligned, slots start on a page", () => {
    const small = arenaLayout(10, 100);
    expect(small.slotStride).toBe(128);
    expect(small.slotsOffset % memfd.PAGE_SIZE).toBe(0);
    expect(small.ringSize).toBe(16);
    expect(small.refcountOffset).toBe(HEADER.FIXED_BYTES);
    expect(small.generationOffset).toBe(HEADER.FIXED_BYTES + 40);
    expect(small.ringOffset).toBe(HEADER.FIXED_BYTES + 80);
    expect(small.ringOffset + 4 * small.ringSize).toBeLessThanOrEqual(small.slotsOffset);
    const big = arenaLayout(3, 5000);
    expect(big.slotStride).toBe(8192);
    expect(big.totalBytes).toBe(big.slotsOffset + 3 * 8192);
    expect(arenaLayout(4, 100, 4096).slotStride).toBe(4096);
  });

  test("header words do not overlap and sit on 4-byte boundaries", () => {
    const offsets = Object.entries(HEADER)
      .filter(([k]) => k !== "FIXED_BYTES")
      .map(([, v]) => v)
      .sort((a, b) => a - b);
    for (let i = 0; i < offsets.length; i++) {
      expect(offsets[i]! % 4).toBe(0);
      if (i > 0) expect(offsets[i]!).toBeGreaterThanOrEqual(offsets[i - 1]! + 4);
    }
    expect(offsets.at(-1)! + 4).toBeLessThanOrEqual(HEADER.FIXED_BYTES);
  });

  test("bad geometry is refused", () => {
    expect(() => arenaLayout(0, 64)).toThrow(RangeError);
    expect(() => arenaLayout(MAX_SLOTS + 1, 64)).toThrow(RangeError);
    expect(() => arenaLayout(4, 0)).toThrow(RangeError);
    expect(() => arenaLayout(4, 64, 48)).toThrow(RangeError);
  });
});

describe("Arena", () => {
  test("create writes the header; open from the memfd reads the same geometry and memory", () => {
    const fds0 = openFds();
    const owner = Arena.create({ slotCount: 5, slotSize: 1000 });
    const h = new DataView(owner.segment.buffer);
    expect(h.getUint32(HEADER.MAGIC, true)).toBe(ARENA_MAGIC);
    expect(h.getUint32(HEADER.VERSION, true)).toBe(ARENA_VERSION);
    expect(owner.ownerPid).toBe(process.pid);
    const peer = Arena.open(owner.segment.dupFd());
    expect(peer.layout).toEqual(owner.layout);
    owner.slotView(4)[999] = 9;
    expect(peer.slotView(4)[999]).toBe(9);
    expect(peer.slotAddress(0) - peer.segment.address).toBe(owner.layout.slotsOffset);
    Atomics.add(peer.refcounts, 3, 2);
    expect(owner.refcounts[3]).toBe(2);
    peer.close();
    owner.close();
    expect(openFds()).toBe(fds0);
  });

  test("open refuses a memfd that is not an arena, and closes it", () => {
    const fds0 = openFds();
    const seg = Segment.create(8192);
    expect(() => Arena.open(seg.dupFd())).toThrow("bad magic");
    seg.bytes.set([0x50, 0x58, 0x41, 0x52, 99], 0); // right magic, wrong version
    expect(() => Arena.open(seg.dupFd())).toThrow("version 99");
    seg.close();
    expect(openFds()).toBe(fds0);
  });

  test("release ring: peers push, the owner takes in order, across many wrap-arounds", () => {
    const owner = Arena.create({ slotCount: 3, slotSize: 64 });
    const peer = Arena.open(owner.segment.dupFd());
    try {
      expect(owner.takeRelease()).toBe(-1);
      for (let round = 0; round < 1000; round++) {
        expect(peer.pushRelease(round % 3)).toBe(false);
        expect(peer.pushRelease((round + 1) % 3)).toBe(false);
        expect(owner.hasRelease()).toBe(true);
        expect(owner.takeRelease()).toBe(round % 3);
        expect(owner.takeRelease()).toBe((round + 1) % 3);
        expect(owner.takeRelease()).toBe(-1);
      }
      owner.setWaiting(true);
      const seq = owner.releaseSeq();
      expect(peer.pushRelease(2)).toBe(true);
      expect(owner.releaseSeq()).toBe(seq + 1);
      expect(owner.takeRelease()).toBe(2);
    } finally {
      peer.close();
      owner.close();
    }
  });
});

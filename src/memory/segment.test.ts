import { describe, expect, test } from "bun:test";
import * as memfd from "../../ffi/memfd.ts";
import { mappingsNamed, openFds } from "../../ffi/testing.ts";
import { DEFAULT_SEALS, Segment } from "./segment.ts";

describe("Segment", () => {
  test("create rounds to pages, seals, maps once; a second mapping sees the same bytes", () => {
    const fds0 = openFds();
    const seg = Segment.create(5000, { name: "px-seg-a" });
    expect(seg.size).toBe(8192);
    expect(seg.buffer.byteLength).toBe(8192);
    expect(seg.seals() & DEFAULT_SEALS).toBe(DEFAULT_SEALS);
    const other = Segment.open(seg.dupFd());
    expect(mappingsNamed("px-seg-a")).toBe(2);
    seg.bytes[4097] = 42;
    expect(other.bytes[4097]).toBe(42);
    other.bytes[0] = 7;
    expect(seg.bytes[0]).toBe(7);
    other.close();
    seg.close();
    expect(mappingsNamed("px-seg-a")).toBe(0);
    expect(openFds()).toBe(fds0);
  });

  test("close detaches every view, so late access is harmless; close is idempotent", () => {
    const seg = Segment.create(4096, { name: "px-seg-b" });
    const sub = seg.bytes.subarray(10, 20);
    const words = new Int32Array(seg.buffer, 64, 4);
    sub[0] = 1;
    seg.close();
    seg.close();
    expect(seg.closed).toBe(true);
    expect(sub.length).toBe(0);
    expect(sub[0]).toBeUndefined();
    sub[0] = 5; // dropped, not a write into unmapped memory
    expect(() => Atomics.add(words, 0, 1)).toThrow(TypeError);
    expect(mappingsNamed("px-seg-b")).toBe(0);
  });

  test("open refuses an unsealed memfd (and closes it), or an empty one", () => {
    const fds0 = openFds();
    const fd = memfd.memfdCreate("px-seg-unsealed");
    memfd.ftruncate(fd, 4096);
    expect(() => Segment.open(fd)).toThrow("not sealed against shrinking");
    expect(openFds()).toBe(fds0);
    expect(() => Segment.open(memfd.memfdCreate("px-seg-empty"), { requireSeals: false })).toThrow("is empty");
    expect(openFds()).toBe(fds0);
    const plain = memfd.memfdCreate("px-seg-trusted");
    memfd.ftruncate(plain, 4096);
    const trusted = Segment.open(plain, { requireSeals: false });
    expect(trusted.size).toBe(4096);
    trusted.close();
    expect(openFds()).toBe(fds0);
  });
});

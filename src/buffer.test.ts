import { describe, expect, test } from "bun:test";
import { Buffer, BufferFlag, type Memory } from "./buffer.ts";

class CountingMemory implements Memory {
  kind = "test";
  refs = 1;
  returned = 0;
  ref() {
    this.refs++;
  }
  unref() {
    if (--this.refs === 0) this.returned++;
  }
}

describe("Buffer", () => {
  test("clone shares memory and copies metadata in O(1)", () => {
    const m = new CountingMemory();
    const b = new Buffer(new Uint8Array([1, 2, 3]), m);
    b.pts = 5;
    b.flags = BufferFlag.KEYFRAME;
    const c = b.clone();
    expect(c.data).toBe(b.data);
    expect(c.pts).toBe(5);
    expect(c.hasFlag(BufferFlag.KEYFRAME)).toBe(true);
    expect(m.refs).toBe(2);
    b.release();
    expect(m.returned).toBe(0);
    c.release();
    expect(m.returned).toBe(1);
    c.release(); // idempotent per holder
    expect(m.refs).toBe(0);
  });

  test("slice shares a byte range and holds a reference", () => {
    const m = new CountingMemory();
    const b = new Buffer(new Uint8Array([1, 2, 3, 4]), m);
    const s = b.slice(1, 3);
    expect([...s.data]).toEqual([2, 3]);
    s.data[0] = 9;
    expect(b.data[1]).toBe(9);
    expect(m.refs).toBe(2);
  });

  test("flags set and clear", () => {
    const b = Buffer.alloc(0);
    b.setFlag(BufferFlag.DISCONT);
    b.setFlag(BufferFlag.GAP);
    b.setFlag(BufferFlag.DISCONT, false);
    expect(b.flags).toBe(BufferFlag.GAP);
  });
});

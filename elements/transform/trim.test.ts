import { describe, expect, test } from "bun:test";
import { Buffer, PropertyError } from "../../src/index.ts";
import { Harness } from "../../src/testing/harness.ts";
import { parseEscapes } from "./escapes.ts";
import { PadBytes } from "./pad.ts";
import { Slice } from "./slice.ts";
import { Trim } from "./trim.ts";

const run = (el: Trim | Slice | PadBytes, inputs: (string | Uint8Array)[]) => {
  const h = new Harness(el);
  for (const i of inputs) h.push(i);
  const out = h.pullAll().map((b) => b.data.slice());
  h.teardown();
  return out;
};
const text = (a: Uint8Array[]) => a.map((x) => new TextDecoder().decode(x));

describe("byte ops: trim, slice, pad", () => {
  test("escapes: \\n \\r \\t \\0 \\\\ \\xHH, unknown ones refused", () => {
    expect([...parseEscapes("a\\n\\r\\t\\0\\\\\\x41")]).toEqual([97, 10, 13, 9, 0, 92, 65]);
    expect([...parseEscapes("é")]).toEqual([0xc3, 0xa9]);
    expect(() => parseEscapes("\\q")).toThrow(/unknown escape/);
    expect(() => parseEscapes("\\xZ1")).toThrow(/two hex digits/);
  });

  test("trim cuts head and tail bytes and strips chars, without copying", () => {
    const t = new Trim("t", { head: 1, tail: 1, chars: " \\n" });
    const h = new Harness(t);
    const b = Buffer.fromString("[  hello \n]");
    const mem = b.data.buffer;
    h.push(b);
    const out = h.pull()!;
    expect(out.text()).toBe("hello");
    expect(out.data.buffer).toBe(mem);
    h.teardown();
    expect(text(run(new Trim("t", { head: 9 }), ["abc"]))).toEqual([""]);
    expect(() => new Trim("t", { chars: "\\q" }).configure()).toThrow(PropertyError);
  });

  test("slice keeps a range; negative offsets count from the end; ranges are clipped", () => {
    expect(text(run(new Slice("s", { offset: 2, length: 3 }), ["0123456789"]))).toEqual(["234"]);
    expect(text(run(new Slice("s", { offset: -3 }), ["0123456789"]))).toEqual(["789"]);
    expect(text(run(new Slice("s", { offset: 8, length: 10 }), ["0123456789"]))).toEqual(["89"]);
    expect(text(run(new Slice("s", { offset: 20 }), ["0123456789"]))).toEqual([""]);
  });

  test("pad grows to a size or a multiple with a fill byte, at the end or the start", () => {
    expect(run(new PadBytes("p", { size: 5, value: 0x2e }), ["ab"]).map((x) => [...x])).toEqual([[97, 98, 46, 46, 46]]);
    expect(run(new PadBytes("p", { multiple: 4, side: "start" }), ["abcde"]).map((x) => [...x])).toEqual([[0, 0, 0, 97, 98, 99, 100, 101]]);
    // Long enough already: passed on unchanged (same memory).
    const p = new PadBytes("p", { size: 2 });
    const h = new Harness(p);
    const b = Buffer.fromString("abc");
    b.pts = 42;
    const mem = b.data.buffer;
    h.push(b);
    expect(h.pull()!.data.buffer).toBe(mem);
    const short = Buffer.fromString("a");
    short.pts = 7;
    h.push(short);
    const padded = h.pull()!;
    expect([padded.size, padded.pts]).toEqual([2, 7]);
    h.teardown();
  });
});

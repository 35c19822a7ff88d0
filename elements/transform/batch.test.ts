import { describe, expect, test } from "bun:test";
import { Buffer, Events, Flow, MSECOND } from "../../src/index.ts";
import { Harness } from "../../src/testing/harness.ts";
import { Batch, BATCH_META } from "./batch.ts";
import { Unbatch } from "./unbatch.ts";

function stamped(text: string, ms: number): Buffer {
  const b = Buffer.fromString(text);
  b.pts = ms * MSECOND;
  b.duration = MSECOND;
  return b;
}

describe("batch / unbatch", () => {
  test("count: N buffers become one, with boundaries and timestamps in the metadata", () => {
    const h = new Harness(new Batch("b", { count: 3 }));
    h.setCaps("ANY");
    h.push(stamped("ab", 0));
    h.push(stamped("c", 1));
    expect(h.pull()).toBeUndefined();
    h.push(stamped("def", 2));
    const out = h.pull()!;
    expect(out.text()).toBe("abcdef");
    expect(out.meta?.[BATCH_META]).toEqual({ sizes: [2, 1, 3], pts: [0, MSECOND, 2 * MSECOND] });
    expect([out.pts, out.duration]).toEqual([0, 3 * MSECOND]);
    h.teardown();
  });

  test("bytes: the batch goes once it holds that many bytes", () => {
    const h = new Harness(new Batch("b", { count: 0, bytes: 4 }));
    for (const s of ["ab", "c", "de", "f"]) h.push(s);
    expect(h.pullAll().map((b) => b.text())).toEqual(["abcde"]);
    h.teardown();
  });

  test("timeout: a partial batch goes that long after its first buffer (pipeline clock)", () => {
    const h = new Harness(new Batch("b", { count: 100, timeout: 10 * MSECOND }));
    h.setCaps("ANY");
    h.crank();
    h.push("a");
    h.advance(5 * MSECOND);
    h.push("b");
    h.advance(4 * MSECOND);
    expect(h.pull()).toBeUndefined();
    h.advance(1 * MSECOND);
    expect(h.pullAll().map((b) => b.text())).toEqual(["ab"]);
    h.push("c");
    h.advance(10 * MSECOND);
    expect(h.pullAll().map((b) => b.text())).toEqual(["c"]);
    h.teardown();
  });

  test("EOS sends the open batch first", () => {
    const h = new Harness(new Batch("b", { count: 10 }));
    h.setCaps("ANY");
    h.push("x");
    h.pushEvent(Events.eos());
    expect(h.pullAll().map((b) => b.text())).toEqual(["x"]);
    expect(h.events().at(-1)?.type).toBe("eos");
    h.teardown();
  });

  test("all limits off is refused", () => {
    expect(() => new Batch("b", { count: 0 }).configure()).toThrow(/would never be sent/);
  });

  test("unbatch (meta) restores the parts as views on the batch, with their pts", () => {
    const b = new Harness(new Batch("b", { count: 2 }));
    b.push(stamped("hello", 7));
    b.push(stamped("world", 8));
    const batch = b.pull()!;
    const u = new Harness(new Unbatch("u", {}));
    expect(u.push(batch)).toBe(Flow.OK);
    const parts = u.pullAll();
    expect(parts.map((p) => p.text())).toEqual(["hello", "world"]);
    expect(parts.map((p) => p.pts / MSECOND)).toEqual([7, 8]);
    expect(parts[1]!.data.buffer).toBe(batch.data.buffer);
    expect(parts[0]!.meta).toBeNull();
    // A plain buffer is a batch of one.
    u.push("plain");
    expect(u.pull()!.text()).toBe("plain");
    b.teardown();
    u.teardown();
  });

  test("length-prefixed framing survives losing the metadata; garbage is a stream error", () => {
    const b = new Harness(new Batch("b", { count: 3, framing: "length-prefixed" }));
    for (const s of ["a", "", "xyz"]) b.push(s);
    const batch = b.pull()!;
    expect(batch.size).toBe(4 * 3 + 4);
    const copy = Buffer.wrap(batch.data.slice()); // as if read back from a file
    const u = new Harness(new Unbatch("u", { framing: "length-prefixed" }));
    u.push(copy);
    expect(u.pullAll().map((p) => p.text())).toEqual(["a", "", "xyz"]);
    expect(u.push(Buffer.wrap(new Uint8Array([9, 0, 0, 0, 1])))).toBe(Flow.ERROR);
    expect(u.errors().length).toBe(1);
    b.teardown();
    u.teardown();
  });
});

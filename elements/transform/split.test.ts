import { describe, expect, test } from "bun:test";
import { Buffer, Events, Flow, MSECOND, PropertyError } from "../../src/index.ts";
import { Harness } from "../../src/testing/harness.ts";
import { ConcatBytes } from "./concat-bytes.ts";
import { Join } from "./join.ts";
import { Split } from "./split.ts";

function feed(el: Split | Join | ConcatBytes, chunks: string[], eos = true): { out: string[]; h: Harness } {
  const h = new Harness(el);
  h.setCaps("ANY");
  for (const c of chunks) h.push(c);
  if (eos) h.pushEvent(Events.eos());
  return { out: h.pullAll().map((b) => b.text()), h };
}

describe("split / join / concat-bytes", () => {
  test("split cuts at newlines, carrying records across buffers; the last record goes at EOS", () => {
    const { out, h } = feed(new Split("s", {}), ["one\ntw", "o\nthr", "ee\n\nfour"]);
    expect(out).toEqual(["one", "two", "three", "", "four"]);
    h.teardown();
  });

  test("split: records inside one buffer are views (no copy); offsets and sequence are set", () => {
    const h = new Harness(new Split("s", {}));
    const b = Buffer.fromString("a\nbb\n");
    b.pts = 5 * MSECOND;
    const mem = b.data.buffer;
    h.push(b);
    const out = h.pullAll();
    expect(out.map((x) => [x.text(), x.offset, x.sequence, x.pts])).toEqual([
      ["a", 0, 0, 5 * MSECOND],
      ["bb", 2, 1, 5 * MSECOND],
    ]);
    expect(out[0]!.data.buffer).toBe(mem);
    h.teardown();
  });

  test("split: multi-byte delimiters, also when split across buffers, even one byte at a time", () => {
    const crlf = feed(new Split("s", { delimiter: "\\r\\n" }), ["a\r", "\nb\r\nc"]);
    expect(crlf.out).toEqual(["a", "b", "c"]);
    crlf.h.teardown();
    const bytes = "x--|y--|--|z".split("");
    const long = feed(new Split("s", { delimiter: "--|" }), bytes);
    expect(long.out).toEqual(["x", "y", "", "z"]);
    long.h.teardown();
    const kept = feed(new Split("s", { delimiter: "--|", keepDelimiter: true, skipEmpty: true }), ["x-", "-|", "--|z"]);
    expect(kept.out).toEqual(["x--|", "--|", "z"]);
    kept.h.teardown();
  });

  test("split: a record longer than max-size is a stream error; an empty delimiter is refused", () => {
    const h = new Harness(new Split("s", { maxSize: 4 }));
    expect(h.push("abc")).toBe(Flow.OK);
    expect(h.push("defg")).toBe(Flow.ERROR);
    expect(h.errors().length).toBe(1);
    h.teardown();
    expect(() => new Split("s", { delimiter: "" }).configure()).toThrow(PropertyError);
  });

  test("join lays records end to end with a separator, N per output; trailing terminates each", () => {
    const all = feed(new Join("j", { separator: ", " }), ["a", "b", "c"]);
    expect(all.out).toEqual(["a, b, c"]);
    all.h.teardown();
    const pairs = feed(new Join("j", { separator: "+", count: 2 }), ["1", "2", "3", "4", "5"]);
    expect(pairs.out).toEqual(["1+2", "3+4", "5"]);
    pairs.h.teardown();
    const lines = feed(new Join("j", { separator: "\\n", count: 1, trailing: true }), ["x", "y"]);
    expect(lines.out).toEqual(["x\n", "y\n"]);
    lines.h.teardown();
  });

  test("split then join gives the stream back", () => {
    const s = feed(new Split("s", {}), ["l1\nl2", "\nl3\n"]);
    const j = new Harness(new Join("j", { separator: "\\n", trailing: true }));
    for (const r of s.out) j.push(r);
    j.pushEvent(Events.eos());
    expect(j.pull()!.text()).toBe("l1\nl2\nl3\n");
    s.h.teardown();
    j.teardown();
  });

  test("concat-bytes re-cuts into fixed blocks; the last is shorter; blocksize=0 gathers all", () => {
    const c = feed(new ConcatBytes("c", { blocksize: 4 }), ["ab", "cdefghi", "j"]);
    expect(c.out).toEqual(["abcd", "efgh", "ij"]);
    c.h.teardown();
    const all = feed(new ConcatBytes("c", { blocksize: 0 }), ["ab", "cd"]);
    expect(all.out).toEqual(["abcd"]);
    all.h.teardown();
  });

  test("concat-bytes: blocks carry their stream offset and the pts of their first byte", () => {
    const h = new Harness(new ConcatBytes("c", { blocksize: 3 }));
    const a = Buffer.fromString("abcd");
    a.pts = 10;
    const b = Buffer.fromString("ef");
    b.pts = 20;
    h.push(a);
    h.push(b);
    const out = h.pullAll();
    expect(out.map((x) => [x.text(), x.offset, x.pts, x.sequence])).toEqual([
      ["abc", 0, 10, 0],
      ["def", 3, 10, 1],
    ]);
    h.teardown();
  });
});

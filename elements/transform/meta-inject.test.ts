import { describe, expect, test } from "bun:test";
import { Buffer, PropertyError } from "../../src/index.ts";
import { Harness } from "../../src/testing/harness.ts";
import { MetaExtract } from "./meta-extract.ts";
import { MetaInject, parseFields } from "./meta-inject.ts";

describe("meta-inject / meta-extract", () => {
  test("fields parse as key=value (typed, quoted) or JSON; bad text is refused", () => {
    expect(parseFields('cam=front, zone=3, live=true, ratio=0.5, name="a, b"')).toEqual({ cam: "front", zone: 3, live: true, ratio: 0.5, name: "a, b" });
    expect(parseFields('{"zone": [1, 2]}')).toEqual({ zone: [1, 2] });
    expect(() => new MetaInject("m", { fields: "novalue" }).configure()).toThrow(PropertyError);
    expect(() => new MetaInject("m", { fields: "[1]" }).configure()).toThrow(/JSON|"="/);
  });

  test("inject shares one frozen record for bare buffers and merges into existing ones", () => {
    const m = new MetaInject("m", { fields: "zone=3" });
    const h = new Harness(m);
    h.push("a");
    h.push("b");
    const withMeta = Buffer.fromString("c");
    withMeta.meta = { zone: 1, cam: "x" };
    const shared = withMeta.meta;
    h.push(withMeta);
    const [a, b, c] = h.pullAll();
    expect(a!.meta).toBe(b!.meta!);
    expect(Object.isFrozen(a!.meta)).toBe(true);
    expect(c!.meta).toEqual({ zone: 3, cam: "x" });
    expect(shared).toEqual({ zone: 1, cam: "x" }); // the original record is untouched
    m.set("overwrite", false);
    const d = Buffer.fromString("d");
    d.meta = { zone: 1 };
    h.push(d);
    expect(h.pull()!.meta).toEqual({ zone: 1 });
    h.teardown();
  });

  test("extract posts the selected keys and calls onMeta; strip removes them", () => {
    const x = new MetaExtract("x", { keys: "zone", strip: true });
    const seen: unknown[] = [];
    x.onMeta = (meta) => seen.push(meta);
    const h = new Harness(x);
    const b = Buffer.fromString("v");
    b.meta = { zone: 2, other: 1 };
    b.sequence = 4;
    h.push(b);
    h.push("no meta");
    expect(seen).toEqual([{ zone: 2 }]);
    const msgs = h.messages.filter((m) => m.type === "element" && m.name === "meta").map((m) => (m.type === "element" ? m.data : null));
    expect(msgs).toEqual([{ sequence: 4, pts: -1, meta: { zone: 2 } }]);
    expect(h.pullAll().map((o) => o.meta)).toEqual([null, null]);
    h.teardown();
  });

  test("extract output=json renders one JSON line per buffer", () => {
    const h = new Harness(new MetaExtract("x", { output: "json", post: false }));
    const b = Buffer.fromString("payload");
    b.meta = { k: "v" };
    b.pts = 5;
    h.push(b);
    expect(h.pull()!.text()).toBe('{"pts":5,"sequence":0,"meta":{"k":"v"}}\n');
    h.teardown();
  });
});

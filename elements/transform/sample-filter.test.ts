import { describe, expect, test } from "bun:test";
import { Buffer, Events, Flow, PropertyError } from "../../src/index.ts";
import { Harness } from "../../src/testing/harness.ts";
import { DuplicateFilter } from "./duplicate-filter.ts";
import { RegexFilter } from "./regex-filter.ts";
import { SampleFilter } from "./sample-filter.ts";

const nums = (n: number) => Array.from({ length: n }, (_, i) => String(i));

describe("sample-filter / duplicate-filter / regex-filter", () => {
  test("every-nth keeps 0, n, 2n, …", () => {
    const h = new Harness(new SampleFilter("s", { n: 3 }));
    for (const v of nums(8)) h.push(v);
    expect(h.pullAll().map((b) => b.text())).toEqual(["0", "3", "6"]);
    h.teardown();
  });

  test("first-n passes n buffers, sends EOS downstream and returns EOS upstream", () => {
    const h = new Harness(new SampleFilter("s", { mode: "first-n", n: 2 }));
    h.setCaps("ANY");
    expect(h.push("a")).toBe(Flow.OK);
    expect(h.push("b")).toBe(Flow.EOS);
    expect(h.push("c")).toBe(Flow.EOS);
    h.pushEvent(Events.eos()); // upstream's own EOS is not sent twice
    expect(h.pullAll().map((b) => b.text())).toEqual(["a", "b"]);
    expect(h.events().filter((e) => e.type === "eos").length).toBe(1);
    h.teardown();
  });

  test("random keeps about `probability` of the buffers, the same ones for the same seed", () => {
    const pick = (seed: number) => {
      const h = new Harness(new SampleFilter("s", { mode: "random", probability: 0.25, seed }));
      for (const v of nums(2000)) h.push(v);
      const out = h.pullAll().map((b) => b.text());
      h.teardown();
      return out;
    };
    const a = pick(42);
    expect(a).toEqual(pick(42));
    expect(a).not.toEqual(pick(43));
    expect(a.length).toBeGreaterThan(400);
    expect(a.length).toBeLessThan(600);
  });

  test("duplicate-filter drops bytes seen among the last `window` buffers", () => {
    const one = new Harness(new DuplicateFilter("d", {}));
    for (const v of ["a", "a", "b", "a", "a"]) one.push(v);
    expect(one.pullAll().map((b) => b.text())).toEqual(["a", "b", "a"]);
    one.teardown();
    const d = new DuplicateFilter("d", { window: 3 });
    const h = new Harness(d);
    for (const v of ["a", "b", "a", "c", "d", "a", "b"]) h.push(v);
    // "a" at index 5: the last three kept were b, c, d → new again.
    expect(h.pullAll().map((b) => b.text())).toEqual(["a", "b", "c", "d", "a", "b"]);
    expect(d.dropped).toBe(1);
    h.teardown();
  });

  test("duplicate-filter key=sequence / pts; untimed buffers always pass the pts key", () => {
    const h = new Harness(new DuplicateFilter("d", { key: "pts", window: 10 }));
    for (const pts of [1, 2, 1, -1, -1]) {
      const b = Buffer.alloc(1);
      b.pts = pts;
      h.push(b);
    }
    expect(h.pullAll().map((b) => b.pts)).toEqual([1, 2, -1, -1]);
    h.teardown();
  });

  test("regex-filter keeps matching text, or the rest with invert; bad patterns are refused", () => {
    const h = new Harness(new RegexFilter("r", { pattern: "^err", flags: "i" }));
    for (const v of ["ERROR: x", "info", "err y"]) h.push(v);
    expect(h.pullAll().map((b) => b.text())).toEqual(["ERROR: x", "err y"]);
    h.teardown();
    const v = new Harness(new RegexFilter("r", { pattern: "^#", invert: true }));
    for (const s of ["# comment", "code"]) v.push(s);
    expect(v.pullAll().map((b) => b.text())).toEqual(["code"]);
    v.teardown();
    expect(() => new RegexFilter("r", { pattern: "(" }).configure()).toThrow(PropertyError);
    expect(() => new RegexFilter("r", { flags: "g" }).configure()).toThrow(/stateful/);
  });
});

import { describe, expect, test } from "bun:test";
import { Buffer, Events, FakeSink, Flow, launch, Pipeline, PipelineError, PropertyError, registry } from "../../src/index.ts";
import { Harness } from "../../src/testing/harness.ts";
import { FilterElement } from "./filter.ts";
import { FilterMapElement } from "./filter-map.ts";
import { FlatMapElement } from "./flat-map.ts";
import { transformElements } from "./index.ts";
import { MapElement } from "./map.ts";

registry.register(...transformElements);

describe("map / filter / filter-map / flat-map", () => {
  test("map runs the function on each buffer; returning another buffer releases the input", () => {
    let released = 0;
    const h = new Harness(new MapElement("m", { fn: (b: Buffer) => Buffer.fromString(b.text().toUpperCase()) }));
    const input = Buffer.fromString("abc");
    input.memory = { kind: "system", ref() {}, unref: () => released++ };
    h.push(input);
    expect(h.pull()!.text()).toBe("ABC");
    expect(released).toBe(1);
    h.teardown();
  });

  test("filter keeps what the function accepts", () => {
    const f = new FilterElement("f", { fn: (b: Buffer) => b.size % 2 === 0 });
    const h = new Harness(f);
    for (const s of ["a", "bb", "ccc", "dddd"]) h.push(s);
    expect(h.pullAll().map((b) => b.text())).toEqual(["bb", "dddd"]);
    expect(f.dropped).toBe(2);
    h.teardown();
  });

  test("filter-map maps and drops in one step", () => {
    const h = new Harness(new FilterMapElement("fm", { fn: (b: Buffer) => (b.size > 2 ? b.slice(2) : null) }));
    for (const s of ["xxhello", "no", "xxworld"]) h.push(s);
    expect(h.pullAll().map((b) => b.text())).toEqual(["hello", "world"]);
    h.teardown();
  });

  test("flat-map sends every result in order; stops at the first refusal", () => {
    const fm = new FlatMapElement("fm", { fn: (b: Buffer) => b.text().split(",").map((s) => Buffer.fromString(s)) });
    const h = new Harness(fm);
    h.push("a,b,c");
    h.push("");
    expect(h.pullAll().map((b) => b.text())).toEqual(["a", "b", "c", ""]);
    h.setDownstreamFlow(Flow.EOS);
    expect(h.push("x,y")).toBe(Flow.EOS);
    h.teardown();
  });

  test("the function can be set as a field before running", () => {
    const m = new MapElement("m", {});
    m.fn = (b) => b;
    const h = new Harness(m);
    h.push("same");
    expect(h.pull()!.text()).toBe("same");
    h.teardown();
  });

  test("a function that throws becomes a stream error on the bus, not an exception", () => {
    const h = new Harness(new MapElement("m", { fn: () => { throw new Error("boom"); } }));
    expect(h.push("x")).toBe(Flow.ERROR);
    const err = h.errors()[0]!;
    expect(err.type === "error" && err.message).toBe("m: the map function threw: boom");
    h.teardown();
  });

  test("caps= declares the output format for negotiation", () => {
    const m = new MapElement("m", { fn: (b: Buffer) => b, caps: "text/x-raw" }).configure();
    expect(m.transformCaps("sink", m.pads[0]!.template.caps).toString()).toBe("text/x-raw");
    expect(() => new MapElement("m", { caps: "not caps ((" }).configure()).toThrow(PropertyError);
  });

  test("in a launch string without a function, the pipeline refuses to start and says how to give one", async () => {
    const p = launch("fakesrc num-buffers=1 ! map name=m ! fakesink");
    await expect(p.run()).rejects.toThrow(/m \(map\) has no function to run: map is an API element/);
    expect(() => launch('fakesrc ! filter fn="x => true" ! fakesink')).toThrow(/must be a JavaScript function/);
    // Setting the field on the launched element makes it work.
    const q = launch("fakesrc num-buffers=3 ! map name=m ! fakesink name=s signal-handoffs=true");
    let n = 0;
    (q.getElement("m") as MapElement).fn = (b) => {
      n++;
      return b;
    };
    await q.run();
    expect(n).toBe(3);
  });

  test("pipeline.make passes the function through the registry", async () => {
    const p = new Pipeline();
    const src = p.make("fakesrc", { numBuffers: 4, sizetype: "fixed", sizemax: 3 });
    const seen: number[] = [];
    const f = p.make("filter", { fn: (b: Buffer) => b.sequence % 2 === 1 });
    const sink = p.make("fakesink", { signalHandoffs: true }) as FakeSink;
    sink.onHandoff = (b) => seen.push(b.sequence);
    p.chain(src, f, sink);
    await p.run();
    expect(seen).toEqual([1, 3]);
    expect(PipelineError).toBeDefined();
    expect(Events).toBeDefined();
  });
});

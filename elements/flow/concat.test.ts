import { describe, expect, test } from "bun:test";
import { Buffer, Events, FakeSink, launch, MSECOND, registry, TIME_NONE } from "../../src/index.ts";
import { Harness } from "../../src/testing/harness.ts";
import { flowCatalog } from "./catalog.ts";
import { Concat } from "./concat.ts";

registry.register(...flowCatalog);

function timed(text: string, ms: number, durMs = 10): Buffer {
  const b = Buffer.fromString(text);
  b.pts = ms * MSECOND;
  b.duration = durMs * MSECOND;
  return b;
}

describe("concat", () => {
  test("plays the inputs one after another; a waiting input's task is blocked until its turn", () => {
    const c = new Concat("c", {});
    const h = new Harness(c);
    const b = h.addInput();
    h.setCaps("ANY", 0);
    h.setCaps("ANY", b);
    h.push(timed("b0", 0), b);
    expect(h.blockedInput(b)).toBe(true);
    h.push(timed("a0", 0), 0);
    h.push(timed("a1", 10), 0);
    expect(h.pullAll().map((x) => x.text())).toEqual(["a0", "a1"]);
    expect(c.activePad?.name).toBe("sink_0");
    h.pushEvent(Events.eos(), 0);
    // sink_1 is active now: what it kept went out, and its task may go on.
    expect(c.activePad?.name).toBe("sink_1");
    expect(h.blockedInput(b)).toBe(false);
    h.push(timed("b1", 10), b);
    const out = h.pullAll();
    expect(out.map((x) => x.text())).toEqual(["b0", "b1"]);
    // Timestamps continue after the first input's 20 ms.
    expect(out.map((x) => x.pts / MSECOND)).toEqual([20, 30]);
    expect(h.events().some((e) => e.type === "eos")).toBe(false);
    h.pushEvent(Events.eos(), b);
    expect(h.events().at(-1)?.type).toBe("eos");
    h.teardown();
  });

  test("each input's stream-start and caps go out when it becomes active; one segment per stream", () => {
    const h = new Harness(new Concat("c", {}));
    const b = h.addInput();
    h.setCaps("text/x-raw,part=1", 0);
    h.setCaps("text/x-raw,part=2", b);
    h.push("a", 0);
    h.pushEvent(Events.eos(), 0);
    h.push("b", b);
    const seen = h.events().map((e) => (e.type === "caps" ? `caps:${e.caps.structures[0]!.get("part")}` : e.type));
    expect(seen).toEqual(["stream-start", "caps:1", "segment", "stream-start", "caps:2", "segment"]);
    h.teardown();
  });

  test("adjust-base=false leaves timestamps and segments as they are", () => {
    const h = new Harness(new Concat("c", { adjustBase: false }));
    const b = h.addInput();
    h.setCaps("ANY", 0);
    h.setCaps("ANY", b);
    h.push(timed("a", 0), 0);
    h.pushEvent(Events.eos(), 0);
    h.push(timed("b", 0), b);
    expect(h.pullAll().map((x) => x.pts)).toEqual([0, 0]);
    h.teardown();
  });

  test("input segments are turned into running time before the offset is added", () => {
    const h = new Harness(new Concat("c", {}));
    h.pushEvent(Events.streamStart("s"));
    h.pushEvent(Events.segment({ start: 100 * MSECOND }));
    h.push(timed("x", 100));
    h.push(Buffer.fromString("untimed"));
    const out = h.pullAll();
    expect(out[0]!.pts).toBe(0);
    expect(out[1]!.pts).toBe(TIME_NONE);
    const seg = h.events().find((e) => e.type === "segment");
    expect(seg).toEqual(Events.segment({ format: "time" }));
    h.teardown();
  });

  test("an input that ended before its turn is skipped straight away", () => {
    const c = new Concat("c", {});
    const h = new Harness(c);
    const b = h.addInput();
    const d = h.addInput();
    h.pushEvent(Events.streamStart("b"), b);
    h.pushEvent(Events.eos(), b);
    h.push(timed("d", 0), d);
    h.pushEvent(Events.eos(), 0);
    expect(c.activePad?.name).toBe("sink_2");
    expect(h.pullAll().map((x) => x.text())).toEqual(["d"]);
    h.teardown();
  });

  test("in a launch string two sources play in order and the pipeline ends", async () => {
    const p = launch(
      "concat name=c ! fakesink name=out signal-handoffs=true  " +
        "fakesrc num-buffers=3 sizetype=fixed sizemax=1 ! c.  fakesrc num-buffers=4 sizetype=fixed sizemax=2 ! c.",
    );
    const sizes: number[] = [];
    (p.getElement("out") as FakeSink).onHandoff = (x) => sizes.push(x.size);
    await p.run();
    expect(sizes).toEqual([1, 1, 1, 2, 2, 2, 2]);
  });
});

import { describe, expect, test } from "bun:test";
import { AppSink, Buffer, Events, Flow, launch, registry } from "../../src/index.ts";
import { Harness } from "../../src/testing/harness.ts";
import { flowCatalog } from "./catalog.ts";
import { Funnel } from "./funnel.ts";

registry.register(...flowCatalog);

const types = (h: Harness) => h.events().map((e) => (e.type === "stream-start" ? `stream-start:${e.streamId}` : e.type));

describe("funnel", () => {
  test("merges inputs in arrival order, resending each input's sticky events when data switches", () => {
    const h = new Harness(new Funnel("f", {}));
    const b = h.addInput();
    h.setCaps("text/x-raw", 0);
    h.setCaps("text/x-raw", b);
    // Nothing goes out before data: downstream must see the stream-start of the data's input.
    expect(h.events()).toEqual([]);
    h.push("a0", 0);
    h.push("a1", 0);
    h.push("b0", b);
    h.push("a2", 0);
    expect(h.pullAll().map((x) => x.text())).toEqual(["a0", "a1", "b0", "a2"]);
    expect(types(h)).toEqual([
      "stream-start:harness", "caps", "segment",
      "stream-start:harness/1", "caps", "segment",
      "stream-start:harness", "caps", "segment",
    ]);
    h.teardown();
  });

  test("sends EOS only once every input has received EOS", () => {
    const h = new Harness(new Funnel("f", {}));
    const b = h.addInput();
    h.setCaps("ANY", 0);
    h.setCaps("ANY", b);
    h.push("x", 0);
    h.pushEvent(Events.eos(), 0);
    expect(h.events().some((e) => e.type === "eos")).toBe(false);
    expect(h.push("late", 0)).toBe(Flow.EOS); // the ended input refuses data
    expect(h.push("y", b)).toBe(Flow.OK);
    h.pushEvent(Events.eos(), b);
    expect(h.events().filter((e) => e.type === "eos").length).toBe(1);
    expect(h.pullAll().map((x) => x.text())).toEqual(["x", "y"]);
    h.teardown();
  });

  test("flush-stop clears an input's EOS", () => {
    const h = new Harness(new Funnel("f", {}));
    const b = h.addInput();
    h.pushEvent(Events.eos(), 0);
    h.pushEvent(Events.flushStart(), 0);
    h.pushEvent(Events.flushStop(), 0);
    h.pushEvent(Events.eos(), b);
    expect(h.events().some((e) => e.type === "eos")).toBe(false);
    h.pushEvent(Events.eos(), 0);
    expect(h.events().at(-1)?.type).toBe("eos");
    h.teardown();
  });

  test("forward-sticky-events=false keeps the first input's events only", () => {
    const h = new Harness(new Funnel("f", { forwardStickyEvents: false }));
    const b = h.addInput();
    h.setCaps("ANY", 0);
    h.setCaps("ANY", b);
    h.push("a", 0);
    h.push("b", b);
    h.push("a", 0);
    expect(types(h)).toEqual(["stream-start:harness", "caps", "segment"]);
    expect(h.pullAll().length).toBe(3);
    h.teardown();
  });

  test("upstream events go to every input", () => {
    const h = new Harness(new Funnel("f", {}));
    h.addInput();
    const seen: string[] = [];
    for (const f of h.feeders) {
      f.event = (pad, ev) => {
        seen.push(`${pad.element.name}:${ev.type}`);
        return true;
      };
    }
    expect(h.pushUpstreamEvent(Events.custom("hello", 1, false))).toBe(true);
    expect(seen).toEqual(["harness-feeder:custom", "harness-feeder1:custom"]);
    h.teardown();
  });

  test("in a pipeline, two sources of different lengths merge and the pipeline ends", async () => {
    const p = launch("fakesrc num-buffers=30 ! funnel name=f ! appsink name=out max-buffers=1000  fakesrc num-buffers=20 ! f.");
    const out = p.getElement("out") as AppSink;
    await p.run();
    let n = 0;
    for (let b = out.tryPull(); b; b = out.tryPull()) n++;
    expect(n).toBe(50);
  });
});

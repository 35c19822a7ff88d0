import { describe, expect, test } from "bun:test";
import { Buffer, Events, FakeSink, Flow, launch, PropertyError, registry } from "../../src/index.ts";
import { Harness } from "../../src/testing/harness.ts";
import { flowCatalog } from "./catalog.ts";
import { OutputSelector } from "./output-selector.ts";

registry.register(...flowCatalog);

const kinds = (h: Harness, out: number) => h.events(out).map((e) => e.type);

describe("output-selector", () => {
  test("sends to the first output by default; caps go to all outputs (pad-negotiation-mode=all)", () => {
    const sel = new OutputSelector("sel", {});
    const h = new Harness(sel); // requests src_0
    const b = h.addOutput();
    h.setCaps("text/x-raw");
    h.push("x");
    expect(h.pullAll(0).map((x) => x.text())).toEqual(["x"]);
    expect(h.pullAll(b)).toEqual([]);
    expect(kinds(h, 0)).toEqual(["stream-start", "caps", "segment"]);
    expect(kinds(h, b)).toEqual(["caps"]);
    h.teardown();
  });

  test("a switch at run time takes effect at the next buffer, with the missing sticky events first", () => {
    const sel = new OutputSelector("sel", {});
    const h = new Harness(sel);
    const b = h.addOutput();
    h.setCaps("text/x-raw");
    h.push("1");
    sel.running = true;
    sel.set("activePad", "src_1");
    h.push("2");
    expect(h.pullAll(0).map((x) => x.text())).toEqual(["1"]);
    expect(h.pullAll(b).map((x) => x.text())).toEqual(["2"]);
    expect(kinds(h, b)).toEqual(["caps", "stream-start", "segment"]);
    expect(() => sel.set("activePad", "src_9")).toThrow(PropertyError);
    h.teardown();
  });

  test("resend-latest sends the last buffer again on the new output", () => {
    const sel = new OutputSelector("sel", { resendLatest: true });
    const h = new Harness(sel);
    const b = h.addOutput();
    h.setCaps("ANY");
    h.push("last");
    sel.set("activePad", "src_1");
    h.push("next");
    expect(h.pullAll(b).map((x) => x.text())).toEqual(["last", "next"]);
    h.teardown();
  });

  test("pad-negotiation-mode=active sends caps to the active output only; none sends no caps", () => {
    for (const [mode, expected] of [
      ["active", ["stream-start", "caps", "segment"]],
      ["none", ["stream-start", "segment"]],
    ] as const) {
      const h = new Harness(new OutputSelector("sel", { padNegotiationMode: mode }));
      const b = h.addOutput();
      h.setCaps("text/x-raw");
      expect(kinds(h, 0)).toEqual([...expected]);
      expect(kinds(h, b)).toEqual([]);
      h.teardown();
    }
  });

  test("EOS and flushes reach every output", () => {
    const h = new Harness(new OutputSelector("sel", {}));
    const b = h.addOutput();
    h.setCaps("ANY");
    h.pushEvent(Events.flushStart());
    h.pushEvent(Events.flushStop());
    h.pushEvent(Events.eos());
    expect(kinds(h, b)).toEqual(["caps", "flush-start", "flush-stop", "eos"]);
    expect(h.push(Buffer.alloc(1))).toBe(Flow.EOS);
    h.teardown();
  });

  test("in a launch string: both branches end; data goes to the chosen one", async () => {
    const p = launch(
      "fakesrc num-buffers=9 ! output-selector name=s active-pad=src_1  s.src_0 ! fakesink name=a signal-handoffs=true  s.src_1 ! fakesink name=b signal-handoffs=true",
    );
    let a = 0;
    let b = 0;
    (p.getElement("a") as FakeSink).onHandoff = () => a++;
    (p.getElement("b") as FakeSink).onHandoff = () => b++;
    await p.run();
    expect({ a, b }).toEqual({ a: 0, b: 9 });
  });
});

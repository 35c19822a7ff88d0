import { describe, expect, test } from "bun:test";
import { Buffer, Events, FakeSink, launch, MSECOND, registry } from "../../src/index.ts";
import { Harness } from "../../src/testing/harness.ts";
import { Delay } from "./delay.ts";
import { timingElements } from "./index.ts";

registry.register(...timingElements);

function at(h: Harness, text: string, ptsMs: number): void {
  const b = Buffer.fromString(text);
  b.pts = ptsMs * MSECOND;
  h.push(b);
}

describe("delay", () => {
  test("holds each buffer for `delay` of running time and shifts its timestamps", () => {
    const h = new Harness(new Delay("d", { delay: 10 * MSECOND }));
    h.setCaps("ANY");
    at(h, "a", 0);
    h.crank();
    expect(h.pull()).toBeUndefined();
    h.advance(4 * MSECOND);
    at(h, "b", 4);
    h.advance(5 * MSECOND);
    expect(h.pull()).toBeUndefined();
    h.advance(1 * MSECOND); // 10 ms
    const a = h.pull()!;
    expect(a.text()).toBe("a");
    expect(a.pts).toBe(10 * MSECOND);
    expect(h.pull()).toBeUndefined();
    h.advance(4 * MSECOND); // 14 ms
    expect(h.pull()!.pts).toBe(14 * MSECOND);
    h.teardown();
  });

  test("events keep their place among the buffers; EOS leaves after the last buffer", () => {
    const h = new Harness(new Delay("d", { delay: 5 * MSECOND }));
    h.setCaps("ANY");
    at(h, "a", 0);
    h.pushEvent(Events.custom("mark", 1));
    h.pushEvent(Events.eos());
    expect(h.events().map((e) => e.type)).toEqual(["stream-start", "caps", "segment"]);
    h.advance(5 * MSECOND);
    expect(h.events().map((e) => e.type)).toEqual(["stream-start", "caps", "segment", "custom", "eos"]);
    expect(h.pullAll().length).toBe(1);
    h.teardown();
  });

  test("max-buffers blocks the upstream task until a buffer leaves", () => {
    const h = new Harness(new Delay("d", { delay: MSECOND, maxBuffers: 2 }));
    h.setCaps("ANY");
    at(h, "a", 0);
    expect(h.blocked).toBe(false);
    at(h, "b", 0);
    expect(h.blocked).toBe(true);
    h.advance(MSECOND);
    expect(h.blocked).toBe(false);
    expect(h.pullAll().map((x) => x.text())).toEqual(["a", "b"]);
    h.teardown();
  });

  test("flush-start drops what waits; adjust-timestamps=false keeps pts", () => {
    const d = new Delay("d", { delay: MSECOND, adjustTimestamps: false });
    const h = new Harness(d);
    h.setCaps("ANY");
    at(h, "gone", 0);
    h.pushEvent(Events.flushStart());
    h.pushEvent(Events.flushStop());
    expect(d.queued).toBe(0);
    at(h, "kept", 0);
    h.advance(MSECOND);
    const out = h.pullAll();
    expect(out.map((x) => x.text())).toEqual(["kept"]);
    expect(out[0]!.pts).toBe(0);
    h.teardown();
  });

  test("in a running pipeline on the system clock, data and EOS come through", async () => {
    const p = launch("fakesrc num-buffers=5 ! delay delay=2000000 ! fakesink name=s signal-handoffs=true");
    let n = 0;
    (p.getElement("s") as FakeSink).onHandoff = () => n++;
    const t0 = performance.now();
    await p.run();
    expect(n).toBe(5);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(1.5);
  });
});

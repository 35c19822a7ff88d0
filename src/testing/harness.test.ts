import { describe, expect, test } from "bun:test";
import { Buffer, Events, FakeSink, Flow, MSECOND, Queue } from "../index.ts";
import { Harness } from "./harness.ts";

describe("Harness", () => {
  test("a sync sink renders at the buffer's running time on the manual clock", () => {
    const sink = new FakeSink("s", { sync: true });
    const h = new Harness(sink);
    h.pushEvent(Events.streamStart("x"));
    const b = Buffer.alloc(1);
    b.pts = 40 * MSECOND;
    expect(h.push(b)).toBe(Flow.OK);
    expect(sink.rendered).toBe(0);
    expect(h.blocked).toBe(true);
    h.advance(39 * MSECOND);
    expect(sink.rendered).toBe(0);
    h.advance(1 * MSECOND);
    expect(sink.rendered).toBe(1);
    expect(h.blocked).toBe(false);
    h.teardown();
  });

  test("EOS after a held buffer waits for it to render", () => {
    const sink = new FakeSink("s", { sync: true });
    const h = new Harness(sink);
    h.pushEvent(Events.streamStart("x"));
    const b = Buffer.alloc(1);
    b.pts = 10 * MSECOND;
    h.push(b);
    h.pushEvent(Events.eos());
    expect(h.eos).toBe(false);
    h.advance(10 * MSECOND);
    expect(h.eos).toBe(true);
    h.teardown();
  });

  test("a full queue blocks the pushing task until its own task drains it", () => {
    const h = new Harness(new Queue("q", { maxSizeBuffers: 2 }));
    h.setCaps("ANY");
    h.push(Buffer.alloc(1));
    expect(h.blocked).toBe(false);
    h.push(Buffer.alloc(1));
    expect(h.blocked).toBe(true);
    h.crank();
    expect(h.blocked).toBe(false);
    expect(h.pullAll().length).toBe(2);
    h.teardown();
  });
});

import { describe, expect, test } from "bun:test";
import { Buffer, BufferFlag, Events, Flow, MSECOND } from "../../src/index.ts";
import { Harness } from "../../src/testing/harness.ts";
import { Valve } from "./valve.ts";

const kinds = (h: Harness) => h.events().map((e) => e.type);

describe("valve", () => {
  test("passes data while open; drop=true at run time drops buffers and returns OK", () => {
    const v = new Valve("v", {});
    const h = new Harness(v);
    h.setCaps("ANY");
    h.push("a");
    v.running = true;
    v.set("drop", true);
    expect(h.push("b")).toBe(Flow.OK);
    v.set("drop", false);
    h.push("c");
    const out = h.pullAll();
    expect(out.map((x) => x.text())).toEqual(["a", "c"]);
    expect(out[1]!.hasFlag(BufferFlag.DISCONT)).toBe(true);
    expect(v.dropped).toBe(1);
    h.teardown();
  });

  test("drop-all drops events too, and resends the dropped sticky events when it opens", () => {
    const v = new Valve("v", { drop: true });
    const h = new Harness(v);
    h.setCaps("text/x-raw");
    h.pushEvent(Events.custom("note", 1));
    expect(kinds(h)).toEqual([]);
    v.set("drop", false);
    h.push("x");
    expect(kinds(h)).toEqual(["stream-start", "caps", "segment"]);
    expect(h.pullAll().length).toBe(1);
    h.teardown();
  });

  test("drop-all holds back EOS while closed, as GStreamer's valve", () => {
    const h = new Harness(new Valve("v", { drop: true }));
    h.pushEvent(Events.eos());
    expect(kinds(h)).toEqual([]);
    h.teardown();
  });

  test("forward-sticky-events lets stream-start, caps, segment and EOS through while closed", () => {
    const h = new Harness(new Valve("v", { drop: true, dropMode: "forward-sticky-events" }));
    h.setCaps("ANY");
    h.pushEvent(Events.custom("note", 1));
    h.push("x");
    h.pushEvent(Events.eos());
    expect(kinds(h)).toEqual(["stream-start", "caps", "segment", "eos"]);
    expect(h.pullAll()).toEqual([]);
    h.teardown();
  });

  test("transform-to-gap turns dropped timestamped buffers into gap events", () => {
    const h = new Harness(new Valve("v", { drop: true, dropMode: "transform-to-gap" }));
    h.setCaps("ANY");
    const b = Buffer.alloc(4);
    b.pts = 40 * MSECOND;
    b.duration = 20 * MSECOND;
    h.push(b);
    const gap = h.events().at(-1)!;
    expect(gap).toEqual({ type: "gap", timestamp: 40 * MSECOND, duration: 20 * MSECOND });
    h.teardown();
  });
});

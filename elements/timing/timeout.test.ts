import { describe, expect, test } from "bun:test";
import { Buffer, BufferFlag, Events, MSECOND } from "../../src/index.ts";
import { Harness } from "../../src/testing/harness.ts";
import { Timeout } from "./timeout.ts";

const T = 100 * MSECOND;

describe("timeout", () => {
  test("after a silence, repeats the last buffer every timeout, stamped with the running time", () => {
    const el = new Timeout("t", { timeout: T });
    const h = new Harness(el);
    h.setCaps("ANY");
    h.crank();
    h.push("last");
    expect(h.pull()!.text()).toBe("last");
    h.advance(T - MSECOND);
    expect(h.pull()).toBeUndefined();
    h.advance(MSECOND);
    const f1 = h.pull()!;
    expect(f1.text()).toBe("last");
    expect([f1.pts, f1.duration]).toEqual([T, T]);
    h.advance(T);
    expect(h.pull()!.pts).toBe(2 * T);
    expect(el.fallbacks).toBe(2);
    const msgs = h.messages.filter((m) => m.type === "element" && m.name === "timeout");
    expect(msgs.length).toBe(1); // one message per silence
    h.teardown();
  });

  test("a buffer restarts the silence; no fallback while data keeps coming", () => {
    const h = new Harness(new Timeout("t", { timeout: T }));
    h.setCaps("ANY");
    h.crank();
    for (let i = 0; i < 5; i++) {
      h.advance(T / 2);
      h.push(String(i));
    }
    expect(h.pullAll().map((x) => x.text())).toEqual(["0", "1", "2", "3", "4"]);
    h.teardown();
  });

  test("before any data, repeat-last sends an empty GAP buffer; fallback=data sends the bytes", () => {
    const h = new Harness(new Timeout("t", { timeout: T }));
    h.crank();
    h.advance(T);
    const g = h.pull()!;
    expect([g.size, g.hasFlag(BufferFlag.GAP)]).toEqual([0, true]);
    h.teardown();
    const d = new Harness(new Timeout("t", { timeout: T, fallback: "data", data: "idle" }));
    d.crank();
    d.advance(T);
    expect(d.pull()!.text()).toBe("idle");
    d.teardown();
  });

  test("repeat=false sends one fallback per silence; fallback=gap sends gap events", () => {
    const h = new Harness(new Timeout("t", { timeout: T, repeat: false, fallback: "gap" }));
    h.setCaps("ANY");
    h.crank();
    h.advance(T);
    h.advance(T);
    h.advance(T);
    const gaps = h.events().filter((e) => e.type === "gap");
    expect(gaps).toEqual([Events.gap(T, T)]);
    h.teardown();
  });

  test("EOS stops the timing", () => {
    const el = new Timeout("t", { timeout: T });
    const h = new Harness(el);
    h.setCaps("ANY");
    h.crank();
    h.push(Buffer.alloc(1));
    h.pushEvent(Events.eos());
    h.advance(5 * T);
    expect(el.fallbacks).toBe(0);
    expect(h.events().at(-1)?.type).toBe("eos");
    h.teardown();
  });
});

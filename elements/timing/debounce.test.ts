import { describe, expect, test } from "bun:test";
import { Events, MSECOND } from "../../src/index.ts";
import { Harness } from "../../src/testing/harness.ts";
import { Debounce } from "./debounce.ts";
import { Throttle } from "./throttle.ts";

const W = 50 * MSECOND;

describe("debounce", () => {
  test("trailing: the last buffer of a burst goes out once the window passed quietly", () => {
    const d = new Debounce("d", { window: W });
    const h = new Harness(d);
    h.setCaps("ANY");
    h.crank();
    for (const v of ["1", "2", "3"]) {
      h.push(v);
      h.advance(10 * MSECOND);
    }
    expect(h.pullAll()).toEqual([]);
    h.advance(39 * MSECOND); // 49 ms after "3"
    expect(h.pullAll()).toEqual([]);
    h.advance(1 * MSECOND);
    expect(h.pullAll().map((x) => x.text())).toEqual(["3"]);
    expect(d.dropped).toBe(2);
    h.teardown();
  });

  test("trailing: EOS sends the waiting buffer first", () => {
    const h = new Harness(new Debounce("d", { window: W }));
    h.setCaps("ANY");
    h.push("final");
    h.pushEvent(Events.eos());
    expect(h.pullAll().map((x) => x.text())).toEqual(["final"]);
    expect(h.events().at(-1)?.type).toBe("eos");
    h.teardown();
  });

  test("leading: the first buffer of a burst goes out at once, the rest is dropped", () => {
    const h = new Harness(new Debounce("d", { window: W, edge: "leading" }));
    h.setCaps("ANY");
    h.push("a");
    h.advance(30 * MSECOND);
    h.push("bounce"); // 30 ms later: same burst
    h.advance(30 * MSECOND);
    h.push("bounce2"); // 30 ms after the last one: still the same burst
    h.advance(W);
    h.push("b");
    expect(h.pullAll().map((x) => x.text())).toEqual(["a", "b"]);
    h.teardown();
  });
});

describe("throttle", () => {
  test("at most one buffer per interval; the rest are dropped", () => {
    const t = new Throttle("t", { interval: 100 * MSECOND });
    const h = new Harness(t);
    h.setCaps("ANY");
    h.push("a");
    h.advance(50 * MSECOND);
    h.push("b");
    h.advance(50 * MSECOND);
    h.push("c");
    expect(h.pullAll().map((x) => x.text())).toEqual(["a", "c"]);
    expect(t.dropped).toBe(1);
    h.teardown();
  });

  test("trailing=true sends the last dropped buffer when the interval ends", () => {
    const h = new Harness(new Throttle("t", { interval: 100 * MSECOND, trailing: true }));
    h.setCaps("ANY");
    h.crank();
    h.push("a");
    h.advance(20 * MSECOND);
    h.push("b");
    h.advance(20 * MSECOND);
    h.push("c");
    expect(h.pullAll().map((x) => x.text())).toEqual(["a"]);
    h.advance(60 * MSECOND);
    expect(h.pullAll().map((x) => x.text())).toEqual(["c"]);
    // c opened a new interval: d, 50 ms later, waits for its end.
    h.advance(50 * MSECOND);
    h.push("d");
    expect(h.pullAll()).toEqual([]);
    h.advance(50 * MSECOND);
    expect(h.pullAll().map((x) => x.text())).toEqual(["d"]);
    h.teardown();
  });

  test("interval=0 (default) passes everything", () => {
    const h = new Harness(new Throttle("t", {}));
    for (const v of ["a", "b", "c"]) h.push(v);
    expect(h.pullAll().length).toBe(3);
    h.teardown();
  });
});

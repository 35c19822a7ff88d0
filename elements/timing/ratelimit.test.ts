import { describe, expect, test } from "bun:test";
import { Buffer, MSECOND } from "../../src/index.ts";
import { Harness } from "../../src/testing/harness.ts";
import { RateLimit } from "./ratelimit.ts";

describe("ratelimit", () => {
  test("buffers-per-second spaces buffers out on the clock", () => {
    const h = new Harness(new RateLimit("r", { buffersPerSecond: 10 }));
    h.setCaps("ANY");
    for (const t of ["a", "b", "c"]) h.push(t);
    h.crank();
    expect(h.pullAll().map((x) => x.text())).toEqual(["a"]);
    h.advance(99 * MSECOND);
    expect(h.pullAll()).toEqual([]);
    h.advance(1 * MSECOND);
    expect(h.pullAll().map((x) => x.text())).toEqual(["b"]);
    h.advance(100 * MSECOND);
    expect(h.pullAll().map((x) => x.text())).toEqual(["c"]);
    h.teardown();
  });

  test("bytes-per-second: a buffer waits for the previous one's bytes to drain", () => {
    const h = new Harness(new RateLimit("r", { bytesPerSecond: 1000 }));
    h.setCaps("ANY");
    h.push(Buffer.alloc(100)); // 100 ms worth
    h.push(Buffer.alloc(10));
    h.push(Buffer.alloc(1));
    h.crank();
    expect(h.pullAll().length).toBe(1);
    h.advance(100 * MSECOND);
    expect(h.pullAll().map((x) => x.size)).toEqual([10]);
    h.advance(9 * MSECOND);
    expect(h.pullAll()).toEqual([]);
    h.advance(1 * MSECOND);
    expect(h.pullAll().map((x) => x.size)).toEqual([1]);
    h.teardown();
  });

  test("drop=true polices: early buffers are dropped, never delayed", () => {
    const r = new RateLimit("r", { buffersPerSecond: 10, drop: true });
    const h = new Harness(r);
    h.setCaps("ANY");
    h.push("a");
    h.push("b");
    h.advance(100 * MSECOND);
    h.push("c");
    h.crank();
    expect(h.pullAll().map((x) => x.text())).toEqual(["a", "c"]);
    expect(r.dropped).toBe(1);
    h.teardown();
  });

  test("a full queue blocks upstream; rates change while running", () => {
    const r = new RateLimit("r", { buffersPerSecond: 1, maxBuffers: 2 });
    const h = new Harness(r);
    h.setCaps("ANY");
    h.push("a");
    h.push("b");
    expect(h.blocked).toBe(true);
    h.crank(); // a leaves
    expect(h.blocked).toBe(false);
    r.set("buffersPerSecond", 1000);
    h.push("c"); // b is still due at 1 s; c is due 1 ms after b
    h.advance(1000 * MSECOND);
    expect(h.pullAll().map((x) => x.text())).toEqual(["a", "b"]);
    h.advance(1 * MSECOND);
    expect(h.pullAll().map((x) => x.text())).toEqual(["c"]);
    h.teardown();
  });
});

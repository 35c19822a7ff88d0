import { describe, expect, test } from "bun:test";
import { Buffer, Events, Flow } from "../../src/index.ts";
import { Harness } from "../../src/testing/harness.ts";
import { Queue } from "./queue.ts";

describe("queue", () => {
  test("keeps buffers and serialized events in order across the boundary", () => {
    const h = new Harness(new Queue("q", {}));
    h.setCaps("ANY");
    h.push(Buffer.fromString("a"));
    h.pushEvent(Events.custom("mark", 1));
    h.push(Buffer.fromString("b"));
    expect(h.pull()).toBeUndefined(); // nothing crossed until the queue's task runs
    h.crank();
    expect(h.pullAll().map((b) => b.text())).toEqual(["a", "b"]);
    const types = h.events().map((e) => e.type);
    expect(types).toEqual(["stream-start", "caps", "segment", "custom"]);
    h.teardown();
  });

  test("returns downstream EOS to upstream on the next push", () => {
    const h = new Harness(new Queue("q", {}));
    h.setCaps("ANY");
    h.setDownstreamFlow(Flow.EOS);
    h.push(Buffer.alloc(1));
    h.crank();
    expect(h.push(Buffer.alloc(1))).toBe(Flow.EOS);
    h.teardown();
  });

  test("leaky=upstream drops new buffers when full; downstream drops old", () => {
    for (const [leaky, expected] of [
      ["upstream", ["0", "1"]],
      ["downstream", ["3", "4"]],
    ] as const) {
      const q = new Queue("q", { maxSizeBuffers: 2, leaky });
      const h = new Harness(q);
      h.setCaps("ANY");
      for (let i = 0; i < 5; i++) expect(h.push(Buffer.fromString(String(i)))).toBe(Flow.OK);
      h.crank();
      expect(h.pullAll().map((b) => b.text())).toEqual([...expected]);
      expect(q.dropped).toBe(3);
      h.teardown();
    }
  });

  test("flush-start empties the queue at once and refuses data until flush-stop", () => {
    const q = new Queue("q", {});
    const h = new Harness(q);
    h.setCaps("ANY");
    h.push(Buffer.alloc(1));
    h.push(Buffer.alloc(1));
    expect(q.level.buffers).toBe(2);
    h.pushEvent(Events.flushStart());
    expect(q.level.buffers).toBe(0);
    expect(h.push(Buffer.alloc(1))).toBe(Flow.FLUSHING);
    h.pushEvent(Events.flushStop());
    expect(h.push(Buffer.alloc(1))).toBe(Flow.OK);
    h.crank();
    expect(h.pullAll().length).toBe(1);
    h.teardown();
  });

  test("level tracks buffers, bytes and time", () => {
    const q = new Queue("q", {});
    const h = new Harness(q);
    h.setCaps("ANY");
    for (let i = 0; i < 3; i++) {
      const b = Buffer.alloc(10);
      b.pts = i * 1000;
      h.push(b);
    }
    expect(q.level).toEqual({ buffers: 3, bytes: 30, time: 2000 });
    h.teardown();
  });
});

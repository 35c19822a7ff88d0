/**
 * The bridge between typed stages and the dynamic graph: through, toGraph, fromGraph, in real
 * pipelines, with their back-pressure, cancellation, errors and teardown.
 */
import { afterAll, describe, expect, test } from "bun:test";
import "../../elements/index.ts";
import { Buffer } from "../buffer.ts";
import type { Message } from "../bus.ts";
import { PipelineError, type Pipeline } from "../graph/pipeline.ts";
import { BufferPool } from "../memory/index.ts";
import { FakeSink } from "../../elements/testing/fakesink.ts";
import { fromAsyncIterable, fromGraph, fromIterable, range, repeatWith } from "./sources.ts";
import { Stage } from "./stage.ts";

const pool = BufferPool.create({ slotSize: 256, slotCount: 12, name: "px-typed-bridge-test" });
afterAll(() => pool.close());

function frame(i: number): Buffer {
  const b = Buffer.alloc(4);
  b.data.fill(i);
  b.pts = i * 1000;
  return b;
}

/** Collects every pipeline a bridge builds, to check its state after the run. */
function watcher() {
  const pipelines: Pipeline[] = [];
  return { pipelines, onPipeline: (p: Pipeline) => void pipelines.push(p) };
}

/** A torn-down pipeline: suspended, no task left, bus closed (an iterator ends at once). */
async function expectTornDown(p: Pipeline): Promise<void> {
  expect(p.state).toBe("suspended");
  expect(p.scheduler.tasks).toHaveLength(0);
  expect(p.scheduler.stopped).toBe(true);
  const it = p.bus[Symbol.asyncIterator]();
  expect(await it.next()).toEqual({ done: true, value: undefined });
}

function tracked(n: number) {
  const log = { pulled: 0, finished: false };
  function* gen() {
    try {
      for (let i = 0; i < n; i++) {
        log.pulled++;
        yield frame(i);
      }
    } finally {
      log.finished = true;
    }
  }
  return { log, stage: fromIterable(gen()) };
}

describe("through", () => {
  test("buffers go through a launch fragment and come back in order, without a copy", async () => {
    const w = watcher();
    const inputs = [0, 1, 2, 3, 4].map(frame);
    const out = await fromIterable(inputs).through("identity ! queue ! identity", w).collect();
    expect(out.map((b) => [b.pts, b.data[0]])).toEqual([0, 1, 2, 3, 4].map((i) => [i * 1000, i]));
    expect(out.every((b, i) => b.data.buffer === inputs[i]!.data.buffer)).toBe(true);
    expect(w.pipelines).toHaveLength(1);
    await expectTornDown(w.pipelines[0]!);
  });

  test("Uint8Array items enter as Buffers; caps are announced to the fragment", async () => {
    const out = await fromIterable([new Uint8Array([1, 2]), new Uint8Array([3])])
      .through("capsfilter caps=application/x-test,kind=a ! identity", { caps: "application/x-test,kind=a" })
      .map((b) => [...b.data])
      .collect();
    expect(out).toEqual([[1, 2], [3]]);
  });

  test("caps the fragment cannot take reject the terminal with the negotiation error", async () => {
    const src = tracked(3);
    const run = src.stage.through("capsfilter caps=application/x-b ! identity", { caps: "application/x-a" }).collect();
    await expect(run).rejects.toThrow(/application\/x-a|application\/x-b|negotiat/);
    expect(src.log.pulled).toBe(0);
  });

  test("a launch syntax error rejects the terminal; the source is never opened", async () => {
    const src = tracked(3);
    await expect(src.stage.through("identity ! ! queue").collect()).rejects.toThrow();
    expect(src.log.pulled).toBe(0);
  });

  test("chained bridges, with typed stages between them", async () => {
    const out = await range(6)
      .map(frame)
      .through("identity")
      .filter((b) => b.data[0]! % 2 === 0)
      .map((b) => {
        b.data[0] = b.data[0]! * 10;
        return b;
      })
      .through("queue")
      .map((b) => b.data[0])
      .collect();
    expect(out).toEqual([0, 20, 40]);
  });

  test("an async source feeds the pipeline (its task waits for each item)", async () => {
    async function* late() {
      for (let i = 0; i < 4; i++) {
        await Bun.sleep(2);
        yield frame(i);
      }
    }
    const out = await fromAsyncIterable(late()).through("identity").map((b) => b.pts).collect();
    expect(out).toEqual([0, 1000, 2000, 3000]);
  });

  test("back-pressure: an endless pooled source never runs its pool dry", async () => {
    // 12 slots; the appsink holds at most 4 and nothing else buffers, so acquire never fails.
    let nulls = 0;
    const source = repeatWith(() => {
      const b = pool.acquire();
      if (b === null) nulls++;
      return b ?? new Buffer(new Uint8Array(0));
    });
    let n = 0;
    await source.through("identity ! identity", { maxBuffers: 4 }).take(200).forEach(async (b) => {
      n++;
      if (n % 50 === 0) await Bun.sleep(1);
      b.release();
    });
    expect(n).toBe(200);
    expect(nulls).toBe(0);
    expect(pool.stats().inUse).toBe(0);
  });

  test("take(n) stops the pipeline and awaits its teardown; buffers left in it are released", async () => {
    const w = watcher();
    const src = tracked(1000);
    const pooled = src.stage.map((f) => {
      const b = pool.acquire()!;
      b.pts = f.pts;
      return b;
    });
    const out = await pooled.through("queue max-size-buffers=2 ! identity", { ...w, maxBuffers: 4 }).take(3).collect();
    expect(out.map((b) => b.pts)).toEqual([0, 1000, 2000]);
    for (const b of out) b.release();
    await expectTornDown(w.pipelines[0]!);
    expect(src.log.finished).toBe(true);
    expect(src.log.pulled).toBeLessThan(1000);
    expect(pool.stats().inUse).toBe(0);
  });

  test("an error inside the fragment rejects with the PipelineError and tears everything down", async () => {
    const w = watcher();
    const src = tracked(100);
    const run = src.stage.through("identity name=flaky error-after=3", w).collect();
    const err = await run.then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(PipelineError);
    expect((err as PipelineError).source).toBe("flaky");
    await expectTornDown(w.pipelines[0]!);
    expect(src.log.finished).toBe(true);
  });

  test("a typed stage that throws on the pipeline's task rejects with its own error", async () => {
    const w = watcher();
    const src = tracked(100);
    const boom = new Error("frame 5 is bad");
    const errors: Message[] = [];
    const run = src.stage
      .map((f) => {
        if (f.pts === 5000) throw boom;
        return f;
      })
      .through("identity", {
        onPipeline: (p) => {
          w.onPipeline(p);
          p.bus.on("error", (m) => errors.push(m));
        },
      })
      .collect();
    await expect(run).rejects.toBe(boom);
    expect(errors[0]?.source).toBe("__typed_in");
    await expectTornDown(w.pipelines[0]!);
    expect(src.log.finished).toBe(true);
  });

  test("an item that is not a Buffer fails the stage with a TypeError", async () => {
    const bad = fromIterable([1, 2]) as unknown as Stage<Buffer>;
    await expect(bad.through("identity").collect()).rejects.toThrow(/only Buffer or Uint8Array/);
  });
});

describe("toGraph and fromGraph", () => {
  test("toGraph runs the items into a fragment ending in a sink, to EOS", async () => {
    const w = watcher();
    let seen = 0;
    await range(7)
      .map(frame)
      .toGraph("queue ! fakesink name=out signal-handoffs=true", {
        onPipeline: (p) => {
          w.onPipeline(p);
          (p.getElement("out") as FakeSink).onHandoff = () => seen++;
        },
      });
    expect(seen).toBe(7);
    await expectTornDown(w.pipelines[0]!);
  });

  test("toGraph: aborting stops the pipeline, rejects with the reason and returns the source", async () => {
    const w = watcher();
    const log = { finished: false };
    function* endless() {
      try {
        for (let i = 0; ; i++) yield frame(i);
      } finally {
        log.finished = true;
      }
    }
    const run = fromIterable(endless()).toGraph("fakesink", { ...w, signal: AbortSignal.timeout(20) });
    await expect(run).rejects.toThrow(/timed out|abort/i);
    await expectTornDown(w.pipelines[0]!);
    expect(log.finished).toBe(true);
  });

  test("toGraph: a fragment error rejects", async () => {
    await expect(range(10).map(frame).toGraph("identity error-after=2 ! fakesink")).rejects.toBeInstanceOf(PipelineError);
  });

  test("fromGraph yields the buffers of a fragment; take() stops an endless one", async () => {
    const sizes = await fromGraph("fakesrc num-buffers=5 sizetype=fixed sizemax=32").map((b) => b.size).collect();
    expect(sizes).toEqual([32, 32, 32, 32, 32]);
    const w = watcher();
    const three = await fromGraph("fakesrc sizetype=fixed sizemax=8 ! queue", w).take(3).collect();
    expect(three).toHaveLength(3);
    await expectTornDown(w.pipelines[0]!);
  });
});

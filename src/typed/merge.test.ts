/** merge and zip: interleaving, tuples, bounds, early stop and errors. */
import { afterAll, describe, expect, test } from "bun:test";
import { BufferPool } from "../memory/index.ts";
import { merge } from "./merge.ts";
import { fromAsyncIterable, fromIterable, range, repeatWith } from "./sources.ts";
import { zip } from "./zip.ts";

const pool = BufferPool.create({ slotSize: 64, slotCount: 16, name: "px-typed-merge-test" });
afterAll(() => pool.close());

/** An async source that counts what it produced and whether it was returned. */
function counted(n: number, ms = 0) {
  const log = { produced: 0, finished: false };
  async function* gen() {
    try {
      for (let i = 0; i < n; i++) {
        if (ms > 0) await Bun.sleep(ms);
        else await null;
        log.produced++;
        yield i;
      }
    } finally {
      log.finished = true;
    }
  }
  return { log, stage: fromAsyncIterable(gen()) };
}

describe("merge", () => {
  test("synchronous inputs strictly alternate; the type is the union", async () => {
    const out: (number | string)[] = await merge(range(3), fromIterable(["a", "b", "c", "d"])).collect();
    expect(out).toEqual([0, "a", 1, "b", 2, "c", "d"]);
  });

  test("an async input is not starved by an endless synchronous one", async () => {
    const slow = counted(3, 2);
    const out = await merge(repeatWith(() => "sync"), slow.stage)
      .filter((x) => typeof x === "number")
      .take(3)
      .collect();
    expect(out).toEqual([0, 1, 2]);
  });

  test("bound: at most one item in flight per input while the consumer is slow", async () => {
    const a = counted(10);
    const b = counted(10);
    let consumed = 0;
    let worst = 0;
    await merge(a.stage, b.stage).forEach(async () => {
      consumed++;
      // Whatever the inputs produced beyond what was consumed is what merge pins.
      worst = Math.max(worst, a.log.produced + b.log.produced - consumed);
      await Bun.sleep(1);
    });
    expect(consumed).toBe(20);
    expect(worst).toBeLessThanOrEqual(2);
  });

  test("an error in one input rejects and returns every other input", async () => {
    const other = counted(1000, 1);
    async function* failing() {
      yield 1;
      await Bun.sleep(3);
      throw new Error("input 2 broke");
    }
    await expect(merge(other.stage, fromAsyncIterable(failing())).discard()).rejects.toThrow("input 2 broke");
    expect(other.log.finished).toBe(true);
    expect(other.log.produced).toBeLessThan(1000);
  });

  test("take() on a merge stops every input", async () => {
    const a = counted(1000);
    const b = counted(1000);
    expect(await merge(a.stage, b.stage).take(4).collect()).toHaveLength(4);
    expect(a.log.finished && b.log.finished).toBe(true);
  });

  test("merge of nothing ends at once", async () => {
    expect(await merge().collect()).toEqual([]);
  });
});

describe("zip", () => {
  test("tuples of the i-th items, ending with the shortest input", async () => {
    const out: [number, string, boolean][] = await zip(range(5), fromIterable(["a", "b", "c"]), fromIterable([true, false, true, false])).collect();
    expect(out).toEqual([
      [0, "a", true],
      [1, "b", false],
      [2, "c", true],
    ]);
  });

  test("the longer inputs are returned as soon as one ends", async () => {
    const long = counted(1000);
    const out = await zip(range(2), long.stage).collect();
    expect(out).toEqual([
      [0, 0],
      [1, 1],
    ]);
    expect(long.log.finished).toBe(true);
    expect(long.log.produced).toBeLessThanOrEqual(3);
  });

  test("bound: one item per input while the consumer is slow", async () => {
    const a = counted(8);
    const b = counted(8, 1);
    let consumed = 0;
    let worst = 0;
    await zip(a.stage, b.stage).forEach(async () => {
      consumed++;
      worst = Math.max(worst, a.log.produced - consumed, b.log.produced - consumed);
      await Bun.sleep(1);
    });
    expect(consumed).toBe(8);
    expect(worst).toBeLessThanOrEqual(1);
  });

  test("items pulled for an unfinished tuple are released when zip ends", async () => {
    const pairs = await zip(
      repeatWith(() => pool.acquire()!),
      range(3),
    ).collect();
    // The 4th buffer was pulled, then range(3) ended: zip must give it back.
    expect(pool.stats().inUse).toBe(3);
    for (const [b] of pairs) b.release();
    expect(pool.stats().inUse).toBe(0);
  });

  test("an error in an input rejects the zip", async () => {
    await expect(
      zip(
        range(5),
        range(5).map((n) => {
          if (n === 2) throw new Error("zip input failed");
          return n;
        }),
      ).collect(),
    ).rejects.toThrow("zip input failed");
  });
});

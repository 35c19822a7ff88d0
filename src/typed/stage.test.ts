/** Typed stages: sources, operators, terminals, cancellation, errors and ownership. */
import { afterAll, describe, expect, test } from "bun:test";
import { BufferPool } from "../memory/index.ts";
import { fromAsyncIterable, fromIterable, once, pipeline, range, repeatWith } from "./sources.ts";
import { Stage } from "./stage.ts";

const pool = BufferPool.create({ slotSize: 64, slotCount: 32, name: "px-typed-stage-test" });
afterAll(() => pool.close());

/** A generator that records how far it got and whether its finally ran. */
function tracked<T>(items: T[]) {
  const log = { pulled: 0, finished: false };
  function* gen() {
    try {
      for (const x of items) {
        log.pulled++;
        yield x;
      }
    } finally {
      log.finished = true;
    }
  }
  return { log, iterable: gen() };
}

async function* slowly<T>(items: T[], ms = 1) {
  for (const x of items) {
    await Bun.sleep(ms);
    yield x;
  }
}

describe("sources", () => {
  test("range, once, repeatWith, fromIterable, fromAsyncIterable", async () => {
    expect(await range(4).collect()).toEqual([0, 1, 2, 3]);
    expect(await range(2, 5).collect()).toEqual([2, 3, 4]);
    expect(await range(1, 0, -0.25).collect()).toEqual([1, 0.75, 0.5, 0.25]);
    expect(await range(0, 1, 0.1).collect()).toHaveLength(10);
    expect(await once("x").collect()).toEqual(["x"]);
    expect(await repeatWith((i) => i * i).take(4).collect()).toEqual([0, 1, 4, 9]);
    expect(await fromIterable(new Set(["a", "b"])).collect()).toEqual(["a", "b"]);
    expect(await fromAsyncIterable(slowly([1, 2, 3])).collect()).toEqual([1, 2, 3]);
  });

  test("pipeline() takes a stage, an iterable or an async iterable", async () => {
    const s = range(2);
    expect(pipeline(s)).toBe(s);
    expect(await pipeline([5, 6]).collect()).toEqual([5, 6]);
    expect(await pipeline("ab").collect()).toEqual(["a", "b"]);
    expect(await pipeline(slowly([7])).collect()).toEqual([7]);
    expect(() => pipeline(42 as never)).toThrow(TypeError);
  });

  test("bad arguments throw at the boundary", () => {
    expect(() => range(0, 5, 0)).toThrow(RangeError);
    expect(() => range(3).take(-1)).toThrow(/whole number/);
    expect(() => range(3).skip(1.5)).toThrow(RangeError);
  });

  test("a stage is a description: each terminal runs it afresh", async () => {
    const s = pipeline([1, 2, 3]).map((n) => n * 10);
    expect(await s.collect()).toEqual([10, 20, 30]);
    expect(await s.fold((a, n) => a + n, 0)).toBe(60);
  });
});

describe("operators and terminals", () => {
  test("map, filter, skip, take, inspect compose in order", async () => {
    const seen: number[] = [];
    const out = await pipeline(range(20))
      .map((n) => n * 3)
      .filter((n) => n % 2 === 0)
      .skip(1)
      .inspect((n) => seen.push(n))
      .take(3)
      .collect();
    expect(out).toEqual([6, 12, 18]);
    expect(seen).toEqual([6, 12, 18]);
  });

  test("filter with a type guard narrows the item type", async () => {
    const mixed = fromIterable<number | string>([1, "a", 2, "b"]);
    const strings: string[] = await mixed.filter((x): x is string => typeof x === "string").collect();
    expect(strings).toEqual(["a", "b"]);
  });

  test("fold, forEach, discard", async () => {
    expect(await range(101).fold((a, n) => a + n, 0)).toBe(5050);
    const got: string[] = [];
    await fromIterable(["x", "y"]).forEach((s) => void got.push(s));
    expect(got).toEqual(["x", "y"]);
    expect(await range(7).discard()).toBe(7);
  });

  test("a synchronous chain runs with no await per item", () => {
    let seen = 0;
    // Not awaited yet: a chain over a sync source must have consumed every item before the
    // terminal's first await (it only awaits on PENDING or after a 4 ms slice).
    const done = range(1000)
      .map((n) => n + 1)
      .inspect(() => seen++)
      .collect();
    expect(seen).toBe(1000);
    return done;
  });

  test("forEach waits for a returned promise before pulling the next item", async () => {
    const log: string[] = [];
    await range(3)
      .inspect((n) => log.push(`pull ${n}`))
      .forEach(async (n) => {
        await Bun.sleep(1);
        log.push(`done ${n}`);
      });
    expect(log).toEqual(["pull 0", "done 0", "pull 1", "done 1", "pull 2", "done 2"]);
  });

  test("mapAsync keeps order with one call in flight", async () => {
    let inflight = 0;
    let most = 0;
    const out = await range(6)
      .mapAsync(async (n) => {
        most = Math.max(most, ++inflight);
        await Bun.sleep(6 - n);
        inflight--;
        return n * 2;
      })
      .collect();
    expect(out).toEqual([0, 2, 4, 6, 8, 10]);
    expect(most).toBe(1);
  });

  test("for await iterates; breaking out returns the source iterator", async () => {
    const { log, iterable } = tracked([1, 2, 3, 4]);
    const got: number[] = [];
    for await (const x of fromIterable(iterable).map((n) => n * 2)) {
      got.push(x);
      if (got.length === 2) break;
    }
    expect(got).toEqual([2, 4]);
    expect(log.finished).toBe(true);
    expect(log.pulled).toBe(2);
  });
});

describe("cancellation", () => {
  test("take(n) never pulls item n+1 and returns the source iterator once item n is used", async () => {
    const { log, iterable } = tracked([0, 1, 2, 3, 4, 5]);
    const finishedWhenUsed: boolean[] = [];
    const out = await fromIterable(iterable)
      .take(2)
      .forEach((x) => {
        // The consumer has the n-th item while its source is still open.
        finishedWhenUsed.push(log.finished);
      });
    expect(out).toBeUndefined();
    expect(finishedWhenUsed).toEqual([false, false]);
    expect(log.finished).toBe(true);
    expect(log.pulled).toBe(2);
  });

  test("take(0) never pulls", async () => {
    const { log, iterable } = tracked([1]);
    expect(await fromIterable(iterable).take(0).collect()).toEqual([]);
    expect(log.pulled).toBe(0);
  });

  test("closing an async source awaits the generator's own teardown", async () => {
    let cleaned = false;
    async function* gen() {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        await Bun.sleep(5);
        cleaned = true;
      }
    }
    expect(await fromAsyncIterable(gen()).take(3).collect()).toEqual([0, 1, 2]);
    expect(cleaned).toBe(true);
  });

  test("an endless synchronous chain yields to the event loop, so an abort signal stops it", async () => {
    const log = { pulled: 0, finished: false };
    function* endless() {
      try {
        for (let i = 0; ; i++) {
          log.pulled++;
          yield i;
        }
      } finally {
        log.finished = true;
      }
    }
    // An endless source: only the signal ends this run (a hang runs into the test's timeout).
    const run = fromIterable(endless()).forEach(() => {}, { signal: AbortSignal.timeout(30) });
    await expect(run).rejects.toThrow(/timed out|abort/i);
    expect(log.finished).toBe(true);
    expect(log.pulled).toBeGreaterThan(0);
  });

  test("a filter that drops everything from an endless source still lets an abort in", async () => {
    const run = repeatWith((i) => i)
      .filter((i) => i < 0)
      .collect({ signal: AbortSignal.timeout(20) });
    await expect(run).rejects.toThrow(/timed out|abort/i);
  });

  test("aborting while an async source is pending rejects with the reason and returns the iterator", async () => {
    let returned = false;
    let release: (() => void) | null = null;
    const never: AsyncIterable<number> = {
      [Symbol.asyncIterator]: () => ({
        next: () => new Promise<IteratorResult<number>>((r) => (release = () => r({ done: true, value: undefined }))),
        return: async () => {
          returned = true;
          release?.();
          return { done: true, value: undefined };
        },
      }),
    };
    const ac = new AbortController();
    const run = fromAsyncIterable(never).collect({ signal: ac.signal });
    await Bun.sleep(2);
    ac.abort(new Error("user gave up"));
    await expect(run).rejects.toThrow("user gave up");
    expect(returned).toBe(true);
  });

  test("an already aborted signal rejects before pulling anything", async () => {
    const { log, iterable } = tracked([1, 2]);
    const ac = new AbortController();
    ac.abort(new Error("before"));
    await expect(fromIterable(iterable).collect({ signal: ac.signal })).rejects.toThrow("before");
    expect(log.pulled).toBe(0);
  });
});

describe("errors", () => {
  test("a throwing stage rejects the terminal with its error and returns the source", async () => {
    const { log, iterable } = tracked([1, 2, 3, 4, 5]);
    const boom = new Error("bad item 3");
    const run = fromIterable(iterable)
      .map((n) => {
        if (n === 3) throw boom;
        return n;
      })
      .collect();
    await expect(run).rejects.toBe(boom);
    expect(log.finished).toBe(true);
    expect(log.pulled).toBe(3);
  });

  test("an async source's rejection reaches the terminal", async () => {
    async function* gen() {
      yield 1;
      throw new Error("source broke");
    }
    await expect(fromAsyncIterable(gen()).collect()).rejects.toThrow("source broke");
  });

  test("a throwing forEach callback stops the run and returns the source", async () => {
    const { log, iterable } = tracked([1, 2, 3]);
    await expect(
      fromIterable(iterable).forEach((n) => {
        if (n === 2) throw new Error("consumer failed");
      }),
    ).rejects.toThrow("consumer failed");
    expect(log.finished).toBe(true);
  });

  test("a failing close is reported when nothing else failed", async () => {
    function* gen() {
      try {
        yield 1;
        yield 2;
      } finally {
        // biome-ignore lint: the point of the test
        throw new Error("finally failed");
      }
    }
    await expect(fromIterable(gen()).take(1).collect()).rejects.toThrow("finally failed");
  });
});

describe("ownership", () => {
  test("Buffers that filter, skip and discard drop go back to their pool; collect keeps heap copies", async () => {
    const acquire = () => pool.acquire()!;
    expect(pool.stats().inUse).toBe(0);
    let counter = 0;
    const kept = await repeatWith(acquire)
      .take(20)
      .skip(5)
      .filter(() => (counter++ & 1) === 0)
      .collect();
    expect(kept).toHaveLength(8); // 15 after skip, every other one kept
    // collect() keeps pooled Buffers as heap copies: nothing of the pool is held any more.
    expect(pool.stats().inUse).toBe(0);
    expect(kept.every((b) => b.memory === null && b.size === 64)).toBe(true);
    expect(await repeatWith(acquire).take(10).discard()).toBe(10);
    expect(pool.stats().inUse).toBe(0);
  });

  test("a custom stage built on the cursor protocol composes with the rest", async () => {
    // A stage that doubles every item, written against Stage's public constructor.
    const doubled = new Stage<number>(() => {
      const up = range(3).open();
      let pending: number | null = null;
      return {
        next: () => {
          if (pending !== null) {
            const v = pending;
            pending = null;
            return v;
          }
          const x = up.next();
          if (typeof x === "number") pending = x;
          return x;
        },
        wait: () => up.wait(),
        close: () => up.close(),
      };
    });
    expect(await doubled.map((n) => n + 1).collect()).toEqual([1, 1, 2, 2, 3, 3]);
  });
});

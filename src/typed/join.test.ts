/** join (by key) and temporalJoin (by time window): matching, bounds, early end, errors. */
import { afterAll, describe, expect, test } from "bun:test";
import { Buffer, MSECOND } from "../buffer.ts";
import { BufferPool } from "../memory/index.ts";
import { join, JoinOverflowError } from "./join.ts";
import { fromAsyncIterable, fromIterable, range, repeatWith } from "./sources.ts";
import { temporalJoin, TemporalJoinError } from "./temporal-join.ts";

const pool = BufferPool.create({ slotSize: 16, slotCount: 32, name: "px-typed-join-test" });
afterAll(() => pool.close());

function timed(pts: number): Buffer {
  const b = pool.acquire()!;
  b.pts = pts;
  return b;
}

describe("join", () => {
  type Frame = { seq: number; name: string };
  type Meta = { id: number; label: string };

  test("pairs items with equal keys one to one, whatever their order", async () => {
    const frames = fromIterable<Frame>([
      { seq: 1, name: "f1" },
      { seq: 2, name: "f2" },
      { seq: 3, name: "f3" },
      { seq: 2, name: "f2bis" },
    ]);
    const metas = fromIterable<Meta>([
      { id: 3, label: "m3" },
      { id: 2, label: "m2" },
      { id: 9, label: "m9" },
      { id: 2, label: "m2bis" },
    ]);
    const out = await join(frames, metas, { leftKey: (f) => f.seq, rightKey: (m) => m.id })
      .map(([f, m]) => `${f.name}+${m.label}`)
      .collect();
    expect(out.sort()).toEqual(["f2+m2", "f2bis+m2bis", "f3+m3"]);
  });

  test("ends once one side has ended with nothing waiting, and returns the other side", async () => {
    let finished = false;
    let pulled = 0;
    function* endless() {
      try {
        for (let i = 0; ; i++) {
          pulled++;
          yield i;
        }
      } finally {
        finished = true;
      }
    }
    const out = await join(range(3), fromIterable(endless()), { leftKey: (n) => n, rightKey: (n) => n }).collect();
    expect(out).toEqual([
      [0, 0],
      [1, 1],
      [2, 2],
    ]);
    expect(finished).toBe(true);
    expect(pulled).toBeLessThan(10);
  });

  test("bound: a full side is not pulled while the other catches up", async () => {
    let pulledLeft = 0;
    let consumed = 0;
    let worst = 0;
    async function* lateRight() {
      for (let i = 0; i < 20; i++) {
        await Bun.sleep(1);
        yield i;
      }
    }
    const left = range(20).inspect(() => {
      pulledLeft++;
      worst = Math.max(worst, pulledLeft - consumed);
    });
    await join(left, fromAsyncIterable(lateRight()), { leftKey: (n) => n, rightKey: (n) => n, capacity: 3 }).forEach(() => {
      consumed++;
    });
    expect(consumed).toBe(20);
    expect(worst).toBeLessThanOrEqual(3);
  });

  test("both sides full of unmatched keys: JoinOverflowError, and both sources are returned", async () => {
    const done = { l: false, r: false };
    function* side(start: number, flag: "l" | "r") {
      try {
        for (let i = start; ; i += 2) yield i;
      } finally {
        done[flag] = true;
      }
    }
    const run = join(fromIterable(side(0, "l")), fromIterable(side(1, "r")), { leftKey: (n) => n, rightKey: (n) => n, capacity: 4 }).collect();
    await expect(run).rejects.toBeInstanceOf(JoinOverflowError);
    expect(done).toEqual({ l: true, r: true });
  });

  test('overflow: "drop" keeps going and releases the Buffers it drops', async () => {
    const left = range(40).map((i) => {
      const b = pool.acquire()!;
      b.sequence = i;
      return b;
    });
    // Right has only every 10th key: most left items never match. Pulls alternate: 0 and 0
    // pair up, then left holds 1, 2 and right 10, 20, both full; from then on each new item
    // that matches nothing is dropped: left 3, right 30, left 4…9; left 10 and 20 still pair.
    const right = range(0, 40, 10);
    const pairs = await join(left, right, { leftKey: (b) => b.sequence, rightKey: (n) => n, capacity: 2, overflow: "drop" }).collect();
    const got = pairs.map(([b, n]) => [b.sequence, n]);
    for (const [b] of pairs) b.release();
    expect(got).toEqual([
      [0, 0],
      [10, 10],
      [20, 20],
    ]);
    expect(pool.stats().inUse).toBe(0);
  });
});

describe("temporalJoin", () => {
  test("pairs Buffers whose pts are within the window, each pair once", async () => {
    const video = range(0, 5).map((i) => timed(i * 40 * MSECOND)); // 0, 40, …, 160 ms
    const audio = range(0, 9).map((i) => timed(i * 20 * MSECOND + 5 * MSECOND)); // 5, 25, …, 165 ms
    const pairs = await temporalJoin(video, audio, 10 * MSECOND).collect();
    const ms = pairs.map(([v, a]) => [v.pts / MSECOND, a.pts / MSECOND]);
    expect(ms.sort((x, y) => x[0]! - y[0]! || x[1]! - y[1]!)).toEqual([
      [0, 5],
      [40, 45],
      [80, 85],
      [120, 125],
      [160, 165],
    ]);
    // Each Buffer in a pair is the consumer's own reference; buffered ones were released.
    for (const [v, a] of pairs) {
      v.release();
      a.release();
    }
    expect(pool.stats().inUse).toBe(0);
  });

  test("many to many with accessors, against a brute-force join", async () => {
    const a = [0, 1, 1, 4, 7, 7.5, 12];
    const b = [0.5, 1, 3, 6, 8, 20];
    const w = 1.5;
    const expected = a.flatMap((x) => b.filter((y) => Math.abs(x - y) <= w).map((y) => `${x}:${y}`)).sort();
    const got = await temporalJoin(fromIterable(a), fromIterable(b), { window: w, leftTime: (x) => x, rightTime: (y) => y })
      .map(([x, y]) => `${x}:${y}`)
      .collect();
    expect(got.sort()).toEqual(expected);
  });

  test("ends when one side is over and its buffer empty, returning the other side", async () => {
    let finished = false;
    function* endless() {
      try {
        for (let t = 0; ; t++) yield t;
      } finally {
        finished = true;
      }
    }
    const got = await temporalJoin(fromIterable([2, 5]), fromIterable(endless()), { window: 0, leftTime: (x) => x, rightTime: (y) => y }).collect();
    expect(got).toEqual([
      [2, 2],
      [5, 5],
    ]);
    expect(finished).toBe(true);
  });

  test("an input that goes back in time fails the stage", async () => {
    const run = temporalJoin(fromIterable([1, 3, 2]), range(10), { window: 1, leftTime: (x) => x, rightTime: (y) => y }).collect();
    await expect(run).rejects.toThrow(/went back in time/);
  });

  test("a Buffer without pts fails the stage with a TemporalJoinError", async () => {
    const run = temporalJoin(fromIterable([Buffer.alloc(1)]), fromIterable([Buffer.alloc(1)]), 5).collect();
    await expect(run).rejects.toBeInstanceOf(TemporalJoinError);
  });

  test("bound: more than capacity items within the window fails the stage", async () => {
    const dense = repeatWith(() => 0); // endless items at t = 0
    const run = temporalJoin(fromIterable([100]), dense, { window: 1000, leftTime: (x) => x, rightTime: (y) => y, capacity: 8 }).collect();
    await expect(run).rejects.toThrow(/more than 8 right items within the window/);
  });
});

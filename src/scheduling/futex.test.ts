/**
 * The Worker's sleep on its control block (futex.ts, Control.sleep) and the wakers that end it
 * (ring.ts): a futex sleeper is woken by a futex wake, an Atomics sleeper by Atomics.notify,
 * each chosen from the control block's WAIT_MODE word; a waker that ignored the mode would
 * leave the sleeper to its timeout, which the last test shows. Real Workers, awaited teardown.
 */
import { describe, expect, test } from "bun:test";
import { C_SLEEPING, C_WAKE, Control } from "./control.ts";
import type { FixtureInit } from "./futex.fixture.ts";
import { futexAvailable, futexWait } from "./futex.ts";
import { WaitMode, wake } from "./ring.ts";

const T = 10_000;
const FIXTURE = new URL("./futex.fixture.ts", import.meta.url).href;

type Report = { type: "sleeping"; mode: number } | { type: "woke"; result: string };

/** Starts the fixture; resolves with its reports once it slept and woke, then ends it. */
async function sleeper(init: Omit<FixtureInit, "control">, control: Control, wakeUp: () => void): Promise<Report[]> {
  const w = new Worker(FIXTURE);
  const reports: Report[] = [];
  const woke = new Promise<void>((resolve) => {
    w.addEventListener("message", (e: MessageEvent<Report>) => {
      reports.push(e.data);
      if (e.data.type === "sleeping") {
        // Give it time to enter the wait; waking earlier is also correct ("not-equal").
        setTimeout(wakeUp, 30);
      } else resolve();
    });
  });
  w.postMessage({ ...init, control: control.sab } satisfies FixtureInit);
  await woke;
  const closed = new Promise((r) => w.addEventListener("close", r, { once: true }));
  w.terminate();
  await closed;
  return reports;
}

describe("futex", () => {
  test("the sched shim's futex is available (built by `bun run build:shims`)", () => {
    expect(futexAvailable()).toBe(true);
  });

  test("a wait on a word that already differs returns at once; an unwoken wait times out", () => {
    const i32 = new Int32Array(new SharedArrayBuffer(8));
    i32[0] = 5;
    expect(futexWait(i32, 0, 4, 1000)).toBe("not-equal");
    expect(futexWait(i32, 0, 5, 1)).toBe("timed-out");
  });

  test("wake() takes the sleeping flag down: one sleep costs one wake-up, however many publishes follow", () => {
    const c = new Control();
    wake(c.target); // nobody sleeps: nothing
    expect(Atomics.load(c.i32, C_WAKE)).toBe(0);
    Atomics.store(c.i32, C_SLEEPING, 1);
    wake(c.target);
    wake(c.target);
    wake(c.target);
    expect(Atomics.load(c.i32, C_WAKE)).toBe(1);
    expect(Atomics.load(c.i32, C_SLEEPING)).toBe(0);
  });

  test(
    "a data Worker sleeping on a futex is woken by wake() on its control block",
    async () => {
      const c = new Control();
      const r = await sleeper({ mode: "choose", timeoutMs: 5000 }, c, () => wake(c.target));
      expect(r[0]).toEqual({ type: "sleeping", mode: WaitMode.FUTEX });
      expect(c.waitMode).toBe(WaitMode.FUTEX);
      expect(["ok", "not-equal"]).toContain((r[1] as { result: string }).result);
      expect(Atomics.load(c.i32, C_SLEEPING)).toBe(0);
    },
    T,
  );

  test(
    "without the futex (Atomics mode) the same wake() uses Atomics.notify",
    async () => {
      const c = new Control();
      const r = await sleeper({ mode: "atomics", timeoutMs: 5000 }, c, () => wake(c.target));
      expect(c.waitMode).toBe(WaitMode.ATOMICS);
      expect(["ok", "not-equal"]).toContain((r[1] as { result: string }).result);
    },
    T,
  );

  test(
    "a waker that ignores the wait mode does not end a futex sleep (why the mode word exists)",
    async () => {
      const c = new Control();
      const r = await sleeper({ mode: "choose", timeoutMs: 300 }, c, () => {
        Atomics.add(c.i32, C_WAKE, 1);
        Atomics.notify(c.i32, C_WAKE);
      });
      expect((r[1] as { result: string }).result).toBe("timed-out");
    },
    T,
  );
});

/**
 * ABI of the sched shim (csrc/sched.c ↔ ffi/sched.ts): the constants TypeScript mirrors, and
 * the calls behaving as documented on the calling thread (granted or refused with -errno,
 * never a throw, and put back afterwards).
 */
import { describe, expect, test } from "bun:test";
import * as sched from "../ffi/sched.ts";

describe("sched shim", () => {
  const r = sched.raw;
  test("constants", () => {
    expect(sched.Policy as Record<string, number>).toEqual({ OTHER: r.px_sched_const_other(), FIFO: r.px_sched_const_fifo() });
    expect(sched.FIFO_PRIORITY as Record<string, number>).toEqual({ MIN: r.px_sched_const_priority_min(), MAX: r.px_sched_const_priority_max() });
  });

  test("SCHED_FIFO is granted or refused with -errno, and the thread can go back to SCHED_OTHER", () => {
    const before = sched.current();
    expect(before.policy).toBe(sched.Policy.OTHER);
    const res = sched.setFifo(1);
    try {
      if (res === 0) {
        expect(sched.current()).toEqual({ policy: sched.Policy.FIFO, priority: 1 });
      } else {
        expect(res).toBeLessThan(0);
        expect(sched.errnoText(-res)).toMatch(/^E[A-Z]+/);
        expect(sched.current().policy).toBe(sched.Policy.OTHER);
      }
    } finally {
      expect(sched.setOther()).toBe(0);
    }
    expect(sched.current()).toEqual(before);
    expect(() => sched.setFifo(0)).toThrow(RangeError);
    expect(sched.gettid()).toBeGreaterThan(0);
  });
});

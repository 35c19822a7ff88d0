/**
 * Typed binding of csrc/sched.c: the calling thread's scheduling policy, and futex wait/wake on
 * a 32-bit word of shared memory. Used by the data Workers of real-time partitions
 * (src/scheduling/worker.ts) to ask for SCHED_FIFO, and to sleep and be woken
 * (src/scheduling/futex.ts).
 *
 * Asking may be refused (EPERM without CAP_SYS_NICE or an RLIMIT_RTPRIO allowance): that is a
 * normal outcome, so `setFifo` returns the -errno instead of throwing, and the caller reports
 * "not granted" and runs on. Each call applies to the calling thread only.
 */
import { FFIType as T } from "bun:ffi";
import { errnoName } from "./errno.ts";
import { lazyShim } from "./lib.ts";

/** The sched shim's symbol table: unchecked native calls (-errno results). */
export const raw = lazyShim("sched", {
  px_sched_set_fifo: { args: [T.i32], returns: T.i32 },
  px_sched_set_other: { args: [], returns: T.i32 },
  px_sched_get_policy: { args: [], returns: T.i32 },
  px_sched_get_priority: { args: [], returns: T.i32 },
  px_sched_gettid: { args: [], returns: T.i32 },
  px_sched_const_fifo: { args: [], returns: T.i32 },
  px_sched_const_other: { args: [], returns: T.i32 },
  px_sched_const_priority_max: { args: [], returns: T.i32 },
  px_sched_const_priority_min: { args: [], returns: T.i32 },
  px_sched_futex_wait: { args: [T.ptr, T.i32, T.i32], returns: T.i32 },
  px_sched_futex_wake: { args: [T.ptr, T.i32], returns: T.i32 },
});

/** SCHED_* policies (checked against C by test/scheduling-abi.test.ts). */
export const Policy = { OTHER: 0, FIFO: 1 } as const;
/** SCHED_FIFO priority range on Linux. */
export const FIFO_PRIORITY = { MIN: 1, MAX: 99 } as const;

/** Puts the calling thread on SCHED_FIFO at `priority`. Returns 0, or -errno when refused. */
export function setFifo(priority: number): number {
  if (!Number.isInteger(priority) || priority < FIFO_PRIORITY.MIN || priority > FIFO_PRIORITY.MAX) {
    throw new RangeError(`SCHED_FIFO priority must be ${FIFO_PRIORITY.MIN}..${FIFO_PRIORITY.MAX}, got ${priority}`);
  }
  return raw.px_sched_set_fifo(priority);
}

/** Puts the calling thread back on SCHED_OTHER. Returns 0 or -errno. */
export function setOther(): number {
  return raw.px_sched_set_other();
}

/** The calling thread's policy and priority. */
export function current(): { policy: number; priority: number } {
  return { policy: raw.px_sched_get_policy(), priority: raw.px_sched_get_priority() };
}

/** The calling thread's kernel thread id. */
export function gettid(): number {
  return raw.px_sched_gettid();
}

/** "EPERM (operation not permitted)"-style text for a positive errno. */
export function errnoText(errno: number): string {
  return errnoName(errno);
}

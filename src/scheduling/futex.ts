/**
 * Futex wait and wake on a word of a SharedArrayBuffer, through the sched shim
 * (csrc/sched.c): how a data Worker sleeps on its control block's WAKE word, and how the
 * event loop (bridges, state changes, commands) wakes it.
 *
 * Why not Atomics.wait/notify: in JavaScriptCore they park the thread on a per-thread lock and
 * condition variable, so a wake-up is a signal plus a lock hand-off, and the waker can be held
 * up by the lock too. Measured on the shared 2-core VM (bench/scheduling.bench.ts, event loop →
 * Worker, a buffer every 100 µs, interleaved runs): the futex gave a median one-way latency of
 * 4–10 µs where Atomics.wait gave 14–24 µs whenever the machine was loaded, the same ~20 µs
 * (an idle vCPU's wake-up) when it was not, and a lower p99 in most runs; the tail beyond that
 * belongs to the machine's load. When the shim cannot be loaded (not built), callers fall back
 * to Atomics (`futexAvailable()` is false), the Worker posts a warning and the scheduling stats
 * say "atomics".
 *
 * The symbols are ffi/sched.ts's; the library is opened on first use, never at import, so
 * async pipelines do not pay for it.
 *
 * Threads: any; each thread opens its own binding on first use.
 */
import { ptr } from "bun:ffi";
import { raw } from "../../ffi/sched.ts";

/** Longest single futex sleep, ms (the callers' loops re-check and sleep again). */
export const MAX_FUTEX_WAIT_MS = 1000;

let lib: typeof raw | null = null;
let failure: string | null = null;

function load(): boolean {
  if (lib !== null) return true;
  if (failure !== null) return false;
  try {
    raw.px_sched_gettid(); // the first call opens the shim (or throws ShimLoadError)
    lib = raw;
    return true;
  } catch (e) {
    failure = e instanceof Error ? e.message : String(e);
    return false;
  }
}

/** Whether futex waits and wakes work in this thread (loads the shim on the first call). */
export function futexAvailable(): boolean {
  return load();
}

/** Why the futex is unavailable (null when it is available or was not tried). */
export function futexFailure(): string | null {
  return failure;
}

/** How a wait ended, as Atomics.wait says it ("ok": woken, possibly spuriously). */
export type WaitResult = "ok" | "not-equal" | "timed-out";

const EAGAIN = 11;
const ETIMEDOUT = 110;

/**
 * Sleeps while `i32[index] === expected`, at most `timeoutMs` (and MAX_FUTEX_WAIT_MS). Returns
 * at once when the word already differs. Blocks the calling thread (a data Worker). Call only
 * when futexAvailable().
 */
export function futexWait(i32: Int32Array, index: number, expected: number, timeoutMs: number): WaitResult {
  const us = Math.max(0, Math.round(Math.min(timeoutMs, MAX_FUTEX_WAIT_MS) * 1000));
  const r = lib!.px_sched_futex_wait(ptr(i32, index * 4), expected, us);
  return r === -EAGAIN ? "not-equal" : r === -ETIMEDOUT ? "timed-out" : "ok";
}

/** Wakes up to `count` threads sleeping in futexWait on `i32[index]`. Any thread; never blocks. */
export function futexWake(i32: Int32Array, index: number, count = 1): void {
  if (lib === null && !load()) return;
  lib!.px_sched_futex_wake(ptr(i32, index * 4), count);
}

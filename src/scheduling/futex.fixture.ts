/**
 * Worker entry for futex.test.ts: takes a control block, chooses its wait mode as a data Worker
 * does (or is told to use Atomics), raises SLEEPING, says it is about to sleep, sleeps on WAKE
 * and reports how the sleep ended. Thread: a Worker started by the test.
 */
import { C_SLEEPING, C_WAIT_MODE, C_WAKE, Control } from "./control.ts";
import { WaitMode } from "./ring.ts";

declare const self: Worker;

export type FixtureInit = { control: SharedArrayBuffer; mode: "choose" | "atomics"; timeoutMs: number };

self.onmessage = (e: MessageEvent<FixtureInit>) => {
  const ctl = new Control(e.data.control);
  const mode = e.data.mode === "choose" ? ctl.chooseWaitMode() : WaitMode.ATOMICS;
  if (e.data.mode === "atomics") Atomics.store(ctl.i32, C_WAIT_MODE, WaitMode.ATOMICS);
  Atomics.store(ctl.i32, C_SLEEPING, 1);
  const seen = Atomics.load(ctl.i32, C_WAKE);
  postMessage({ type: "sleeping", mode });
  const result = ctl.sleep(seen, e.data.timeoutMs);
  Atomics.store(ctl.i32, C_SLEEPING, 0);
  postMessage({ type: "woke", result });
};

/**
 * The data Worker: hosts one or more real-time partitions and runs their cycles.
 *
 * Start-up: imports the built-in elements (src/index.ts) and then every module of
 * `rt.modules` (plugins, test fixtures: modules that register their elements when imported),
 * builds and prepares the partitions from the `init` message, asks for SCHED_FIFO if
 * `init.priority` > 0 (rt.priority, or "auto": only for a timer-driven partition; reporting
 * whether it was granted), and answers `ready` (or `fatal`).
 *
 * The loop: while the control block says RUNNING, run a cycle of every partition whose driver
 * says it is due; when none is, sleep in Atomics.wait on the control block's WAKE word until
 * the earliest timer deadline or clock callback, or until a bridge, a state change or a manual
 * trigger wakes it (a futex wait, see futex.ts, or Atomics.wait without the shim; before that
 * it polls its inputs for SPIN_BEFORE_SLEEP_NS, 5 µs, and never longer). Before sleeping it
 * raises SLEEPING and tries once more, so
 * a wake-up between "nothing to do" and the wait is never lost (ring.ts explains the pattern).
 * Every LOOP_YIELD_MS it returns to its event loop for a moment (microtasks and messages).
 * While idle or paused, or while a task waits for something only the event loop delivers (a
 * pool's release watcher), it sleeps on its event loop instead of blocking: until a `wake`
 * message from the event loop (sent with every state change), an unblocked task, or a short
 * timeout. (Atomics.waitAsync would be the natural tool, but in a Bun 1.4 Worker its promise
 * never settles, not even at its timeout.)
 *
 * Property changes from the event loop (commands.ts) are applied between cycles: just before a
 * partition's next cycle runs, and at once while idle or paused.
 *
 * Teardown: STATE=STOP ends the loop; partitions stop (elements stop and unprepare, bridges
 * drain and close their pools), the Worker reports `stopped`, and the event loop terminates it.
 *
 * Thread: this module is the entry point of a Worker; it does nothing on the main thread.
 */
import "../index.ts";
import { registry } from "../registry.ts";
import { CommandReader } from "./commands.ts";
import { Control, SPIN_BEFORE_SLEEP_NS, C_ALIVE, C_EOS_REQUEST, C_PRIORITY, C_SLEEPING, C_WAKE, WorkerState } from "./control.ts";
import { WorkerClock } from "./driver.ts";
import { futexFailure } from "./futex.ts";
import { Ring, WaitMode } from "./ring.ts";
import { PartitionBuildError, PartitionRunner } from "./runner.ts";
import type { WorkerInit, WorkerReport } from "./spec.ts";

declare const self: Worker;

/** Longest stretch the loop runs without letting the Worker's event loop turn, ms. */
export const LOOP_YIELD_MS = 10;
/** Longest single sleep when nothing is scheduled, ms (a safety net; wake-ups end it sooner). */
export const IDLE_WAIT_MS = 250;
/** Longest wait on a starved copy pool before looking at the control block again, ms. */
export const STARVED_WAIT_MS = 2;
/** While sleeping on the event loop for a blocked task, how often the wake word is checked, ms. */
export const EVENT_LOOP_POLL_MS = 1;

function report(r: WorkerReport): void {
  try {
    postMessage(r);
  } catch {
    // Not cloneable (an element message with functions, say): send what can be sent.
    postMessage(JSON.parse(JSON.stringify(r, (_k, v) => (typeof v === "function" || typeof v === "bigint" ? String(v) : v))));
  }
}

const yieldNow = () => new Promise<void>((r) => setImmediate(r));

let wakeEventLoopSleep: (() => void) | null = null;

/** Ends an event-loop sleep at once (a `wake` message, a task unblocked on this thread). */
function endEventLoopSleep(): void {
  const w = wakeEventLoopSleep;
  wakeEventLoopSleep = null;
  w?.();
}

/** Sleeps letting the Worker's event loop run, until endEventLoopSleep() or `ms` passes. */
function sleepOnEventLoop(ms: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      if (wakeEventLoopSleep === done) wakeEventLoopSleep = null;
      resolve();
    };
    const timer = setTimeout(done, ms);
    wakeEventLoopSleep = done;
  });
}

class WorkerHost {
  readonly control: Control;
  readonly clock: WorkerClock;
  readonly partitions: PartitionRunner[] = [];
  readonly commands: CommandReader;

  constructor(readonly init: WorkerInit) {
    this.control = new Control(init.control);
    this.commands = new CommandReader(new Ring(init.commands));
    if (this.control.chooseWaitMode() !== WaitMode.FUTEX) {
      report({
        type: "bus",
        msg: {
          type: "warning",
          source: `worker${init.index}`,
          domain: "resource",
          message: `data Worker ${init.index} sleeps with Atomics.wait (slower wake-ups): the sched shim's futex is unavailable; run \`bun run build:shims\``,
          debug: futexFailure() ?? undefined,
        },
      });
    }
    this.clock = new WorkerClock(init.mainTimeOrigin);
    for (const spec of init.partitions) {
      this.partitions.push(
        new PartitionRunner(spec, {
          control: this.control,
          clock: this.clock,
          registry,
          report,
          onKick: endEventLoopSleep,
          worker: init.index,
          modules: init.rt.modules,
        }),
      );
    }
    for (const p of this.partitions) p.prepare();
  }

  /** The loop. Resolves after STATE=STOP, once everything is released. */
  async run(): Promise<void> {
    const ctl = this.control;
    const i32 = ctl.i32;
    const clock = this.clock;
    Atomics.store(i32, C_ALIVE, 1);
    let eosSeen = Atomics.load(i32, C_EOS_REQUEST);
    let wasRunning = false;
    let lastYield = performance.now();
    for (;;) {
      const state = ctl.state;
      if (state === WorkerState.STOP) break;
      if (state !== WorkerState.RUNNING) {
        if (wasRunning) for (const p of this.partitions) p.pause();
        wasRunning = false;
        if (this.commands.pending) this.#applyCommands();
        if (ctl.state === state) await sleepOnEventLoop(IDLE_WAIT_MS);
        lastYield = performance.now();
        continue;
      }
      let now = clock.now();
      if (!wasRunning) {
        wasRunning = true;
        for (const p of this.partitions) (p.started ? p.resume(now) : p.start(now));
      }
      if (clock.fireDue(now) > 0) for (const p of this.partitions) p.driver.clockCallback();
      const eos = Atomics.load(i32, C_EOS_REQUEST);
      if (eos !== eosSeen) {
        eosSeen = eos;
        for (const p of this.partitions) if (!p.halted) p.requestEos();
      }
      if (this.#runDue(now)) {
        if (performance.now() - lastYield >= LOOP_YIELD_MS) {
          await yieldNow();
          lastYield = performance.now();
        }
        continue;
      }
      // Nothing due: poll the inputs for a moment (SPIN_BEFORE_SLEEP_NS says why), then raise
      // SLEEPING, try once more, and wait.
      if (this.#spinForInput()) {
        this.#pokeAll();
        continue;
      }
      Atomics.store(i32, C_SLEEPING, 1);
      const w = Atomics.load(i32, C_WAKE);
      this.#pokeAll();
      now = clock.now();
      if (this.#runDue(now) || ctl.state !== WorkerState.RUNNING) {
        Atomics.store(i32, C_SLEEPING, 0);
        continue;
      }
      if (performance.now() - lastYield >= LOOP_YIELD_MS) {
        Atomics.store(i32, C_SLEEPING, 0);
        await yieldNow();
        lastYield = performance.now();
        continue;
      }
      let deadline = clock.nextDue();
      for (const p of this.partitions) if (!p.halted) deadline = Math.min(deadline, p.driver.nextDeadline());
      const timeoutMs = deadline === Infinity ? IDLE_WAIT_MS : Math.max(0, (deadline - now) / 1e6);
      const starved = this.#starved();
      if (starved !== null) {
        Atomics.store(i32, C_SLEEPING, 0);
        starved.waitAvailable(Math.min(STARVED_WAIT_MS, Math.ceil(timeoutMs)));
      } else if (timeoutMs > 0) {
        if (clock.nextDue() === Infinity && this.#anyBlocked()) {
          // A task is blocked and no clock callback will unblock it: it waits for something
          // only the event loop delivers (a pool's release watcher, a microtask). Sleep
          // without blocking the thread; its unblocking ends the sleep, and the wake word is
          // looked at again every millisecond. (A task waiting for its clock time is woken by
          // the blocking wait below, which ends at the clock's next callback.)
          Atomics.store(i32, C_SLEEPING, 0);
          if (Atomics.load(i32, C_WAKE) === w) await sleepOnEventLoop(Math.min(timeoutMs, EVENT_LOOP_POLL_MS));
          lastYield = performance.now();
        } else {
          ctl.sleep(w, timeoutMs);
        }
      }
      Atomics.store(i32, C_SLEEPING, 0);
      this.#pokeAll();
    }
    for (const p of this.partitions) await p.stop();
    Atomics.store(i32, C_ALIVE, 0);
  }

  /** Runs one cycle of each partition that is due. True if any cycle moved something. */
  #runDue(now: number): boolean {
    let any = false;
    for (const p of this.partitions) {
      if (p.halted || !p.driver.due(now)) continue;
      // Property changes sent before this cycle was due are applied before it runs (due()
      // read the trigger or the clock after they were published).
      if (this.commands.pending) this.#applyCommands();
      const progressed = p.cycle();
      p.driver.done(p.lastCycleEnd, progressed);
      if (progressed || p.driver.kind !== "freewheel") any = true;
    }
    return any;
  }

  /** Applies every waiting command, in order. Between cycles. */
  #applyCommands(): void {
    for (let c = this.commands.read(); c !== null; c = this.commands.read()) {
      let found = false;
      for (const p of this.partitions) if (p.setProperty(c.element, c.key, c.value)) found = true;
      if (!found) {
        report({ type: "bus", msg: { type: "warning", source: c.element, domain: "core", message: `data Worker ${this.init.index}: no element "${c.element}" to change "${c.key}" on` } });
      }
    }
  }

  /** Polls bridges, commands and the state for up to SPIN_BEFORE_SLEEP_NS; true if one moved. */
  #spinForInput(): boolean {
    const ctl = this.control;
    const until = performance.now() + SPIN_BEFORE_SLEEP_NS / 1e6;
    const wake = Atomics.load(ctl.i32, C_WAKE);
    do {
      for (const p of this.partitions) if (!p.halted && p.hasInput()) return true;
      if (this.commands.pending || Atomics.load(ctl.i32, C_WAKE) !== wake) return true;
    } while (performance.now() < until);
    return false;
  }

  #anyBlocked(): boolean {
    for (const p of this.partitions) if (!p.halted && p.hasBlockedTask()) return true;
    return false;
  }

  #pokeAll(): void {
    for (const p of this.partitions) p.driver.poke();
  }

  #starved() {
    for (const p of this.partitions) {
      const s = p.starvedPool();
      if (s !== null) return s;
    }
    return null;
  }
}

/** Asks for SCHED_FIFO at init.priority (resolved by the event loop from rt.priority). */
async function requestPriority(init: WorkerInit, ctl: Control): Promise<void> {
  const prio = init.priority;
  if (prio <= 0) return;
  let granted = false;
  let detail: string;
  try {
    const sched = await import("../../ffi/sched.ts");
    const r = sched.setFifo(prio);
    granted = r === 0;
    Atomics.store(ctl.i32, C_PRIORITY, granted ? 1 : r);
    detail = granted ? `SCHED_FIFO priority ${prio}` : `sched_setscheduler(SCHED_FIFO, ${prio}) failed: ${sched.errnoText(-r)}`;
  } catch (e) {
    Atomics.store(ctl.i32, C_PRIORITY, -38);
    detail = `the sched shim is unavailable: ${e instanceof Error ? e.message : String(e)}`;
  }
  report({ type: "priority", worker: init.index, requested: prio, granted, detail });
}

self.onmessage = async (e: MessageEvent<WorkerInit>) => {
  const init = e.data;
  if (init?.type !== "init") return;
  // From now on messages are only nudges: the control block says what to do.
  self.onmessage = () => endEventLoopSleep();
  let host: WorkerHost;
  try {
    for (const m of init.rt.modules) await import(m);
    host = new WorkerHost(init);
  } catch (err) {
    report({
      type: "fatal",
      worker: init.index,
      message: err instanceof Error ? err.message : String(err),
      element: err instanceof PartitionBuildError ? err.element : undefined,
    });
    return;
  }
  await requestPriority(init, host.control);
  report({ type: "ready", worker: init.index });
  try {
    await host.run();
  } catch (err) {
    report({
      type: "fatal",
      worker: init.index,
      message: `data Worker ${init.index} failed: ${err instanceof Error ? err.message : String(err)}`,
    });
    for (const p of host.partitions) await p.stop().catch(() => {});
  }
  report({ type: "stopped", worker: init.index });
};

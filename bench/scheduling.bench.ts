/**
 * Bridge benchmarks (mitata + explicit latency runs): what one bridge between the event loop
 * and a data Worker carries, with the real BridgeWriter/BridgeReader and the same waiting
 * protocol as the engine (the Worker blocks in Atomics.wait on its wake word; the event loop
 * waits with Atomics.waitAsync on the ring's words).
 *
 *   bun bench/scheduling.bench.ts [--quick]
 *
 * 1. Throughput (mitata): batches of BATCH buffers from the event loop into a Worker that reads
 *    and releases them: empty buffers (descriptor only), 4 KiB memfd pool slots (by reference),
 *    4 KiB heap buffers (copied once into the bridge's pool).
 * 2. One-way latency: a buffer every PACE_US, stamped with the send time (the two threads share
 *    a time base); the receiver records arrival − stamp. Event loop → Worker (the Worker wakes
 *    from its sleep on the control block: a futex, as the engine does, or Atomics.wait, as it
 *    did before and does without the shim) and Worker → event loop (the event loop wakes from
 *    Atomics.waitAsync). Each case at the normal policy and at SCHED_FIFO, interleaved over
 *    rounds; p50/p90/p99/p99.9 are medians over the rounds, and CPU is the process's CPU time
 *    over the run's wall time (both threads: 1.0 = one core busy).
 * 3. Pipeline: `fakesrc ! identity ! fakesink` with the sink's handoff on the event loop, async
 *    vs hybrid (source and identity in a Worker, one bridge out), interleaved.
 * Targets from issue 5: ≥ 300 k buffers/s through one bridge; one-way p50 ≤ 20 µs, p99 ≤ 200 µs.
 * This file is also the Worker's entry point (it checks Bun.isMainThread).
 */
import { bench, group, run, summary } from "mitata";
import { Buffer } from "../src/buffer.ts";
import { BufferPool } from "../src/memory/index.ts";
import { BridgeReader, BridgeWriter, WriteResult } from "../src/scheduling/bridge.ts";
import { C_SLEEPING, C_WAIT_MODE, C_WAKE, Control, SPIN_BEFORE_SLEEP_NS } from "../src/scheduling/control.ts";
import { WorkerClock } from "../src/scheduling/driver.ts";
import { Ring, W_CONSUMER_SLEEPING, W_DATA_SEQ, W_PRODUCER_SLEEPING, W_SPACE_SEQ, WaitMode, wakeAlways } from "../src/scheduling/ring.ts";

const BATCH = 10_000;
const CAPACITY = 256;
const PACE_US = 100;
const QUICK = process.argv.includes("--quick");
const LATENCY_SAMPLES = QUICK ? 3_000 : 5_000;
const LATENCY_ROUNDS = QUICK ? 1 : 3;

/** Shared words between the bench's two threads (besides the ring and the control block). */
const A_CONSUMED = 0; // buffers the consumer has read and released
const A_STOP = 1;
const A_SAMPLES = 2; // samples recorded (latency runs)

type Init = {
  ring: SharedArrayBuffer;
  control: SharedArrayBuffer;
  ack: SharedArrayBuffer;
  samples: SharedArrayBuffer;
  role: "consume" | "produce";
  count: number;
  origin: number;
  busyPacing: boolean;
  /** SCHED_FIFO priority for the Worker's thread (0: normal policy), as rt.priority does. */
  priority: number;
  /** How the Worker sleeps on its control block: as the engine chooses (futex) or Atomics.wait. */
  wait: WaitChoice;
  /**
   * Consumer only: polls the ring this long before it sleeps (the "spin then block" idea; the
   * engine does not do it: on this shared 2-core machine it made the tail worse at the normal
   * policy, and barely better at SCHED_FIFO for twice the CPU — this case keeps that measurable).
   */
  spinUs: number;
};
type WaitChoice = "engine" | "atomics";

/** Makes the Worker sleep the way `wait` says (the engine: Control.chooseWaitMode). */
function chooseWait(ctl: Control, wait: WaitChoice): void {
  if (wait === "engine") ctl.chooseWaitMode();
  else Atomics.store(ctl.i32, C_WAIT_MODE, WaitMode.ATOMICS);
}

declare const self: Worker;

/**
 * Waits about `us` microseconds between two sends: blocking (the core is given away, as an
 * event loop with nothing to do would) or busy (the sender's core stays awake, as under load).
 */
const pacer = new Int32Array(new SharedArrayBuffer(4));
let busyPacing = false;
function pace(us: number): void {
  if (!busyPacing) {
    Atomics.wait(pacer, 0, 0, us / 1000);
    return;
  }
  const until = performance.now() + us / 1000;
  while (performance.now() < until) {
    // busy pacing (see above)
  }
}

// ---------------------------------------------------------------------------------------------
// The Worker side.
// ---------------------------------------------------------------------------------------------

function workerConsume(init: Init): void {
  const ring = new Ring(init.ring);
  const ctl = new Control(init.control);
  const ack = new Int32Array(init.ack);
  const samples = new Float64Array(init.samples);
  const clock = new WorkerClock(init.origin);
  const reader = new BridgeReader(ring, ring.producerTarget(), "bench-in");
  chooseWait(ctl, init.wait);
  let consumed = 0;
  while (Atomics.load(ack, A_STOP) === 0) {
    const x = reader.read();
    if (x !== null) {
      if (x instanceof Buffer) {
        if (x.pts >= 0) {
          const n = Atomics.load(ack, A_SAMPLES);
          if (n < samples.length) {
            samples[n] = clock.now() - x.pts;
            Atomics.store(ack, A_SAMPLES, n + 1);
          }
        }
        x.release();
        consumed++;
      }
      continue;
    }
    // Empty: publish progress, then sleep on the wake word as the data Worker does.
    Atomics.store(ack, A_CONSUMED, consumed);
    Atomics.notify(ack, A_CONSUMED);
    // The engine polls briefly before sleeping (control.ts, SPIN_BEFORE_SLEEP_NS); "atomics"
    // is the engine as it was before (no poll, Atomics.wait).
    const spinUs = init.spinUs > 0 ? init.spinUs : init.wait === "engine" ? SPIN_BEFORE_SLEEP_NS / 1000 : 0;
    if (spinUs > 0) {
      const until = performance.now() + spinUs / 1000;
      while (reader.available() === 0 && performance.now() < until) {
        // spin (see Init.spinUs)
      }
      if (reader.available() > 0) continue;
    }
    Atomics.store(ctl.i32, C_SLEEPING, 1);
    const w = Atomics.load(ctl.i32, C_WAKE);
    if (reader.available() === 0 && Atomics.load(ack, A_STOP) === 0) ctl.sleep(w, 100);
    Atomics.store(ctl.i32, C_SLEEPING, 0);
  }
  void reader.close();
}

function workerProduce(init: Init): void {
  const ring = new Ring(init.ring);
  const ctl = new Control(init.control);
  const ack = new Int32Array(init.ack);
  const clock = new WorkerClock(init.origin);
  const writer = new BridgeWriter(ring, ring.consumerTarget(), "bench-out");
  chooseWait(ctl, init.wait);
  const empty = new Uint8Array(0);
  for (let i = 0; i < init.count && Atomics.load(ack, A_STOP) === 0; i++) {
    pace(PACE_US);
    const b = new Buffer(empty);
    b.pts = clock.now();
    while (writer.writeBuffer(b) !== WriteResult.OK) {
      Atomics.store(ctl.i32, C_SLEEPING, 1);
      const w = Atomics.load(ctl.i32, C_WAKE);
      if (ring.free() < writer.needed) ctl.sleep(w, 1);
      Atomics.store(ctl.i32, C_SLEEPING, 0);
    }
  }
  void writer.close();
}

if (!Bun.isMainThread) {
  self.onmessage = async (e: MessageEvent<Init>) => {
    busyPacing = e.data.busyPacing;
    if (e.data.priority > 0) {
      const sched = await import("../ffi/sched.ts");
      const r = sched.setFifo(e.data.priority);
      if (r !== 0) console.log(`(SCHED_FIFO ${e.data.priority} not granted: ${sched.errnoText(-r)})`);
    }
    if (e.data.role === "consume") workerConsume(e.data);
    else workerProduce(e.data);
    postMessage("done");
  };
}

// ---------------------------------------------------------------------------------------------
// The event-loop side.
// ---------------------------------------------------------------------------------------------

type Link = { ring: Ring; control: Control; ack: Int32Array; samples: Float64Array; worker: Worker; done: Promise<unknown> };

function startWorker(role: Init["role"], count = 0, samples = 1, priority = 0, wait: WaitChoice = "engine", spinUs = 0): Link {
  const ring = Ring.create(CAPACITY);
  const control = new Control();
  const ackSab = new SharedArrayBuffer(64);
  const samplesSab = new SharedArrayBuffer(8 * samples);
  const worker = new Worker(import.meta.url);
  const done = new Promise((r) => worker.addEventListener("message", r, { once: true }));
  worker.postMessage({ ring: ring.sab, control: control.sab, ack: ackSab, samples: samplesSab, role, count, origin: performance.timeOrigin, priority, busyPacing, wait, spinUs } satisfies Init);
  return { ring, control, ack: new Int32Array(ackSab), samples: new Float64Array(samplesSab), worker, done };
}

async function stopWorker(l: Link): Promise<void> {
  Atomics.store(l.ack, A_STOP, 1);
  wakeAlways(l.control.target);
  await l.done;
  const closed = new Promise((r) => l.worker.addEventListener("close", r, { once: true }));
  l.worker.terminate();
  await closed;
}

/** Waits (event loop) until the ring has room for the refused write: the engine's protocol. */
async function waitSpace(w: BridgeWriter): Promise<void> {
  const i32 = w.ring.i32;
  Atomics.store(i32, W_PRODUCER_SLEEPING, 1);
  const seq = Atomics.load(i32, W_SPACE_SEQ);
  if (w.ring.free() < w.needed) {
    const r = Atomics.waitAsync(i32, W_SPACE_SEQ, seq, 1000);
    if (r.async) await r.value;
  }
  Atomics.store(i32, W_PRODUCER_SLEEPING, 0);
}

async function waitConsumed(l: Link, target: number): Promise<void> {
  for (;;) {
    const c = Atomics.load(l.ack, A_CONSUMED);
    if (c >= target) return;
    const r = Atomics.waitAsync(l.ack, A_CONSUMED, c, 1000);
    if (r.async) await r.value;
  }
}

/** One mitata iteration: BATCH buffers into the Worker, until it has read them all. */
function throughput(l: Link, make: () => Buffer | null, pool: BufferPool | null) {
  const writer = new BridgeWriter(l.ring, l.control.target, "bench");
  let sent = 0;
  return {
    writer,
    async iteration(): Promise<void> {
      const target = sent + BATCH;
      while (sent < target) {
        const b = make();
        if (b === null) {
          await new Promise<void>((r) => pool!.onAvailable(r));
          continue;
        }
        let r = writer.writeBuffer(b);
        while (r !== WriteResult.OK) {
          if (r === WriteResult.NO_MEMORY) await new Promise<void>((res) => writer.starved!.onAvailable(res));
          else await waitSpace(writer);
          r = writer.writeBuffer(b);
        }
        sent++;
      }
      await waitConsumed(l, target);
    },
  };
}

function pct(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

type Latency = { p50: number; p90: number; p99: number; p999: number; max: number; cpu: number; n: number };

/** Percentiles in µs; `cpu` is filled in by the caller. */
function summarize(ns: number[]): Latency {
  const s = [...ns].sort((a, b) => a - b);
  const us = (q: number) => pct(s, q) / 1000;
  return { p50: us(0.5), p90: us(0.9), p99: us(0.99), p999: us(0.999), max: s[s.length - 1]! / 1000, cpu: 0, n: s.length };
}

/** The process's CPU time over wall time since `start` (1.0: one core busy). */
function cpuSince(start: { cpu: NodeJS.CpuUsage; wall: number }): number {
  const c = process.cpuUsage(start.cpu);
  return (c.user + c.system) / 1000 / (performance.now() - start.wall);
}

const cpuStart = () => ({ cpu: process.cpuUsage(), wall: performance.now() });

/** Event loop → Worker: paced sends, the Worker wakes from its sleep on the control block. */
async function latencyIntoWorker(priority: number, wait: WaitChoice, spinUs = 0): Promise<Latency> {
  const l = startWorker("consume", 0, LATENCY_SAMPLES, priority, wait, spinUs);
  const writer = new BridgeWriter(l.ring, l.control.target, "latency");
  const empty = new Uint8Array(0);
  await Bun.sleep(50);
  const start = cpuStart();
  for (let i = 0; i < LATENCY_SAMPLES; i++) {
    pace(PACE_US); // blocks the event loop between sends (this benchmark owns it)
    const b = new Buffer(empty);
    b.pts = Math.round(performance.now() * 1e6);
    while (writer.writeBuffer(b) !== WriteResult.OK) await waitSpace(writer);
    if (i % 1000 === 999) await Bun.sleep(0); // let the event loop breathe
  }
  while (Atomics.load(l.ack, A_SAMPLES) < LATENCY_SAMPLES) await Bun.sleep(5);
  const cpu = cpuSince(start);
  const out = { ...summarize(Array.from(l.samples.subarray(0, LATENCY_SAMPLES))), cpu };
  await stopWorker(l);
  await writer.close();
  return out;
}

/** Worker → event loop: paced sends from the Worker, the event loop wakes from waitAsync. */
async function latencyFromWorker(priority: number, wait: WaitChoice): Promise<Latency> {
  const l = startWorker("produce", LATENCY_SAMPLES, 1, priority, wait);
  const reader = new BridgeReader(l.ring, l.control.target, "latency");
  const got: number[] = [];
  const i32 = l.ring.i32;
  const start = cpuStart();
  while (got.length < LATENCY_SAMPLES) {
    const x = reader.read();
    if (x !== null) {
      if (x instanceof Buffer) got.push(Math.round(performance.now() * 1e6) - x.pts);
      continue;
    }
    Atomics.store(i32, W_CONSUMER_SLEEPING, 1);
    const seq = Atomics.load(i32, W_DATA_SEQ);
    if (reader.available() === 0) {
      const r = Atomics.waitAsync(i32, W_DATA_SEQ, seq, 1000);
      if (r.async) await r.value;
    }
    Atomics.store(i32, W_CONSUMER_SLEEPING, 0);
  }
  const cpu = cpuSince(start);
  await stopWorker(l);
  await reader.close();
  return { ...summarize(got), cpu };
}

async function pipelineRate(mode: "async" | "hybrid", n: number): Promise<number> {
  const { launch } = await import("../src/index.ts");
  const p = launch(`fakesrc num-buffers=${n} ! identity ! fakesink name=out signal-handoffs=true`, { scheduling: mode });
  const out = p.getElement("out") as import("../src/index.ts").FakeSink;
  let first = 0;
  let last = 0;
  let k = 0;
  out.onHandoff = () => {
    const t = performance.now();
    if (k++ === 0) first = t;
    last = t;
  };
  await p.run();
  return (n - 1) / ((last - first) / 1000);
}

if (Bun.isMainThread) {
  const links: Link[] = [];
  const cases: { name: string; fn: () => Promise<void> }[] = [];
  const pool = BufferPool.create({ slotSize: 4096, slotCount: 1024, name: "px-bench-bridge" });
  const heap = new Uint8Array(4096);
  const empty = new Uint8Array(0);
  const mk = (name: string, make: () => Buffer | null, withPool: BufferPool | null, wait: WaitChoice = "engine") => {
    const l = startWorker("consume", 0, 1, 0, wait);
    links.push(l);
    const t = throughput(l, make, withPool);
    cases.push({ name, fn: () => t.iteration() });
    return t;
  };
  const writers = [
    mk(`${BATCH} empty buffers → Worker`, () => new Buffer(empty), null),
    mk(`${BATCH} empty buffers → Worker (Atomics.wait)`, () => new Buffer(empty), null, "atomics"),
    mk(`${BATCH} × 4 KiB memfd slots → Worker (by reference)`, () => pool.acquire(), pool),
    mk(`${BATCH} × 4 KiB heap buffers → Worker (copied once)`, () => new Buffer(heap), null),
  ].map((t) => t.writer);
  await Bun.sleep(300); // Workers start

  group("one bridge, event loop → data Worker", () => {
    summary(() => {
      for (const c of cases) bench(c.name, c.fn);
    });
  });
  const res = await run(QUICK ? { throw: true } : {});
  for (const l of links) await stopWorker(l);
  for (const w of writers) await w.close();

  console.log("\nthroughput (buffers/s, from mitata's mean time per batch):");
  for (const b of res.benchmarks) {
    const st = b.runs[0]?.stats;
    if (st) console.log(`  ${b.alias.padEnd(52)} ${((BATCH / st.avg) * 1e9 / 1000).toFixed(0).padStart(6)} k/s   (target ≥ 300 k/s)`);
  }

  const load = () => require("node:fs").readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
  console.log(`\none-way latency, one buffer every ${PACE_US} µs, ${LATENCY_SAMPLES} samples × ${LATENCY_ROUNDS} interleaved rounds, medians (targets p50 ≤ 20 µs, p99 ≤ 200 µs); load ${load()}:`);
  const rows = new Map<string, Latency[]>();
  const latencyCases: { name: string; run: () => Promise<Latency> }[] = [];
  for (const busy of [false, true]) {
    // (A busy-paced sender at SCHED_FIFO would be a spinning real-time thread on a 2-core
    // machine: it starves the other side, which measures nothing useful.)
    for (const prio of busy ? [0] : [0, 10]) {
      const policy = prio ? `SCHED_FIFO ${prio}` : "normal";
      const pacing = busy ? "busy sender" : "sleeping sender";
      for (const wait of ["atomics", "engine"] as const) {
        const how = wait === "engine" ? "futex" : "Atomics.wait";
        latencyCases.push({ name: `→ Worker (${how}), ${policy}, ${pacing}`, run: () => ((busyPacing = busy), latencyIntoWorker(prio, wait)) });
      }
      if (!busy) {
        latencyCases.push({ name: `→ Worker (futex, 50 µs spin first), ${policy}, ${pacing}`, run: () => ((busyPacing = busy), latencyIntoWorker(prio, "engine", 50)) });
      }
      latencyCases.push({ name: `→ event loop (waitAsync), ${policy}, ${pacing}`, run: () => ((busyPacing = busy), latencyFromWorker(prio, "engine")) });
    }
  }
  for (let r = 0; r < LATENCY_ROUNDS; r++) {
    for (const c of latencyCases) {
      const x = await c.run();
      const list = rows.get(c.name) ?? [];
      list.push(x);
      rows.set(c.name, list);
    }
  }
  const mid = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const col = (v: number, w = 8) => v.toFixed(1).padStart(w);
  console.log(`  ${"case".padEnd(52)}      p50      p90      p99    p99.9   CPU   (p99 of each round)`);
  for (const [name, xs] of rows) {
    const m = (k: keyof Latency) => mid(xs.map((x) => x[k]));
    console.log(`  ${name.padEnd(52)} ${col(m("p50"))} ${col(m("p90"))} ${col(m("p99"))} ${col(m("p999"))} ${m("cpu").toFixed(2).padStart(5)}   (${xs.map((x) => x.p99.toFixed(0)).join(", ")})`);
  }
  console.log(`  load after: ${load()}`);

  const N = QUICK ? 50_000 : 200_000;
  const rates: Record<string, number[]> = { async: [], hybrid: [] };
  for (let i = 0; i < (QUICK ? 1 : 3); i++) {
    for (const m of ["async", "hybrid"] as const) rates[m]!.push(await pipelineRate(m, N));
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(`\npipeline fakesrc ! identity ! fakesink(handoff on the event loop), ${N} buffers, median of ${rates.async!.length}:`);
  console.log(`  async (all on the event loop):            ${(med(rates.async!) / 1000).toFixed(0)} k buffers/s`);
  console.log(`  hybrid (source + identity in a Worker):   ${(med(rates.hybrid!) / 1000).toFixed(0)} k buffers/s`);
  await pool.close();
}

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
 *    from Atomics.wait) and Worker → event loop (the event loop wakes from Atomics.waitAsync).
 * 3. Pipeline: `fakesrc ! identity ! fakesink` with the sink's handoff on the event loop, async
 *    vs hybrid (source and identity in a Worker, one bridge out), interleaved.
 * Targets from issue 5: ≥ 300 k buffers/s through one bridge; one-way p50 ≤ 20 µs, p99 ≤ 200 µs.
 * This file is also the Worker's entry point (it checks Bun.isMainThread).
 */
import { bench, group, run, summary } from "mitata";
import { Buffer } from "../src/buffer.ts";
import { BufferPool } from "../src/memory/index.ts";
import { BridgeReader, BridgeWriter, WriteResult } from "../src/scheduling/bridge.ts";
import { C_SLEEPING, C_WAKE, Control } from "../src/scheduling/control.ts";
import { WorkerClock } from "../src/scheduling/driver.ts";
import { Ring, W_CONSUMER_SLEEPING, W_DATA_SEQ, W_PRODUCER_SLEEPING, W_SPACE_SEQ } from "../src/scheduling/ring.ts";

const BATCH = 10_000;
const CAPACITY = 256;
const PACE_US = 100;
const QUICK = process.argv.includes("--quick");
const LATENCY_SAMPLES = QUICK ? 3_000 : 20_000;

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
};

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
    Atomics.store(ctl.i32, C_SLEEPING, 1);
    const w = Atomics.load(ctl.i32, C_WAKE);
    if (reader.available() === 0 && Atomics.load(ack, A_STOP) === 0) Atomics.wait(ctl.i32, C_WAKE, w, 100);
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
  const empty = new Uint8Array(0);
  for (let i = 0; i < init.count && Atomics.load(ack, A_STOP) === 0; i++) {
    pace(PACE_US);
    const b = new Buffer(empty);
    b.pts = clock.now();
    while (writer.writeBuffer(b) !== WriteResult.OK) {
      const w = Atomics.load(ctl.i32, C_WAKE);
      Atomics.wait(ctl.i32, C_WAKE, w, 1);
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

function startWorker(role: Init["role"], count = 0, samples = 1, priority = 0): Link {
  const ring = Ring.create(CAPACITY);
  const control = new Control();
  const ackSab = new SharedArrayBuffer(64);
  const samplesSab = new SharedArrayBuffer(8 * samples);
  const worker = new Worker(import.meta.url);
  const done = new Promise((r) => worker.addEventListener("message", r, { once: true }));
  worker.postMessage({ ring: ring.sab, control: control.sab, ack: ackSab, samples: samplesSab, role, count, origin: performance.timeOrigin, priority, busyPacing } satisfies Init);
  return { ring, control, ack: new Int32Array(ackSab), samples: new Float64Array(samplesSab), worker, done };
}

async function stopWorker(l: Link): Promise<void> {
  Atomics.store(l.ack, A_STOP, 1);
  Atomics.add(l.control.i32, C_WAKE, 1);
  Atomics.notify(l.control.i32, C_WAKE);
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

function summarize(ns: number[]): { p50: number; p99: number; max: number; n: number } {
  const s = [...ns].sort((a, b) => a - b);
  return { p50: pct(s, 0.5) / 1000, p99: pct(s, 0.99) / 1000, max: s[s.length - 1]! / 1000, n: s.length };
}

/** Event loop → Worker: paced sends, the Worker wakes from Atomics.wait. */
async function latencyIntoWorker(priority: number): Promise<ReturnType<typeof summarize>> {
  const l = startWorker("consume", 0, LATENCY_SAMPLES, priority);
  const writer = new BridgeWriter(l.ring, l.control.target, "latency");
  const empty = new Uint8Array(0);
  await Bun.sleep(50);
  for (let i = 0; i < LATENCY_SAMPLES; i++) {
    pace(PACE_US); // blocks the event loop between sends (this benchmark owns it)
    const b = new Buffer(empty);
    b.pts = Math.round(performance.now() * 1e6);
    while (writer.writeBuffer(b) !== WriteResult.OK) await waitSpace(writer);
    if (i % 1000 === 999) await Bun.sleep(0); // let the event loop breathe
  }
  while (Atomics.load(l.ack, A_SAMPLES) < LATENCY_SAMPLES) await Bun.sleep(5);
  const out = summarize(Array.from(l.samples.subarray(0, LATENCY_SAMPLES)));
  await stopWorker(l);
  await writer.close();
  return out;
}

/** Worker → event loop: paced sends from the Worker, the event loop wakes from waitAsync. */
async function latencyFromWorker(priority: number): Promise<ReturnType<typeof summarize>> {
  const l = startWorker("produce", LATENCY_SAMPLES, 1, priority);
  const reader = new BridgeReader(l.ring, l.control.target, "latency");
  const got: number[] = [];
  const i32 = l.ring.i32;
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
  await stopWorker(l);
  await reader.close();
  return summarize(got);
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
  const mk = (name: string, make: () => Buffer | null, withPool: BufferPool | null) => {
    const l = startWorker("consume");
    links.push(l);
    const t = throughput(l, make, withPool);
    cases.push({ name, fn: () => t.iteration() });
    return t;
  };
  const writers = [
    mk(`${BATCH} empty buffers → Worker`, () => new Buffer(empty), null),
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

  console.log(`\none-way latency, one buffer every ${PACE_US} µs (${LATENCY_SAMPLES} samples; targets p50 ≤ 20 µs, p99 ≤ 200 µs):`);
  const fmt = (x: ReturnType<typeof summarize>) => `p50 ${x.p50.toFixed(1).padStart(6)} µs   p99 ${x.p99.toFixed(1).padStart(8)} µs   max ${x.max.toFixed(0).padStart(6)} µs`;
  for (const busy of [false, true]) {
    busyPacing = busy;
    console.log(busy ? "  sender busy between sends:" : "  sender sleeping between sends:");
    // (A busy-paced sender at SCHED_FIFO would be a spinning real-time thread on a 2-core
    // machine: it starves the other side, which measures nothing useful.)
    for (const prio of busy ? [0] : [0, 10]) {
      const policy = prio ? `SCHED_FIFO ${prio}` : "normal policy";
      console.log(`    event loop → Worker (Atomics.wait), ${policy.padEnd(13)}  ${fmt(await latencyIntoWorker(prio))}`);
      console.log(`    Worker → event loop (waitAsync),    ${policy.padEnd(13)}  ${fmt(await latencyFromWorker(prio))}`);
    }
  }

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

/**
 * Hybrid and realtime scheduling end to end, with real data Workers: the same pipelines give
 * the same output (bytes, timestamps, flags, caps, event order) in async and hybrid modes;
 * buffers cross bridges by reference or are copied once, and the counts say which; an element
 * that overruns its quantum is an xrun, reported, and the pipeline carries on; manual cycles,
 * pause/resume, EOS from a live source, errors and missing modules in a Worker, realtime mode's
 * refusal, the real-time priority report, the CLI flag, and teardown that leaves no Worker,
 * no fd and no slot behind. Every test has an explicit timeout and awaits its pipeline.
 */
import { describe, expect, test } from "bun:test";
import { type AppSink, type AppSrc, Buffer, BufferFlag, type FakeSink, launch, ManualClock, type Pipeline, PipelineError } from "../src/index.ts";
import type { Event } from "../src/events.ts";
import type { Message } from "../src/bus.ts";
import { SlotMemory } from "../src/memory/index.ts";
import { parseLaunchArgs, runLaunch } from "../src/cli/launch.ts";
import { AUTO_RT_PRIORITY, type SchedulingOption, schedulingOf } from "../src/scheduling/index.ts";
import { BusyWait, FIXTURES_MODULE } from "../src/scheduling/fixtures.ts";
import { PartitionStatus } from "../src/scheduling/activation.ts";
import { eventually, openFds } from "../ffi/testing.ts";
import { main as example16 } from "../examples/16_hybrid_scheduling.ts";

const T = 15_000;
void BusyWait; // registered on import (the Worker imports the same module through rt.modules)

type Rec = { seq: number; pts: number; dts: number; duration: number; offset: number; offsetEnd: number; flags: number; bytes: string };

function rec(b: Buffer): Rec {
  return {
    seq: b.sequence,
    pts: b.pts,
    dts: b.dts,
    duration: b.duration,
    offset: b.offset,
    offsetEnd: b.offsetEnd,
    flags: b.flags,
    bytes: Buffer.prototype.text.call({ data: b.data } as Buffer) === "" && b.size === 0 ? "" : new Bun.CryptoHasher("sha1").update(b.data).digest("hex"),
  };
}

/** Records the event types reaching a sink on the event loop. */
function watchEvents(el: { receiveEvent: (pad: never, ev: Event) => boolean }): string[] {
  const seen: string[] = [];
  const real = el.receiveEvent.bind(el);
  el.receiveEvent = (pad, ev) => {
    seen.push(ev.type);
    return real(pad, ev);
  };
  return seen;
}

function messages(p: Pipeline): Message[] {
  const all: Message[] = [];
  p.bus.on("*", (m) => all.push(m));
  return all;
}

const HYBRID: SchedulingOption = { mode: "hybrid", rt: { modules: [FIXTURES_MODULE] } };

describe("async and hybrid give the same output", () => {
  const desc =
    "fakesrc num-buffers=300 sizetype=fixed sizemax=1000 filltype=pattern-span datarate=48000 ! identity ! queue ! identity " +
    '! capsfilter caps="application/x-px,rate=(int)5" ! fakesink name=out signal-handoffs=true';

  async function runFakesrc(scheduling: SchedulingOption) {
    const p = launch(desc, { scheduling });
    const out = p.getElement("out") as FakeSink;
    const got: Rec[] = [];
    let slots = 0;
    out.onHandoff = (b) => {
      got.push(rec(b));
      if (b.memory instanceof SlotMemory) slots++;
    };
    const events = watchEvents(out as never);
    await p.run();
    return { p, got, events, caps: out.sinkPad.caps?.toString(), slots };
  }

  test(
    "a source in a partition, the sink on the event loop: bytes, timestamps, caps and events match",
    async () => {
      const a = await runFakesrc("async");
      const h = await runFakesrc("hybrid");
      expect(a.got.length).toBe(300);
      expect(h.got).toEqual(a.got);
      expect(h.caps).toBe(a.caps!);
      expect(a.caps).toContain("application/x-px");
      expect(h.events).toEqual(a.events);
      expect(a.events).toEqual(["stream-start", "caps", "segment", "eos"]);
      const s = schedulingOf(h.p)!.stats();
      expect(s.placements.filter((x) => x.partition !== null).map((x) => x.element)).toEqual(["fakesrc0", "identity0", "queue0", "identity1", "capsfilter0"]);
      expect(s.partitions[0]!.cycles).toBeGreaterThan(0);
      // fakesrc's memory is a memfd pool: every buffer crossed by slot, none was copied.
      expect(s.bridges).toEqual([expect.objectContaining({ direction: "out", buffers: 300, byReference: 300, copied: 0, events: 4 })]);
      expect(h.slots).toBe(300);
      expect(schedulingOf(h.p)!.liveWorkers).toBe(0);
    },
    T,
  );

  async function runAppsrc(scheduling: SchedulingOption) {
    const p = launch(
      "appsrc name=in caps=application/x-px ! identity ! tee name=t  t. ! queue ! identity ! appsink name=a max-buffers=1000  t. ! queue ! appsink name=b max-buffers=1000",
      { scheduling },
    );
    const src = p.getElement("in") as AppSrc;
    const sinks = [p.getElement("a") as AppSink, p.getElement("b") as AppSink];
    const done = p.run();
    const feeding = (async () => {
      for (let i = 0; i < 200; i++) {
        const b = Buffer.alloc(1 + ((i * 37) % 3000));
        for (let k = 0; k < b.size; k++) b.data[k] = (i + k * 7) & 0xff;
        b.pts = i * 20_000_000;
        b.duration = 20_000_000;
        b.sequence = i;
        b.offset = i;
        b.flags = i % 10 === 0 ? BufferFlag.KEYFRAME : BufferFlag.DISCONT * (i % 3 === 0 ? 1 : 0);
        await src.write(b);
      }
      src.endOfStream();
    })();
    const out = await Promise.all(
      sinks.map(async (s) => {
        const got: Rec[] = [];
        for await (const b of s) {
          got.push(rec(b));
          b.release();
        }
        return got;
      }),
    );
    await feeding;
    await done;
    return { p, out, caps: sinks.map((s) => s.caps?.toString()) };
  }

  test(
    "event loop → partition → event loop, through a tee: both branches match, heap data copied once",
    async () => {
      const a = await runAppsrc("async");
      const h = await runAppsrc("hybrid");
      expect(a.out[0]!.length).toBe(200);
      expect(h.out).toEqual(a.out);
      expect(h.caps).toEqual(a.caps);
      const s = schedulingOf(h.p)!.stats();
      const into = s.bridges.find((b) => b.direction === "in")!;
      const outs = s.bridges.filter((b) => b.direction === "out");
      // Heap buffers from the application are copied once into the bridge's pool...
      expect(into).toMatchObject({ buffers: 200, copied: 200, byReference: 0 });
      expect(into.copiedBytes).toBe(a.out[0]!.length && h.out[0]!.reduce((n, r, i) => n + 1 + ((i * 37) % 3000), 0));
      // ...and from there on travel by slot, on both branches of the tee.
      expect(outs.map((b) => [b.buffers, b.byReference, b.copied])).toEqual([
        [200, 200, 0],
        [200, 200, 0],
      ]);
    },
    T,
  );

  test(
    "a pipeline entirely in a partition runs to EOS with no bridge, and can run again",
    async () => {
      const p = launch("fakesrc num-buffers=2000 sizetype=fixed sizemax=256 ! identity ! queue ! fakesink", { scheduling: "hybrid" });
      for (let round = 0; round < 2; round++) {
        await p.run();
        const ex = schedulingOf(p)!;
        const s = ex.stats();
        expect(s.bridges).toEqual([]);
        expect(s.partitions[0]!.elements.length).toBe(4);
        expect(s.partitions[0]!.nodes.every((n) => n.runs > 0)).toBe(true);
        expect(s.partitions[0]!.status).toBe(PartitionStatus.STOPPED);
        expect(ex.liveWorkers).toBe(0);
      }
    },
    T,
  );
});

describe("several Workers", () => {
  test(
    "two partitions on two data Workers, each bridged to its own sink on the event loop",
    async () => {
      const p = launch(
        "fakesrc num-buffers=500 sizetype=fixed sizemax=64 filltype=pattern-span ! identity ! fakesink name=a signal-handoffs=true " +
          "fakesrc num-buffers=300 sizetype=fixed sizemax=32 filltype=pattern-span ! queue ! fakesink name=b signal-handoffs=true",
        { scheduling: { mode: "hybrid", rt: { workers: 2 } } },
      );
      const seen = { a: [] as number[], b: [] as number[] };
      (p.getElement("a") as FakeSink).onHandoff = (buf) => seen.a.push(buf.sequence);
      (p.getElement("b") as FakeSink).onHandoff = (buf) => seen.b.push(buf.sequence);
      await p.run();
      expect(seen.a).toEqual(Array.from({ length: 500 }, (_, i) => i));
      expect(seen.b).toEqual(Array.from({ length: 300 }, (_, i) => i));
      const s = schedulingOf(p)!.stats();
      expect(s.workers).toBe(2);
      expect(s.partitions.map((x) => x.worker).sort()).toEqual([0, 1]);
      expect(schedulingOf(p)!.liveWorkers).toBe(0);
    },
    T,
  );
});

describe("xruns", () => {
  test(
    "an element that busy-waits past its quantum is counted, reported on the bus, and the pipeline carries on",
    async () => {
      const p = launch("fakesrc num-buffers=12 sizetype=fixed sizemax=16 ! busywait name=slow every=4 spin-us=120000 ! identity ! fakesink name=out signal-handoffs=true", {
        // One buffer per 40 ms cycle; every 4th takes 120 ms in busywait. (Margins are wide:
        // these machines are shared, and a preempted node is late too.)
        scheduling: { mode: "hybrid", rt: { framerate: 25, driver: "timer", modules: [FIXTURES_MODULE] } },
      });
      const seq: number[] = [];
      (p.getElement("out") as FakeSink).onHandoff = (b) => seq.push(b.sequence);
      const all = messages(p);
      await p.run();
      expect(seq).toEqual(Array.from({ length: 12 }, (_, i) => i));
      const ex = schedulingOf(p)!;
      expect(ex.xrunsOf("slow")).toBe(3);
      const s = ex.stats();
      expect(s.partitions[0]!.missed).toBeGreaterThanOrEqual(3); // the timer skipped ticks to recover
      const warnings = all.filter((m) => m.type === "warning" && m.source === "slow");
      expect(warnings.length).toBeGreaterThanOrEqual(1);
      expect((warnings[0] as { message: string }).message).toMatch(/slow overran its quantum: \d+\.\d+ ms in a 40\.000 ms cycle/);
      const xr = all.filter((m) => m.type === "element" && m.name === "xrun") as { data: { count: number; budgetNs: number } }[];
      expect(xr.length).toBeGreaterThanOrEqual(1);
      expect(xr[0]!.data).toMatchObject({ count: 1, budgetNs: 40_000_000 });
    },
    T,
  );
});

describe("drivers and states", () => {
  test(
    "manual driver: one cycle per trigger, one buffer per cycle",
    async () => {
      const p = launch("fakesrc num-buffers=10 ! identity ! fakesink name=out signal-handoffs=true", {
        scheduling: { mode: "hybrid", rt: { driver: "manual" } },
      });
      let n = 0;
      (p.getElement("out") as FakeSink).onHandoff = () => n++;
      const done = p.run();
      const ex = schedulingOf(p)!;
      await ex.ready(); // run() waits for the Workers too, before it takes the base time
      expect(ex.isReady).toBe(true);
      expect(ex.stats().partitions[0]!.cycles).toBe(0);
      ex.trigger(3);
      expect(await ex.waitCycles(0, 3, 5000)).toBe(true);
      expect(await eventually(() => n === 3, 2000)).toBe(true);
      await Bun.sleep(30);
      expect(n).toBe(3); // nothing moves between triggers
      expect(ex.stats().partitions[0]!.cycles).toBe(3);
      ex.trigger(20);
      await done;
      expect(n).toBe(10);
    },
    T,
  );

  test(
    "pause stops the partition's cycles, activate resumes them",
    async () => {
      const p = launch("fakesrc num-buffers=600 sizetype=fixed sizemax=8 ! identity ! fakesink name=out signal-handoffs=true", {
        scheduling: { mode: "hybrid", rt: { driver: "timer", framerate: 2000 } },
      });
      let n = 0;
      (p.getElement("out") as FakeSink).onHandoff = () => n++;
      const done = p.run();
      expect(await eventually(() => n > 20, 5000)).toBe(true);
      p.pause();
      const ex = schedulingOf(p)!;
      expect(await eventually(() => ex.stats().partitions[0]!.status === PartitionStatus.PAUSED, 2000)).toBe(true);
      const cycles = ex.stats().partitions[0]!.cycles;
      await Bun.sleep(40);
      expect(ex.stats().partitions[0]!.cycles).toBe(cycles);
      p.activate();
      await done;
      expect(n).toBe(600);
    },
    T,
  );

  test(
    "a live source in a partition is paced by the timer and ends its stream on sendEos()",
    async () => {
      const p = launch("fakesrc is-live=true ! identity ! fakesink name=out signal-handoffs=true", {
        scheduling: { mode: "hybrid", rt: { framerate: 200 } },
      });
      const pts: number[] = [];
      (p.getElement("out") as FakeSink).onHandoff = (b) => pts.push(b.pts);
      const done = p.run();
      expect(await eventually(() => pts.length >= 10, 5000)).toBe(true);
      p.sendEos();
      await done;
      const ex = schedulingOf(p)!;
      const s = ex.stats();
      expect(s.partitions[0]!.driver).toBe("timer");
      // run() took the base time once the Worker was up: the source did not start late.
      expect(ex.needsPreroll).toBe(true);
      expect(pts[0]!).toBeLessThan(100_000_000);
      // One buffer per 5 ms cycle: live timestamps about 5 ms apart, increasing.
      const gaps = pts.slice(1).map((t, i) => t - pts[i]!);
      expect(gaps.every((g) => g > 0)).toBe(true);
      const median = [...gaps].sort((x, y) => x - y)[Math.floor(gaps.length / 2)]!;
      expect(median).toBeGreaterThan(3_000_000);
      expect(median).toBeLessThan(8_000_000);
    },
    T,
  );
});

describe("failures", () => {
  test(
    "an element failing in a Worker fails the pipeline, naming it; no Worker is left",
    async () => {
      const p = launch("fakesrc num-buffers=100 ! identity name=bad error-after=10 ! fakesink name=out signal-handoffs=true", { scheduling: "hybrid" });
      let err: unknown;
      await p.run().catch((e) => (err = e));
      expect(err).toBeInstanceOf(PipelineError);
      expect((err as PipelineError).source).toBe("bad");
      expect((err as Error).message).toMatch(/failed after 10 buffers/);
      expect(schedulingOf(p)!.liveWorkers).toBe(0);
      expect(p.state).toBe("suspended");
    },
    T,
  );

  test(
    "an element the Worker cannot create (its module not in rt.modules) is a clear error",
    async () => {
      const p = launch("fakesrc num-buffers=5 ! busywait ! fakesink", { scheduling: "hybrid" });
      let err: unknown;
      await p.run().catch((e) => (err = e));
      expect((err as Error).message).toMatch(/factory "busywait" is not registered in the data Worker; add the module that registers it to rt\.modules/);
      expect(schedulingOf(p)!.liveWorkers).toBe(0);
    },
    T,
  );

  test("a partition that needs the clock refuses a clock it cannot follow", () => {
    const p = launch("fakesrc is-live=true ! fakesink", { scheduling: "hybrid", clock: new ManualClock() });
    expect(() => p.prepare()).toThrow(/follows the system clock/);
    expect(p.state).toBe("suspended");
  });

  test("realtime mode refuses an element that cannot run in a partition, saying why", () => {
    const p = launch("fakesrc ! appsink name=app", { scheduling: "realtime" });
    expect(() => p.prepare()).toThrow(/realtime scheduling needs every element.*app \(appsink\) cannot be: its affinity is async.*Use hybrid/);
    expect(p.state).toBe("suspended");
  });
});

describe("realtime mode, priority, CLI, teardown", () => {
  test(
    "realtime mode runs an all-RT pipeline; the SCHED_FIFO request is reported either way",
    async () => {
      const p = launch("fakesrc num-buffers=500 ! identity ! fakesink", { scheduling: { mode: "realtime", rt: { priority: 5 } } });
      const all = messages(p);
      await p.run();
      const pr = schedulingOf(p)!.stats().priority;
      expect(pr.length).toBe(1);
      expect(pr[0]!.requested).toBe(5);
      const text = pr[0]!.granted ? /real-time priority granted \(SCHED_FIFO priority 5\)/ : /real-time priority not granted/;
      expect(all.some((m) => (m.type === "info" || m.type === "warning") && text.test(m.message))).toBe(true);
    },
    T,
  );

  test(
    'priority "auto" asks for SCHED_FIFO only for a Worker with a timer-driven partition',
    async () => {
      const auto = { mode: "hybrid", rt: { framerate: 500, priority: "auto" } } as const;
      const live = launch("fakesrc is-live=true num-buffers=5 ! identity ! fakesink", { scheduling: auto });
      const all = messages(live);
      await live.run();
      const pr = schedulingOf(live)!.stats().priority;
      expect(pr.length).toBe(1);
      expect(pr[0]!.requested).toBe(AUTO_RT_PRIORITY);
      // Granted (as root here) or not, the pipeline ran; a refusal is only an info message.
      const text = pr[0]!.granted ? /real-time priority granted/ : /real-time priority not granted/;
      expect(all.some((m) => m.type === "info" && text.test(m.message))).toBe(true);
      expect(all.some((m) => m.type === "warning" && /priority/.test(m.message))).toBe(false);

      const freewheel = launch("fakesrc num-buffers=5 ! identity ! fakesink", { scheduling: { mode: "hybrid", rt: { priority: "auto" } } });
      await freewheel.run();
      expect(schedulingOf(freewheel)!.stats().partitions[0]!.driver).toBe("freewheel");
      expect(schedulingOf(freewheel)!.stats().priority).toEqual([]); // not asked: it may be busy all the time
    },
    T,
  );

  test(
    "parallax launch --scheduling=hybrid",
    async () => {
      let out = "";
      let errText = "";
      const sink = (f: (s: string) => void) => ({ write: (s: string) => (f(s), true) }) as never;
      const code = await runLaunch(
        parseLaunchArgs(["--scheduling=hybrid", "fakesrc num-buffers=100 ! identity ! fakesink"]),
        sink((s) => (out += s)),
        sink((s) => (errText += s)),
      );
      // No error; a loaded machine may add an overrun warning (a cycle longer than its quantum).
      expect(errText).not.toMatch(/ERROR/);
      expect(code).toBe(0);
      expect(out).toMatch(/hybrid scheduling: partition 0 on Worker 0 \[fakesrc0, identity0, fakesink0\]/);
      expect(() => parseLaunchArgs(["--scheduling=turbo", "fakesrc ! fakesink"])).toThrow(/unknown scheduling mode "turbo"/);
    },
    T,
  );

  test(
    "parallax launch --scheduling=hybrid --rt=…: the real-time options reach the partitions",
    async () => {
      let out = "";
      const sink = (f: (s: string) => void) => ({ write: (s: string) => (f(s), true) }) as never;
      const o = parseLaunchArgs(["--scheduling=hybrid", "--rt=quantum=480,rate=48000,capacity=64", "fakesrc num-buffers=20 ! identity ! fakesink"]);
      expect(o.rt).toEqual({ quantum: 480, rate: 48000, bridgeCapacity: 64 });
      const code = await runLaunch(o, sink((s) => (out += s)), sink(() => {}));
      expect(code).toBe(0);
      expect(out).toMatch(/partition 0 on Worker 0 \[fakesrc0, identity0, fakesink0\] driven by \w+ \(quantum 10\.000 ms\)/);
      expect(() => parseLaunchArgs(["--rt=quantum=480", "fakesrc ! fakesink"])).toThrow(/--rt sets the real-time options of --scheduling=hybrid/);
      expect(() => parseLaunchArgs(["--scheduling=hybrid", "--rt=capacity=100", "fakesrc ! fakesink"])).toThrow(/--rt: rt.bridgeCapacity must be a power of two/);
      expect(() => parseLaunchArgs(["--scheduling=hybrid", "--rt=speed=2", "fakesrc ! fakesink"])).toThrow(/unknown real-time option "speed"/);
    },
    T,
  );

  test(
    "after run() no Worker, fd or pool slot is left, however the buffers crossed",
    async () => {
      // Warm-up: the first run loads shims and modules that keep fds of their own.
      await launch("fakesrc num-buffers=10 ! fakesink", { scheduling: "hybrid" }).run();
      const fds = openFds();
      for (let i = 0; i < 2; i++) {
        const p = launch("appsrc name=in ! identity ! queue ! appsink name=out", { scheduling: "hybrid" });
        const src = p.getElement("in") as AppSrc;
        const sink = p.getElement("out") as AppSink;
        const done = p.run();
        for (let k = 0; k < 50; k++) await src.write(Buffer.fromString(`m${k}`));
        src.endOfStream();
        let n = 0;
        for await (const b of sink) {
          n++;
          b.release();
        }
        await done;
        expect(n).toBe(50);
        expect(schedulingOf(p)!.liveWorkers).toBe(0);
      }
      expect(await eventually(() => openFds() === fds, 3000)).toBe(true);
    },
    T,
  );

  test(
    "example 16: hybrid scheduling",
    async () => {
      const r = await example16();
      expect(r.sameOutput).toBe(true);
      expect(r.buffers).toBe(r.expected);
      expect(r.partitioned).toEqual(["src", "slow", "conv"]);
      expect(r.onEventLoop).toEqual(["out"]);
      expect(r.xruns).toBe(r.spins);
      expect(r.byReference).toBe(r.expected);
    },
    T,
  );
});

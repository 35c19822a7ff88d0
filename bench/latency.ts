/**
 * Live latency, side by side with GStreamer in the same run (not a timed test).
 *
 *   bun bench/latency.ts [--frames N] [--warmup W] [--rounds R]
 *
 * GStreamer: `videotestsrc is-live=true ! video/x-raw,width=640,height=480,framerate=100/1 !
 * queue ! fakesink` with GST_TRACERS=latency GST_DEBUG=GST_TRACER:7; the latency tracer's
 * `time` is from the source pad's push to the sink's receipt. Reference: 189 µs median
 * (shared/notes/peers.md); the target for Parallax is at most a third of it.
 *
 * Parallax: `fakesrc is-live=true sizetype=fixed sizemax=460800 ! queue ! latencyprobe`, one
 * 640×480 I420-sized buffer per frame at 100 frames/s. A live fakesrc stamps each buffer with
 * the running time at which it made it; latencyprobe records running time minus pts when the
 * buffer arrives (src/scheduling/fixtures.ts) — the same span as GStreamer's tracer.
 *   - hybrid: the whole pipeline in a data Worker, one cycle per frame (timer driver at the
 *     frame rate), at the normal policy (the default) and with rt.priority "auto" (SCHED_FIFO
 *     for the Worker of a live partition).
 *     The queue is a port inside the partition: no thread hand-off, which is the point of
 *     real-time partitions (PipeWire runs a whole graph in one cycle).
 *   - hybrid, sink on the event loop: `latencyprobe-loop` (affinity async) stays on the event
 *     loop, so each buffer also crosses a bridge and wakes the event loop.
 *   - async: everything on the event loop. fakesrc is paced by `datarate` here (the event loop
 *     has no driver), so pts is the nominal frame time and the figure includes timer lateness.
 * Runs are interleaved (the machines are noisy); the medians over rounds are reported. The
 * first W frames of every run (GStreamer's too) are left out: at 100 frames/s the JavaScript
 * of a partition runs only 100 times a second, so it takes a couple of seconds for the JIT to
 * compile it (the first frames take tens to hundreds of µs; at 1000 frames/s, hot, a few µs;
 * at 100 frames/s the steady state is reached after about ten seconds).
 * The all-frames figures are printed too.
 */
import { flagOr } from "./flags.ts";
import { launch } from "../src/index.ts";
import { FIXTURES_MODULE, type LatencyReport } from "../src/scheduling/fixtures.ts";
import type { SchedulingOption } from "../src/scheduling/index.ts";

const flag = (name: string, dflt: number) => Number(flagOr(name, String(dflt)));
const FRAMES = flag("--frames", 2000);
const WARMUP = flag("--warmup", 1000);
const ROUNDS = flag("--rounds", 3);
const FPS = 100;
const FRAME_BYTES = 640 * 480 * 3 / 2;
const GST_REFERENCE_US = 189;

type Figures = { p50: number; p90: number; p99: number; p999: number; n: number; allP50: number; allP99: number; cpu: number };

/** Percentiles of a run's samples (in arrival order, ns) after the warm-up, and of all. */
function figures(ns: number[], cpu: number): Figures {
  const pct = (xs: number[], q: number) => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.floor(q * s.length))]! / 1000;
  };
  const steady = ns.slice(WARMUP);
  return {
    p50: pct(steady, 0.5),
    p90: pct(steady, 0.9),
    p99: pct(steady, 0.99),
    p999: pct(steady, 0.999),
    n: steady.length,
    allP50: pct(ns, 0.5),
    allP99: pct(ns, 0.99),
    cpu,
  };
}

/** CPU time of a child process (user + system, s) from its rusage. */
function childCpu(p: { resourceUsage(): { cpuTime: { user: number | bigint; system: number | bigint } } | undefined }): number {
  const r = p.resourceUsage();
  return r ? (Number(r.cpuTime.user) + Number(r.cpuTime.system)) / 1e6 : NaN;
}

async function gstreamer(): Promise<Figures | null> {
  const cmd = [
    "gst-launch-1.0",
    "-q",
    "videotestsrc",
    "is-live=true",
    `num-buffers=${FRAMES}`,
    "!",
    `video/x-raw,width=640,height=480,framerate=${FPS}/1`,
    "!",
    "queue",
    "!",
    "fakesink",
  ];
  try {
    const p = Bun.spawn(cmd, { env: { ...process.env, GST_TRACERS: "latency", GST_DEBUG: "GST_TRACER:7", GST_DEBUG_NO_COLOR: "1" }, stdout: "pipe", stderr: "pipe" });
    const t0 = performance.now();
    const [out, err] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text()]);
    await p.exited;
    const cpu = childCpu(p) / ((performance.now() - t0) / 1000);
    const ns = [...(out + err).matchAll(/latency, .*?time=\(guint64\)(\d+)/g)].map((m) => Number(m[1]));
    return ns.length > WARMUP ? figures(ns, cpu) : null;
  } catch {
    return null;
  }
}

async function parallax(sink: "latencyprobe" | "latencyprobe-loop", scheduling: SchedulingOption): Promise<Figures> {
  const mode = typeof scheduling === "string" ? scheduling : scheduling.mode;
  const src =
    mode === "async"
      ? `fakesrc is-live=true datarate=${FRAME_BYTES * FPS}`
      : "fakesrc is-live=true";
  const p = launch(`${src} num-buffers=${FRAMES} sizetype=fixed sizemax=${FRAME_BYTES} ! queue ! ${sink} name=probe`, { scheduling });
  let report: LatencyReport | null = null;
  p.bus.on("element", (m) => {
    if (m.source === "probe" && m.name === "latency") report = m.data as LatencyReport;
  });
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await p.run();
  const c = process.cpuUsage(c0);
  const cpu = (c.user + c.system) / 1000 / (performance.now() - t0);
  if (report === null) throw new Error("latencyprobe posted no report");
  return figures((report as LatencyReport).samplesNs, cpu);
}

function loadavg(): string {
  return require("node:fs").readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
}

const hybrid = (extra: object = {}): SchedulingOption => ({ mode: "hybrid", rt: { framerate: FPS, modules: [FIXTURES_MODULE], ...extra } });

const rows: Record<string, Figures[]> = {};
const add = (k: string, f: Figures | null) => {
  if (f) (rows[k] ??= []).push(f);
};
for (let r = 0; r < ROUNDS; r++) {
  add("GStreamer videotestsrc is-live ! queue ! fakesink", await gstreamer());
  add("Parallax hybrid: whole pipeline in a Worker", await parallax("latencyprobe", hybrid()));
  add('Parallax hybrid, rt.priority="auto" (SCHED_FIFO 20)', await parallax("latencyprobe", hybrid({ priority: "auto" })));
  add("Parallax hybrid: sink on the event loop (bridge)", await parallax("latencyprobe-loop", hybrid()));
  add("Parallax async: all on the event loop (datarate)", await parallax("latencyprobe", "async"));
}

const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`live latency, ${FRAMES} frames at ${FPS} fps (640×480 I420-sized buffers), median over ${ROUNDS} interleaved rounds;`);
console.log(`steady state = after the first ${WARMUP} frames; CPU = process CPU time / wall time (1.0 = one core; GStreamer: the gst-launch process, with the latency tracer on); load ${loadavg()}:`);
console.log(`${"pipeline".padEnd(52)} ${"p50 µs".padStart(9)} ${"p90 µs".padStart(9)} ${"p99 µs".padStart(9)} ${"p99.9 µs".padStart(9)}   CPU   vs GStreamer p50   all frames: p50, p99 µs`);
const gst = rows["GStreamer videotestsrc is-live ! queue ! fakesink"];
const gstP50 = gst ? med(gst.map((f) => f.p50)) : GST_REFERENCE_US;
for (const [k, fs] of Object.entries(rows)) {
  const m = (key: keyof Figures) => med(fs.map((f) => f[key]));
  const p50 = m("p50");
  const col = (v: number) => v.toFixed(1).padStart(9);
  console.log(
    `${k.padEnd(52)} ${col(p50)} ${col(m("p90"))} ${col(m("p99"))} ${col(m("p999"))}  ${m("cpu").toFixed(3)}  ${(p50 / gstP50).toFixed(2).padStart(5)}×             ${m("allP50").toFixed(1)}, ${m("allP99").toFixed(1)}`,
  );
}
if (!gst) console.log(`(gst-launch-1.0 unavailable: compared with the reference median ${GST_REFERENCE_US} µs)`);
console.log(`load after: ${loadavg()}`);
console.log(`target: Parallax hybrid p50 ≤ ${(gstP50 / 3).toFixed(1)} µs (a third of GStreamer's median in this run)`);

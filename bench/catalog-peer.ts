/**
 * Side-by-side runs of the catalog I elements that GStreamer also has (valve, funnel,
 * input-selector, output-selector, concat, fdsrc/fdsink), alternately, in the same run (the
 * machines are noisy: never compare with another run's figures).
 *
 * Parallax runs in this process (`launch(text).run()`, after one warm-up run), so its start-up
 * — a second or more when run from source, which transpiles on start — does not blur the
 * figures; GStreamer runs as `gst-launch-1.0 -q`. Both run at two sizes, n/5 and n (fd cases:
 * 64 and 256 MiB), and the rate is the slope (n − n/5) ÷ (t(n) − t(n/5)) of the medians, which
 * cancels set-up (start-up, negotiation, pool creation) on both sides alike.
 * The fd cases give both tools the same descriptors: a file (or a FIFO fed by `cat`) in, and
 * /dev/null (or a FIFO drained by `cat`) out.
 *
 *   bun bench/catalog-peer.ts [--reps N] [--only v1,f1] [--json FILE]
 */
import { args, flag } from "./flags.ts";
import { closeSync, existsSync, mkdirSync, openSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { launch } from "../src/index.ts";

type Io = { in?: number; out?: number; done: () => Promise<void> };
type Case = {
  id: string;
  what: string;
  /** Description for both tools (element and property names are GStreamer's). */
  text: (n: number, io: Io) => string;
  /** GStreamer's text when it must differ (preroll of a sink that never gets data). */
  gstText?: (n: number) => string;
  n: number;
  unit: "buffers" | "bytes";
  /** Shell redirections for gst-launch (fd cases). */
  shell?: (cmd: string, n: number) => string;
  /** Descriptors for the in-process Parallax run (fd cases). */
  io?: (n: number) => Io;
};

const REPS = Number(flag("--reps") ?? 3);
const ONLY = flag("--only")?.split(",");
const JSON_OUT = flag("--json");

const dir = join(tmpdir(), "parallax-bench");
const FD_BYTES = 256 << 20;
const fdFile = (n: number) => join(dir, `fd-${n >> 20}m.bin`);
function fdFiles(): void {
  mkdirSync(dir, { recursive: true });
  for (const n of [FD_BYTES / 4, FD_BYTES]) {
    const f = fdFile(n);
    if (!existsSync(f)) Bun.spawnSync(["dd", "if=/dev/urandom", `of=${f}`, "bs=1M", `count=${n >> 20}`, "status=none"]);
    Bun.spawnSync(["cat", f], { stdout: "ignore" }); // into the page cache
  }
}

const noIo = (): Io => ({ done: async () => {} });
const fileIo = (n: number): Io => {
  const i = openSync(fdFile(n), "r");
  const o = openSync("/dev/null", "w");
  return { in: i, out: o, done: async () => (closeSync(i), closeSync(o)) };
};
/** cat FILE > fifo-in; we read fifo-in and write fifo-out; cat fifo-out > /dev/null. */
const pipeIo = (n: number): Io => {
  const a = join(dir, "fifo-in");
  const b = join(dir, "fifo-out");
  for (const f of [a, b]) {
    rmSync(f, { force: true });
    Bun.spawnSync(["mkfifo", f]);
  }
  const feeder = Bun.spawn(["sh", "-c", `cat ${fdFile(n)} > ${a}`]);
  const drain = Bun.spawn(["sh", "-c", `cat ${b} > /dev/null`]);
  const i = openSync(a, "r");
  const o = openSync(b, "w");
  return {
    in: i,
    out: o,
    done: async () => {
      closeSync(i);
      closeSync(o);
      await Promise.all([feeder.exited, drain.exited]);
    },
  };
};

const two = (n: number, into: string) => `fakesrc sizetype=empty num-buffers=${n} ! ${into}  fakesrc sizetype=empty num-buffers=${n} ! ${into}`;
const CASES: Case[] = [
  { id: "v1", what: "fakesrc ! valve (open) ! fakesink", text: (n) => `fakesrc sizetype=empty num-buffers=${n} ! valve ! fakesink`, n: 2_000_000, unit: "buffers" },
  {
    id: "v2",
    what: "fakesrc ! valve drop=true ! fakesink",
    text: (n) => `fakesrc sizetype=empty num-buffers=${n} ! valve drop=true drop-mode=forward-sticky-events ! fakesink`,
    n: 2_000_000,
    unit: "buffers",
  },
  { id: "f1", what: "2 × fakesrc ! funnel ! fakesink", text: (n) => `funnel name=f ! fakesink ${two(n / 2, "f.")}`, n: 2_000_000, unit: "buffers" },
  {
    id: "i1",
    what: "2 × fakesrc ! input-selector ! fakesink",
    text: (n) => `input-selector name=s sync-streams=false ! fakesink ${two(n / 2, "s.")}`,
    n: 2_000_000,
    unit: "buffers",
  },
  {
    id: "o1",
    what: "fakesrc ! output-selector ! 2 × fakesink",
    text: (n) => `fakesrc sizetype=empty num-buffers=${n} ! output-selector name=s  s.src_0 ! fakesink  s.src_1 ! fakesink`,
    // The idle branch's fakesink would never preroll and keep gst-launch from reaching PLAYING.
    gstText: (n) => `fakesrc sizetype=empty num-buffers=${n} ! output-selector name=s  s.src_0 ! fakesink  s.src_1 ! fakesink async=false`,
    n: 2_000_000,
    unit: "buffers",
  },
  { id: "c1", what: "2 × fakesrc ! concat ! fakesink", text: (n) => `concat name=c ! fakesink ${two(n / 2, "c.")}`, n: 2_000_000, unit: "buffers" },
  {
    id: "fd1",
    what: "fdsrc ! fdsink, 256 MiB file → /dev/null, 64 KiB blocks",
    text: (_n, io) => `fdsrc fd=${io.in ?? 0} blocksize=65536 ! fdsink fd=${io.out ?? 1}`,
    shell: (cmd, n) => `${cmd} < ${fdFile(n)} > /dev/null`,
    io: fileIo,
    n: FD_BYTES,
    unit: "bytes",
  },
  {
    id: "fd2",
    what: "cat | fdsrc ! fdsink | cat, 256 MiB through pipes",
    text: (_n, io) => `fdsrc fd=${io.in ?? 0} blocksize=65536 ! fdsink fd=${io.out ?? 1}`,
    shell: (cmd, n) => `cat ${fdFile(n)} | ${cmd} | cat > /dev/null`,
    io: pipeIo,
    n: FD_BYTES,
    unit: "bytes",
  },
];

const gstCmd = (p: string) => `gst-launch-1.0 -q ${p}`;
function timeGst(cmd: string): { seconds: number; ok: boolean; err: string } {
  const t0 = performance.now();
  const r = Bun.spawnSync(["sh", "-c", cmd], { stdout: "ignore", stderr: "pipe" });
  return { seconds: (performance.now() - t0) / 1000, ok: r.exitCode === 0, err: r.stderr.toString().slice(0, 300) };
}
async function timePx(c: Case, n: number): Promise<number> {
  const io = (c.io ?? noIo)(n);
  try {
    const p = launch(c.text(n, io));
    const t0 = performance.now();
    await p.run();
    const s = (performance.now() - t0) / 1000;
    p.dispose();
    return s;
  } finally {
    await io.done();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const hasGst = Bun.spawnSync(["sh", "-c", "command -v gst-launch-1.0"]).exitCode === 0;
if (!hasGst) console.error("gst-launch-1.0 not found (apt-get install gstreamer1.0-tools gstreamer1.0-plugins-base): Parallax side only");
console.log(`Parallax in-process (bun ${Bun.version}), GStreamer by slope over two sizes; reps ${REPS}`);

type Row = { id: string; what: string; unit: string; px: number; gst: number | null; ratio: number | null; note?: string };
const rows: Row[] = [];
for (const c of CASES) {
  if (ONLY && !ONLY.includes(c.id)) continue;
  if (c.unit === "bytes") fdFiles();
  const small = c.unit === "bytes" ? FD_BYTES / 4 : c.n / 5;
  let note: string | undefined;
  await timePx(c, small); // warm-up (JIT, pools)
  const p0: number[] = [];
  const p1: number[] = [];
  const g0: number[] = [];
  const g1: number[] = [];
  for (let r = 0; r < REPS; r++) {
    p0.push(await timePx(c, small));
    p1.push(await timePx(c, c.n));
    if (!hasGst) continue;
    const wrap = c.shell ?? ((x: string) => x);
    const gtext = c.gstText ?? ((n: number) => c.text(n, { done: async () => {} }));
    const a = timeGst(wrap(gstCmd(gtext(small)), small));
    const b = timeGst(wrap(gstCmd(gtext(c.n)), c.n));
    if (!a.ok || !b.ok) note = `gst-launch failed: ${a.err || b.err}`;
    g0.push(a.seconds);
    g1.push(b.seconds);
  }
  const pxRate = (c.n - small) / Math.max(1e-6, median(p1) - median(p0));
  const gsRate = hasGst && !note ? (c.n - small) / Math.max(1e-6, median(g1) - median(g0)) : null;
  rows.push({ id: c.id, what: c.what, unit: c.unit, px: pxRate, gst: gsRate, ratio: gsRate ? pxRate / gsRate : null, note });
}

const fmt = (unit: string, v: number | null) => {
  if (v === null || !Number.isFinite(v)) return "—";
  if (unit === "bytes") return `${(v / 1e9).toFixed(2)} GB/s`;
  return v >= 1e6 ? `${(v / 1e6).toFixed(2)} M/s` : `${(v / 1e3).toFixed(0)} k/s`;
};
console.log("| id | pipeline | Parallax | GStreamer | ratio |");
console.log("|---|---|---|---|---|");
for (const r of rows) console.log(`| ${r.id} | ${r.what} | ${fmt(r.unit, r.px)} | ${fmt(r.unit, r.gst)} | ${r.ratio === null ? "—" : `${r.ratio.toFixed(2)}×`} |`);
for (const r of rows) if (r.note) console.log(`note ${r.id}: ${r.note}`);
if (JSON_OUT) writeFileSync(JSON_OUT, JSON.stringify({ date: new Date().toISOString(), reps: REPS, rows }, null, 2));

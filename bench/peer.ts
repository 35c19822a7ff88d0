/**
 * Side-by-side pipeline benchmark: each pipeline of shared/notes/peers.md that Parallax can
 * express, run with `parallax launch` and with `gst-launch-1.0`, alternately, in the same run
 * (these 2-vCPU machines are noisy: never compare against figures from another run).
 *
 *   bun run bench:peer [--json FILE] [--reps N] [--only a,k1] [--exe dist/parallax]
 *
 * `bun run bench:peer` builds dist/parallax first (scripts/build.ts), so that what is measured
 * is the code checked out, compiled as users run it; `bun bench/peer.ts` alone uses the
 * dist/parallax already there (or the source, slower to start, when there is none).
 *
 * For each case: buffers/s (or bytes/s) net of start-up (the s0 time of the same tool, measured
 * in the same run), the median over the repetitions, the ratio Parallax ÷ GStreamer, and peak
 * RSS of each. Start-up itself is case s0, repeated at least S0_REPS times: one launch takes
 * ≈ 30 ms, and with a handful of them run-to-run noise decides the ratio either way. g1 and g2
 * (two processes: ipcsink ‖ ipcsrc against shmsink ‖ shmsrc) are bench/ipc.ts's measurement,
 * run --reps rounds, net of start-up, connection and teardown.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { registry } from "../src/index.ts";
import { parseLaunch } from "../src/launch/index.ts";
import { args, flag } from "./flags.ts";
import { measureIpc, SMALL_N } from "./ipc.ts";

type Case = {
  id: string;
  what: string;
  gst: (n: number) => string;
  px?: (n: number) => string;
  /** Units of work per run (buffers, or bytes for file cases). */
  n: number;
  unit: "buffers" | "bytes";
  /** Ratio the issue asks for (Parallax ÷ GStreamer). */
  target?: number;
  setup?: () => void;
  /** Another command to compare with (cp for f2). */
  other?: { name: string; cmd: () => string[] };
  /** Untimed, before every timed run (f2: remove the last output and flush dirty pages, so
   * one tool's write-back does not land in the next one's time). */
  beforeRun?: () => void;
  /** Repetitions at the least (more than --reps where a few runs say too little). */
  reps?: number;
};

const REPS = Number(flag("--reps") ?? 3);
/** Repetitions of s0 at the least (each is one short launch of each tool, alternated). */
const S0_REPS = 31;
const ONLY = flag("--only")?.split(",");
const JSON_OUT = flag("--json");
const EXE = flag("--exe");
const SCALE = Number(flag("--scale") ?? 1);

const dir = join(tmpdir(), "parallax-bench");
const BIG = join(dir, "big.bin");
const OUT = join(dir, "out.bin");
const FILE_BYTES = 1 << 30;

const ids10 = (n: number) => " ! identity".repeat(n);
const CASES: Case[] = [
  { id: "s0", what: "start-up + teardown (fakesrc num-buffers=1 ! fakesink)", gst: () => "fakesrc num-buffers=1 ! fakesink", n: 1, unit: "buffers" },
  { id: "a", what: "fakesrc sizetype=empty ! fakesink", gst: (n) => `fakesrc sizetype=empty num-buffers=${n} ! fakesink`, n: 5_000_000, unit: "buffers", target: 3 },
  { id: "k1", what: "fakesrc ! identity ×10 ! fakesink", gst: (n) => `fakesrc sizetype=empty num-buffers=${n}${ids10(10)} ! fakesink`, n: 1_000_000, unit: "buffers", target: 3 },
  { id: "b", what: "fakesrc ! queue ! fakesink", gst: (n) => `fakesrc num-buffers=${n} ! queue ! fakesink`, n: 1_000_000, unit: "buffers", target: 2 },
  { id: "c4", what: "fakesrc 4 KiB ! queue ! fakesink", gst: (n) => `fakesrc sizetype=fixed sizemax=4096 num-buffers=${n} ! queue ! fakesink`, n: 1_000_000, unit: "buffers", target: 2 },
  {
    id: "e",
    what: "fakesrc ! tee ! 2 × (queue ! fakesink)",
    gst: (n) => `fakesrc num-buffers=${n} ! tee name=t t. ! queue ! fakesink t. ! queue ! fakesink`,
    n: 500_000,
    unit: "buffers",
    target: 2,
  },
  { id: "c3", what: "fakesrc 1 MiB filltype=zero ! fakesink", gst: (n) => `fakesrc sizetype=fixed sizemax=1048576 filltype=zero num-buffers=${n} ! fakesink`, n: 50_000, unit: "buffers", target: 1 },
  {
    id: "d1",
    what: "videotestsrc smpte 1080p I420 ! fakesink",
    gst: (n) => `videotestsrc pattern=smpte num-buffers=${n} ! video/x-raw,format=I420,width=1920,height=1080 ! fakesink`,
    n: 1000,
    unit: "buffers",
    target: 1.5,
  },
  {
    id: "d2",
    what: "videotestsrc black 1080p I420 ! fakesink",
    gst: (n) => `videotestsrc pattern=black num-buffers=${n} ! video/x-raw,format=I420,width=1920,height=1080 ! fakesink`,
    n: 10000,
    unit: "buffers",
  },
  {
    id: "h1",
    what: "audiotestsrc sine S16LE 48k stereo ! audioconvert ! F32LE ! fakesink",
    gst: (n) =>
      `audiotestsrc wave=sine num-buffers=${n} ! audio/x-raw,format=S16LE,rate=48000,channels=2 ! audioconvert ! audio/x-raw,format=F32LE ! fakesink`,
    n: 100_000,
    unit: "buffers",
    target: 1,
  },
  {
    id: "f2",
    what: "filesrc blocksize=1MiB ! filesink, 1 GiB in page cache",
    gst: () => `filesrc location=${BIG} blocksize=1048576 ! filesink location=${OUT}`,
    n: FILE_BYTES,
    unit: "bytes",
    target: 1.15,
    setup: () => {
      mkdirSync(dir, { recursive: true });
      if (!existsSync(BIG)) Bun.spawnSync(["dd", "if=/dev/urandom", `of=${BIG}`, "bs=1M", `count=${FILE_BYTES >> 20}`, "status=none"]);
      Bun.spawnSync(["cat", BIG], { stdout: "ignore" }); // into the page cache
    },
    other: { name: "cp", cmd: () => ["cp", BIG, OUT] },
    beforeRun: () => {
      rmSync(OUT, { force: true });
      Bun.spawnSync(["sync"]);
      Bun.sleepSync(300);
    },
    // Seven runs at least: on these VMs the host takes back memory the guest has freed (free
    // page reporting), and writing 1 GiB of page cache into such memory makes a run 1–1.5 s
    // instead of ≈ 0.3 s. Which runs that hits is chance (seen on all three tools, cp included,
    // on ext4 and tmpfs alike), so the table also prints each tool's fastest run.
    reps: 7,
  },
];

function canExpress(text: string): boolean {
  try {
    const ast = parseLaunch(text);
    return ast.nodes.every((n) => n.kind !== "element" || registry.has(n.factory));
  } catch {
    return false;
  }
}

function hasGst(): boolean {
  return Bun.spawnSync(["sh", "-c", "command -v gst-launch-1.0"]).exitCode === 0;
}

type Sample = { seconds: number; rssMiB: number; ok: boolean; err?: string };

// Peak RSS per child comes from GNU time (Bun's resourceUsage reports the maximum over all
// children so far, which mixes the two tools up).
const GNU_TIME = existsSync("/usr/bin/time") ? "/usr/bin/time" : null;

function timeCmd(cmd: string[]): Sample {
  const full = GNU_TIME ? [GNU_TIME, "-f", "@@rss=%M", ...cmd] : cmd;
  const t0 = performance.now();
  const r = Bun.spawnSync(full, { stdout: "ignore", stderr: "pipe" });
  const seconds = (performance.now() - t0) / 1000;
  const err = r.stderr.toString();
  const m = /@@rss=(\d+)/.exec(err);
  const rssMiB = m ? Number(m[1]) / 1024 : NaN;
  return { seconds, rssMiB, ok: r.exitCode === 0, err: r.exitCode === 0 ? undefined : err.slice(0, 400) };
}

// The compiled executable is what users run; fall back to running from source.
const DIST = new URL("../dist/parallax", import.meta.url).pathname;
const PX = EXE ?? (existsSync(DIST) ? DIST : null);
const pxCmd = (p: string) => (PX ? [PX, "launch", "-q", p] : [process.execPath, new URL("../bin/parallax.ts", import.meta.url).pathname, "launch", "-q", p]);
console.log(`parallax: ${PX ?? "bun bin/parallax.ts (run bun run build to bench the compiled executable)"}`);
const gstCmd = (p: string) => ["gst-launch-1.0", "-q", ...splitWords(p)];

/** gst-launch takes the description as words; keep quoted parts together. */
function splitWords(s: string): string[] {
  return s.match(/"[^"]*"|\S+/g)!.map((w) => w.replace(/^"|"$/g, ""));
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : NaN;
};

type Row = {
  id: string;
  what: string;
  unit: string;
  n: number;
  parallax: { rate: number; seconds: number[]; rssMiB: number } | null;
  gstreamer: { rate: number; seconds: number[]; rssMiB: number } | null;
  other?: { name: string; rate: number; seconds: number[] };
  ratio: number | null;
  target?: number;
  met?: boolean;
  note?: string;
};

const gst = hasGst();
if (!gst) {
  console.error(
    "gst-launch-1.0 not found: install the peer with\n  apt-get install gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good\n" +
      "running Parallax's side only.",
  );
}

const rows: Row[] = [];
let startPx = 0;
let startGst = 0;
for (const c of CASES) {
  if (ONLY && !ONLY.includes(c.id) && c.id !== "s0") continue;
  const n = c.id === "s0" || c.unit === "bytes" ? c.n : Math.max(1, Math.round(c.n * SCALE));
  const pxText = (c.px ?? c.gst)(n);
  if (!canExpress(pxText)) {
    rows.push({ id: c.id, what: c.what, unit: c.unit, n, parallax: null, gstreamer: null, ratio: null, target: c.target, note: "Parallax lacks an element of this pipeline" });
    continue;
  }
  c.setup?.();
  const px: Sample[] = [];
  const gs: Sample[] = [];
  const ot: Sample[] = [];
  const reps = Math.max(REPS, c.reps ?? 0, c.id === "s0" ? S0_REPS : 0);
  for (let r = 0; r < reps; r++) {
    c.beforeRun?.();
    px.push(timeCmd(pxCmd(pxText)));
    c.beforeRun?.();
    if (gst) gs.push(timeCmd(gstCmd(c.gst(n))));
    c.beforeRun?.();
    if (c.other) ot.push(timeCmd(c.other.cmd()));
  }
  const failed = px.find((s) => !s.ok) ?? gs.find((s) => !s.ok);
  const start = (tool: "px" | "gst") => (c.id === "s0" ? 0 : tool === "px" ? startPx : startGst);
  const rate = (ss: Sample[], tool: "px" | "gst") =>
    c.id === "s0" ? median(ss.map((s) => s.seconds)) * 1000 : n / Math.max(1e-6, median(ss.map((s) => s.seconds)) - start(tool));
  const pxRes = { rate: rate(px, "px"), seconds: px.map((s) => s.seconds), rssMiB: Math.max(...px.map((s) => s.rssMiB)) };
  const gsRes = gst ? { rate: rate(gs, "gst"), seconds: gs.map((s) => s.seconds), rssMiB: Math.max(...gs.map((s) => s.rssMiB)) } : null;
  if (c.id === "s0") {
    startPx = median(px.map((s) => s.seconds));
    startGst = gst ? median(gs.map((s) => s.seconds)) : 0;
  }
  const ratio = gsRes ? (c.id === "s0" ? gsRes.rate / pxRes.rate : pxRes.rate / gsRes.rate) : null;
  rows.push({
    id: c.id,
    what: c.what,
    unit: c.id === "s0" ? "ms" : c.unit,
    n,
    parallax: pxRes,
    gstreamer: gsRes,
    other: c.other ? { name: c.other.name, rate: n / median(ot.map((s) => s.seconds)), seconds: ot.map((s) => s.seconds) } : undefined,
    ratio,
    target: c.target ?? (c.id === "s0" ? 1 : undefined),
    met: ratio !== null && (c.target ?? (c.id === "s0" ? 1 : 0)) <= ratio,
    note: failed ? `a run failed: ${failed.err}` : undefined,
  });
  if (c.unit === "bytes") rmSync(OUT, { force: true });
}

// g1, g2: two processes, ipcsink ‖ ipcsrc against shmsink ‖ shmsrc, measured as bench/ipc.ts
// measures them (each round also runs the pair with SMALL_N buffers): rates net of start-up,
// connection and teardown, like the other rows' net of s0.
const ipcIds = ["g1", "g2"].filter((id) => !ONLY || ONLY.includes(id));
if (ipcIds.length > 0) {
  const exe = PX ? [PX] : [process.execPath, new URL("../bin/parallax.ts", import.meta.url).pathname];
  const results = await measureIpc({ rounds: REPS, scale: SCALE, exe, ids: ipcIds, tools: gst ? ["gstreamer", "parallax"] : ["parallax"] });
  for (const r of results) {
    const side = (x: (typeof r.sides)["parallax"]) => (x ? { rate: x.netRate, seconds: x.wallMs.map((ms) => ms / 1000), rssMiB: NaN } : null);
    const px = side(r.sides.parallax);
    const gs = side(r.sides.gstreamer);
    const ratio = px && gs ? px.rate / gs.rate : null;
    const wallRatio = r.sides.parallax && r.sides.gstreamer ? r.sides.parallax.rate / r.sides.gstreamer.rate : null;
    rows.push({
      id: r.id,
      what: r.what,
      unit: "buffers",
      n: r.n,
      parallax: px,
      gstreamer: gs,
      ratio,
      target: 2,
      met: ratio !== null && ratio >= 2,
      note: `net of a ${SMALL_N}-buffer run of the same pair${wallRatio === null ? "" : `; on wall time ${wallRatio.toFixed(2)}×`}`,
    });
  }
}

const fmt = (r: Row, v: number | undefined) => {
  if (v === undefined || !Number.isFinite(v)) return "—";
  if (r.unit === "ms") return `${v.toFixed(1)} ms`;
  if (r.unit === "bytes") return `${(v / 1e9).toFixed(2)} GB/s`;
  return v >= 1e6 ? `${(v / 1e6).toFixed(2)} M/s` : `${(v / 1e3).toFixed(1)} k/s`;
};
console.log(`| id | pipeline | Parallax | GStreamer | ratio | target | RSS px / gst (MiB) |`);
console.log(`|---|---|---|---|---|---|---|`);
for (const r of rows) {
  const ratio = r.ratio === null ? "—" : `${r.ratio.toFixed(2)}×${r.met === false ? " ✗" : r.target ? " ✓" : ""}`;
  const mib = (v: number | undefined) => (v !== undefined && Number.isFinite(v) ? v.toFixed(0) : "—");
  const rss = r.parallax ? `${mib(r.parallax.rssMiB)} / ${mib(r.gstreamer?.rssMiB)}` : "—";
  const extra = r.other ? ` (${r.other.name}: ${fmt(r, r.other.rate)}; Parallax ÷ ${r.other.name} ${r.parallax ? (r.parallax.rate / r.other.rate).toFixed(2) : "—"}×)` : "";
  console.log(
    `| ${r.id} | ${r.what} | ${r.parallax ? fmt(r, r.parallax.rate) : r.note ?? "—"} | ${fmt(r, r.gstreamer?.rate)}${extra} | ${ratio} | ${r.target ?? ""} | ${rss} |`,
  );
}
for (const r of rows) if (r.note && r.parallax) console.log(`note ${r.id}: ${r.note}`);
for (const r of rows) {
  if (r.unit !== "bytes" || !r.parallax) continue;
  const fastest = (seconds: number[] | undefined) => (seconds?.length ? `${(Math.min(...seconds) * 1000).toFixed(0)} ms` : "—");
  console.log(`${r.id}, fastest of ${r.parallax.seconds.length} runs: Parallax ${fastest(r.parallax.seconds)}, GStreamer ${fastest(r.gstreamer?.seconds)}${r.other ? `, ${r.other.name} ${fastest(r.other.seconds)}` : ""}`);
}
if (JSON_OUT) {
  writeFileSync(JSON_OUT, JSON.stringify({ date: new Date().toISOString(), reps: REPS, cpus: navigator.hardwareConcurrency, rows }, null, 2));
  console.log(`wrote ${JSON_OUT}`);
}

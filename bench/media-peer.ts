/**
 * Raw media pipelines side by side with GStreamer: each case runs with `parallax launch -q`
 * and with `gst-launch-1.0 -q`, alternately, in the same run (these VMs are noisy: never
 * compare with figures from another run). Start-up (hundreds of ms for Parallax from source,
 * tens for gst-launch) would swamp short runs, so each case runs twice, with n and with n/10
 * units, and the rate is the difference: (n − n/10) / (t(n) − t(n/10)), the marginal cost of
 * a frame or buffer. Medians over the repetitions; the CPU-time ratio is computed the same
 * way from user + system time.
 *
 *   bun bench/media-peer.ts [--reps N] [--only d1,v1] [--exe dist/parallax]
 *
 * `--exe` runs a compiled executable (`bun run build`) instead of bin/parallax.ts from source.
 *
 * Cases (ids of shared/notes/peers.md where they exist):
 *   d1  videotestsrc pattern=smpte ! I420 1920x1080 ! fakesink        (target ≥ 1.5× GStreamer)
 *   d2  videotestsrc pattern=black ! I420 1920x1080 ! fakesink
 *   h1  audiotestsrc wave=sine ! S16LE 48k stereo ! audioconvert ! F32LE ! fakesink  (≥ 1×)
 *   v1  videotestsrc pattern=black ! I420 1080p ! videoconvert ! RGBA ! fakesink    (≥ 1×)
 *       (v1's figure includes the source; d2 alone shows what the source costs). The default
 *       path: the C kernel of csrc/videoconvert.c, byte-identical to GStreamer
 *   v1j v1 with PARALLAX_NO_NATIVE_VIDEOCONVERT=1: the JS tables (the fallback when the shim
 *       cannot be loaded; no target)
 *   v2  videotestsrc pattern=black ! RGBA 1080p ! videoconvert ! I420 ! fakesink     (no target)
 *   v1y v1 with PARALLAX_VIDEOCONVERT_LIBYUV=1: I420 → RGBA through libyuv (not the default:
 *       outside the ±2 tolerance against GStreamer; no target)
 */
import { args, flag } from "./flags.ts";
const REPS = Number(flag("--reps") ?? 3);
const ONLY = flag("--only")?.split(",");

/** `env`: extra environment for the Parallax run only (v1j forces the JS tables, v1y libyuv). */
type Case = { id: string; what: string; line: (n: number) => string; n: number; target?: number; env?: Record<string, string> };

const HD = "video/x-raw,format=I420,width=1920,height=1080";
const CASES: Case[] = [
  { id: "d1", what: "videotestsrc smpte 1080p I420 ! fakesink", line: (n) => `videotestsrc pattern=smpte num-buffers=${n} ! ${HD} ! fakesink`, n: 1000, target: 1.5 },
  { id: "d2", what: "videotestsrc black 1080p I420 ! fakesink", line: (n) => `videotestsrc pattern=black num-buffers=${n} ! ${HD} ! fakesink`, n: 5000 },
  {
    id: "h1",
    what: "audiotestsrc sine S16LE 48k stereo ! audioconvert ! F32LE ! fakesink",
    line: (n) => `audiotestsrc wave=sine num-buffers=${n} ! audio/x-raw,format=S16LE,rate=48000,channels=2 ! audioconvert ! audio/x-raw,format=F32LE ! fakesink`,
    n: 50_000,
    target: 1,
  },
  {
    id: "v1",
    what: "videotestsrc black 1080p I420 ! videoconvert ! RGBA ! fakesink",
    line: (n) => `videotestsrc pattern=black num-buffers=${n} ! ${HD} ! videoconvert ! video/x-raw,format=RGBA ! fakesink`,
    n: 1000,
    target: 1,
  },
  {
    id: "v1j",
    what: "v1 with PARALLAX_NO_NATIVE_VIDEOCONVERT=1 (the JS tables fallback)",
    line: (n) => `videotestsrc pattern=black num-buffers=${n} ! ${HD} ! videoconvert ! video/x-raw,format=RGBA ! fakesink`,
    n: 300,
    env: { PARALLAX_NO_NATIVE_VIDEOCONVERT: "1" },
  },
  {
    id: "v2",
    what: "videotestsrc black 1080p RGBA ! videoconvert ! I420 ! fakesink",
    line: (n) => `videotestsrc pattern=black num-buffers=${n} ! ${HD.replace("I420", "RGBA")} ! videoconvert ! video/x-raw,format=I420 ! fakesink`,
    n: 300,
  },
  {
    // Not the default path: libyuv strays up to 3-4 per channel from GStreamer (see videoconvert.ts).
    id: "v1y",
    what: "v1 with PARALLAX_VIDEOCONVERT_LIBYUV=1 (libyuv SIMD, outside the ±2 tolerance)",
    line: (n) => `videotestsrc pattern=black num-buffers=${n} ! ${HD} ! videoconvert ! video/x-raw,format=RGBA ! fakesink`,
    n: 3000, // ~0.5 ms a frame: 300 frames would drown in start-up noise
    env: { PARALLAX_VIDEOCONVERT_LIBYUV: "1" },
  },
];

const EXE = flag("--exe");
const PX = EXE ? [EXE, "launch", "-q"] : [process.execPath, new URL("../bin/parallax.ts", import.meta.url).pathname, "launch", "-q"];
const GST = ["gst-launch-1.0", "-q"];

type Sample = { wall: number; cpu: number; ok: boolean };

function time(cmd: string[], env?: Record<string, string>): Sample {
  const t0 = performance.now();
  const r = Bun.spawnSync(cmd, { stdout: "ignore", stderr: "pipe", env: env ? { ...process.env, ...env } : undefined });
  const wall = (performance.now() - t0) / 1000;
  const ru = r.resourceUsage;
  const cpu = ru ? Number(ru.cpuTime.user + ru.cpuTime.system) / 1e6 : NaN;
  if (r.exitCode !== 0) console.error(`${cmd.join(" ")}\n  failed: ${r.stderr.toString().slice(0, 300)}`);
  return { wall, cpu, ok: r.exitCode === 0 };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const words = (s: string) => s.split(/\s+/);

console.log("| id | pipeline | Parallax | GStreamer | ratio (wall) | ratio (CPU) | target |");
console.log("|---|---|---|---|---|---|---|");
for (const c of CASES) {
  if (ONLY && !ONLY.includes(c.id)) continue;
  const small = Math.max(1, Math.round(c.n / 10));
  const px: { wall: number; cpu: number }[] = [];
  const gs: { wall: number; cpu: number }[] = [];
  for (let r = 0; r < REPS; r++) {
    const pBig = time([...PX, c.line(c.n)], c.env);
    const gBig = time([...GST, ...words(c.line(c.n))]);
    const pSmall = time([...PX, c.line(small)], c.env);
    const gSmall = time([...GST, ...words(c.line(small))]);
    px.push({ wall: pBig.wall - pSmall.wall, cpu: pBig.cpu - pSmall.cpu });
    gs.push({ wall: gBig.wall - gSmall.wall, cpu: gBig.cpu - gSmall.cpu });
  }
  const units = c.n - small;
  const rp = units / Math.max(1e-6, median(px.map((s) => s.wall)));
  const rg = units / Math.max(1e-6, median(gs.map((s) => s.wall)));
  const ratio = rp / rg;
  const cpuRatio = median(gs.map((s) => s.cpu)) / median(px.map((s) => s.cpu));
  const fmt = (v: number) => (v >= 1000 ? `${(v / 1000).toFixed(1)} k/s` : `${v.toFixed(0)} /s`);
  const mark = c.target === undefined ? "" : ratio >= c.target ? " ✓" : " ✗";
  console.log(`| ${c.id} | ${c.what} | ${fmt(rp)} | ${fmt(rg)} | ${ratio.toFixed(2)}×${mark} | ${cpuRatio.toFixed(2)}× | ${c.target ?? ""} |`);
}

/**
 * Buffers between two processes, side by side in one run: Parallax's `ipcsink` ‖ `ipcsrc !
 * fakesink` against GStreamer's `shmsink` ‖ `shmsrc ! fakesink`, for 1 MiB and 4 KiB buffers,
 * alternating round by round (these machines are noisy: never compare across runs).
 *
 *   bun bench/ipc.ts [--rounds 5] [--scale 1] [--exe dist/parallax]
 *
 * Each round starts the producer, waits for its socket to appear, starts the consumer, and
 * times from the consumer's start until both processes have exited. buffers/s is reported on
 * that wall time, and net of start-up, connection and teardown: each round also runs the same
 * pair with SMALL_N buffers, and the net rate is (N − SMALL_N) / (wall(N) − wall(SMALL_N)).
 *
 * GStreamer set-up follows peers.md's caveats: `shm-size` of about 64 buffers (the default
 * 64 MiB area deadlocks with small buffers), `wait-for-connection=true`, and
 * `fakesink enable-last-sample=false` on the reader. fakesrc's buffers are copied once into
 * shmsink's area; Parallax's fakesrc allocates from a memfd pool, so they cross by reference.
 * shmsrc never sees EOS (the shm protocol does not carry it): it ends with an error when the
 * writer's socket closes, so its exit status is ignored; Parallax's consumer must exit 0.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { args, flagOr as flag } from "./flags.ts";

const ROUNDS = Number(flag("--rounds", "5"));
const SCALE = Number(flag("--scale", "1"));
const ROOT = resolve(import.meta.dir, "..");
const EXE = args.includes("--exe") ? [resolve(flag("--exe", ""))] : [process.execPath, join(ROOT, "bin/parallax.ts")];
const DIR = join(tmpdir(), "parallax-bench-ipc");
mkdirSync(DIR, { recursive: true });

type Side = { producer: (p: string, n: number) => string[]; consumer: (p: string) => string[]; mustSucceed: boolean };
/** Buffers in the short run that measures fixed costs. */
const SMALL_N = 10;
type Case = { id: string; size: number; n: number };

const CASES: Case[] = [
  { id: "g1", size: 1 << 20, n: Math.round(20_000 * SCALE) },
  { id: "g2", size: 4096, n: Math.round(300_000 * SCALE) },
];

function sides(c: Case): Record<"gstreamer" | "parallax", Side> {
  return {
    gstreamer: {
      producer: (p, n) => ["gst-launch-1.0", "-q", "fakesrc", `num-buffers=${n}`, "sizetype=fixed", `sizemax=${c.size}`, "!", "shmsink", `socket-path=${p}`, `shm-size=${c.size * 64}`, "wait-for-connection=true", "sync=false"],
      consumer: (p) => ["gst-launch-1.0", "-q", "shmsrc", `socket-path=${p}`, "!", "fakesink", "enable-last-sample=false", "sync=false"],
      mustSucceed: false,
    },
    parallax: {
      producer: (p, n) => [...EXE, "launch", "-q", `fakesrc num-buffers=${n} sizetype=fixed sizemax=${c.size} ! ipcsink path=${p}`],
      consumer: (p) => [...EXE, "launch", "-q", `ipcsrc path=${p} ! fakesink`],
      mustSucceed: true,
    },
  };
}

function exited(child: ReturnType<typeof spawn>): Promise<number | null> {
  return new Promise((r) => child.on("exit", (code) => r(code)));
}

async function once(side: Side, path: string, n: number): Promise<number> {
  rmSync(path, { force: true });
  const pcmd = side.producer(path, n);
  const prod = spawn(pcmd[0]!, pcmd.slice(1), { stdio: ["ignore", "ignore", "pipe"] });
  let perr = "";
  prod.stderr!.on("data", (d) => (perr += d));
  const prodDone = exited(prod);
  const deadline = performance.now() + 20_000;
  while (!existsSync(path)) {
    if (performance.now() > deadline) throw new Error(`the producer did not create ${path}: ${perr}`);
    await Bun.sleep(2);
  }
  const t0 = performance.now();
  const cons = spawn(side.consumer(path)[0]!, side.consumer(path).slice(1), { stdio: ["ignore", "ignore", "pipe"] });
  let cerr = "";
  cons.stderr!.on("data", (d) => (cerr += d));
  const killer = setTimeout(() => {
    prod.kill("SIGKILL");
    cons.kill("SIGKILL");
  }, 120_000);
  const [pc, cc] = await Promise.all([prodDone, exited(cons)]);
  clearTimeout(killer);
  const ms = performance.now() - t0;
  if (side.mustSucceed && (pc !== 0 || cc !== 0)) throw new Error(`exit ${pc}/${cc}: ${perr} ${cerr}`);
  return ms;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const rows: string[] = [];
for (const c of CASES) {
  const s = sides(c);
  const res: Record<string, { wall: number[]; su: number[] }> = { gstreamer: { wall: [], su: [] }, parallax: { wall: [], su: [] } };
  for (let r = 0; r < ROUNDS; r++) {
    for (const name of r % 2 === 0 ? (["gstreamer", "parallax"] as const) : (["parallax", "gstreamer"] as const)) {
      res[name]!.wall.push(await once(s[name], join(DIR, `${c.id}-${name}.sock`), c.n));
      res[name]!.su.push(await once(s[name], join(DIR, `${c.id}-${name}.sock`), SMALL_N));
    }
    process.stderr.write(`${c.id} round ${r + 1}/${ROUNDS}\n`);
  }
  const rate = (name: string, net: boolean) => {
    const wall = median(res[name]!.wall);
    if (!net) return c.n / (wall / 1000);
    return (c.n - SMALL_N) / (Math.max(1, wall - median(res[name]!.su)) / 1000);
  };
  const fmt = (x: number) => (x >= 1e6 ? `${(x / 1e6).toFixed(2)} M` : `${(x / 1e3).toFixed(1)} k`);
  for (const name of ["gstreamer", "parallax"]) {
    rows.push(
      `| ${c.id} ${c.size === 4096 ? "4 KiB" : "1 MiB"} × ${c.n} | ${name} | ${median(res[name]!.wall).toFixed(0)} | ${median(res[name]!.su).toFixed(0)} | ${fmt(rate(name, false))}/s | ${fmt(rate(name, true))}/s | ${name === "parallax" ? `${(rate("parallax", false) / rate("gstreamer", false)).toFixed(2)}× / ${(rate("parallax", true) / rate("gstreamer", true)).toFixed(2)}×` : ""} |`,
    );
  }
}
console.log(`\nTwo processes, producer ‖ consumer (${ROUNDS} rounds, medians)\n`);
console.log(`| case | side | wall ms | wall ms with ${SMALL_N} buffers | buffers/s (wall) | buffers/s (net) | Parallax ÷ GStreamer (wall / net) |`);
console.log("|---|---|---|---|---|---|---|");
for (const r of rows) console.log(r);
rmSync(DIR, { recursive: true, force: true });

/**
 * Buffers between two processes, side by side in one run: Parallax's `ipcsink` ‖ `ipcsrc !
 * fakesink` against GStreamer's `shmsink` ‖ `shmsrc ! fakesink`, for 1 MiB and 4 KiB buffers,
 * alternating round by round (these machines are noisy: never compare across runs).
 *
 *   bun bench/ipc.ts [--rounds 5] [--scale 1] [--exe dist/parallax]
 *
 * `bun run bench:peer` runs the same measurement (measureIpc) for its rows g1 and g2.
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

type Side = { producer: (p: string, n: number) => string[]; consumer: (p: string) => string[]; mustSucceed: boolean };
/** Buffers in the short run that measures fixed costs. */
export const SMALL_N = 10;
type Case = { id: "g1" | "g2"; what: string; size: number; n: number };
export type Tool = "gstreamer" | "parallax";

function cases(scale: number): Case[] {
  return [
    { id: "g1", what: "fakesrc 1 MiB ! ipcsink ‖ ipcsrc ! fakesink (GStreamer: shmsink ‖ shmsrc)", size: 1 << 20, n: Math.round(20_000 * scale) },
    { id: "g2", what: "the same with 4 KiB buffers", size: 4096, n: Math.round(300_000 * scale) },
  ];
}

function sides(c: Case, exe: string[]): Record<Tool, Side> {
  return {
    gstreamer: {
      producer: (p, n) => ["gst-launch-1.0", "-q", "fakesrc", `num-buffers=${n}`, "sizetype=fixed", `sizemax=${c.size}`, "!", "shmsink", `socket-path=${p}`, `shm-size=${c.size * 64}`, "wait-for-connection=true", "sync=false"],
      consumer: (p) => ["gst-launch-1.0", "-q", "shmsrc", `socket-path=${p}`, "!", "fakesink", "enable-last-sample=false", "sync=false"],
      mustSucceed: false,
    },
    parallax: {
      producer: (p, n) => [...exe, "launch", "-q", `fakesrc num-buffers=${n} sizetype=fixed sizemax=${c.size} ! ipcsink path=${p}`],
      consumer: (p) => [...exe, "launch", "-q", `ipcsrc path=${p} ! fakesink`],
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

/** One tool's side of a case: the times of every round (ms), and buffers/s from their medians. */
export type IpcSide = { wallMs: number[]; smallMs: number[]; rate: number; netRate: number };
export type IpcResult = { id: Case["id"]; what: string; size: number; n: number; sides: Partial<Record<Tool, IpcSide>> };

/**
 * Runs g1 and g2 (those of `ids`) `rounds` times each, alternating the tools round by round;
 * `exe` is the parallax command (the compiled executable, or bun and bin/parallax.ts). `tools`
 * leaves GStreamer out when it is not installed.
 */
export async function measureIpc(opts: { rounds: number; scale: number; exe: string[]; ids?: readonly string[]; tools?: readonly Tool[]; log?: (line: string) => void }): Promise<IpcResult[]> {
  const dir = join(tmpdir(), "parallax-bench-ipc");
  mkdirSync(dir, { recursive: true });
  const tools = opts.tools ?? (["gstreamer", "parallax"] as const);
  const results: IpcResult[] = [];
  try {
    for (const c of cases(opts.scale)) {
      if (opts.ids && !opts.ids.includes(c.id)) continue;
      const s = sides(c, opts.exe);
      const runs: Partial<Record<Tool, { wall: number[]; small: number[] }>> = {};
      for (const t of tools) runs[t] = { wall: [], small: [] };
      for (let r = 0; r < opts.rounds; r++) {
        for (const name of r % 2 === 0 ? tools : [...tools].reverse()) {
          runs[name]!.wall.push(await once(s[name], join(dir, `${c.id}-${name}.sock`), c.n));
          runs[name]!.small.push(await once(s[name], join(dir, `${c.id}-${name}.sock`), SMALL_N));
        }
        opts.log?.(`${c.id} round ${r + 1}/${opts.rounds}`);
      }
      const result: IpcResult = { id: c.id, what: c.what, size: c.size, n: c.n, sides: {} };
      for (const t of tools) {
        const { wall, small } = runs[t]!;
        const w = median(wall);
        result.sides[t] = { wallMs: wall, smallMs: small, rate: c.n / (w / 1000), netRate: (c.n - SMALL_N) / (Math.max(1, w - median(small)) / 1000) };
      }
      results.push(result);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

if (import.meta.main) {
  const rounds = Number(flag("--rounds", "5"));
  const root = resolve(import.meta.dir, "..");
  const exe = args.includes("--exe") ? [resolve(flag("--exe", ""))] : [process.execPath, join(root, "bin/parallax.ts")];
  const results = await measureIpc({ rounds, scale: Number(flag("--scale", "1")), exe, log: (l) => process.stderr.write(`${l}\n`) });
  const fmt = (x: number) => (x >= 1e6 ? `${(x / 1e6).toFixed(2)} M` : `${(x / 1e3).toFixed(1)} k`);
  console.log(`\nTwo processes, producer ‖ consumer (${rounds} rounds, medians)\n`);
  console.log(`| case | side | wall ms | wall ms with ${SMALL_N} buffers | buffers/s (wall) | buffers/s (net) | Parallax ÷ GStreamer (wall / net) |`);
  console.log("|---|---|---|---|---|---|---|");
  for (const r of results) {
    const g = r.sides.gstreamer!;
    const px = r.sides.parallax!;
    for (const [name, side] of [["gstreamer", g], ["parallax", px]] as const) {
      const ratio = name === "parallax" ? `${(px.rate / g.rate).toFixed(2)}× / ${(px.netRate / g.netRate).toFixed(2)}×` : "";
      console.log(`| ${r.id} ${r.size === 4096 ? "4 KiB" : "1 MiB"} × ${r.n} | ${name} | ${median(side.wallMs).toFixed(0)} | ${median(side.smallMs).toFixed(0)} | ${fmt(side.rate)}/s | ${fmt(side.netRate)}/s | ${ratio} |`);
    }
  }
}

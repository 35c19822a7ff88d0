/**
 * Isolated execution, side by side in one run: how fast an isolated element starts, what a
 * one-buffer isolated launch costs against an in-process one, and how many buffers/s cross an
 * isolated `identity` — against GStreamer's nearest equivalent, `shmsink` ‖ `shmsrc` (two
 * processes), alternating round by round (these machines are noisy: never compare across runs).
 *
 *   bun bench/isolation.ts [--rounds 5] [--scale 1] [--exe PATH]… [--src DIR]… [--no-bun] [--no-gst] [--start-only]
 *
 * Each `--exe` adds a Parallax executable to compare (say dist/parallax and an older build);
 * without one, dist/parallax is used when it exists. Each `--src` adds a source tree run as
 * `bun DIR/bin/parallax.ts`; this one runs that way too unless --no-bun.
 *
 *   start   `launch -v --isolate=identity* "fakesrc num-buffers=1 ! identity ! fakesink"`:
 *           the host's "started in X ms" (from run() until identity is created, sandboxed and
 *           prepared in its host: src/isolation/executor.ts), and the launch's wall time,
 *           against the same launch in-process.
 *   t4, t1  `fakesrc sizetype=fixed sizemax=SIZE ! identity ! fakesink`, identity isolated,
 *           4 KiB and 1 MiB: buffers/s net of start-up and teardown, (N − 1) / (wall(N) −
 *           wall(1)); GStreamer: `fakesrc ! shmsink` ‖ `shmsrc ! fakesink` the same way (see
 *           bench/ipc.ts for its caveats).
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { args, flagOr as flag } from "./flags.ts";

const ROUNDS = Number(flag("--rounds", "5"));
const SCALE = Number(flag("--scale", "1"));
const ROOT = resolve(import.meta.dir, "..");
const DIR = join(tmpdir(), `parallax-bench-isolation-${process.pid}`);
mkdirSync(DIR, { recursive: true });

type Tool = { name: string; cmd: string[] };
const tools: Tool[] = [];
for (let i = 0; i < args.length; i++) if (args[i] === "--exe") tools.push({ name: args[i + 1]!, cmd: [resolve(args[i + 1]!)] });
if (tools.length === 0 && existsSync(join(ROOT, "dist/parallax"))) tools.push({ name: "dist/parallax", cmd: [join(ROOT, "dist/parallax")] });
for (let i = 0; i < args.length; i++) if (args[i] === "--src") tools.push({ name: `bun ${args[i + 1]}/bin/parallax.ts`, cmd: [process.execPath, join(resolve(args[i + 1]!), "bin/parallax.ts")] });
if (!args.includes("--no-bun")) tools.push({ name: "bun bin/parallax.ts", cmd: [process.execPath, join(ROOT, "bin/parallax.ts")] });
/** Start-up samples per tool per round (they are short and the noisiest figure). */
const START_REPS = 3;
const GST = !args.includes("--no-gst") && Bun.which("gst-launch-1.0") !== null;
const THROUGHPUT_CASES = !args.includes("--start-only");

type Result = { code: number | null; ms: number; out: string; err: string };

function run(cmd: string[], timeoutMs = 120_000): Promise<Result> {
  return new Promise((done) => {
    const t0 = performance.now();
    const child = spawn(cmd[0]!, cmd.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout!.on("data", (d) => (out += d));
    child.stderr!.on("data", (d) => (err += d));
    const killer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("exit", (code) => {
      clearTimeout(killer);
      done({ code, ms: performance.now() - t0, out, err });
    });
  });
}

async function must(cmd: string[]): Promise<Result> {
  const r = await run(cmd);
  if (r.code !== 0) throw new Error(`${cmd.join(" ")} exited with ${r.code}:\n${r.err.slice(-2000)}`);
  return r;
}

/** A producer ‖ consumer pair through shmsink/shmsrc; ms from the consumer's start to both exits. */
async function gstPair(size: number, n: number, id: string): Promise<number> {
  const path = join(DIR, `${id}.sock`);
  rmSync(path, { force: true });
  const prod = run(["gst-launch-1.0", "-q", "fakesrc", `num-buffers=${n}`, "sizetype=fixed", `sizemax=${size}`, "!", "shmsink", `socket-path=${path}`, `shm-size=${size * 64}`, "wait-for-connection=true", "sync=false"]);
  const deadline = performance.now() + 20_000;
  while (!existsSync(path)) {
    if (performance.now() > deadline) throw new Error(`shmsink did not create ${path}`);
    await Bun.sleep(2);
  }
  const t0 = performance.now();
  // shmsrc ends with an error when the writer goes away (shm carries no EOS): its status is ignored.
  await Promise.all([prod, run(["gst-launch-1.0", "-q", "shmsrc", `socket-path=${path}`, "!", "fakesink", "enable-last-sample=false", "sync=false"])]);
  return performance.now() - t0;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmtRate = (x: number) => (x >= 1e6 ? `${(x / 1e6).toFixed(2)} M/s` : `${(x / 1e3).toFixed(1)} k/s`);
const samples = new Map<string, number[]>();
const add = (key: string, v: number) => samples.set(key, [...(samples.get(key) ?? []), v]);
const med = (key: string) => median(samples.get(key) ?? [NaN]);

const START_ISO = (t: Tool) => [...t.cmd, "launch", "-v", "--isolate=identity*", "fakesrc num-buffers=1 ! identity ! fakesink"];
const START_IN = (t: Tool) => [...t.cmd, "launch", "-q", "fakesrc num-buffers=1 ! identity ! fakesink"];
const THROUGHPUT = (t: Tool, size: number, n: number) => [...t.cmd, "launch", "-q", "--isolate=identity*", `fakesrc num-buffers=${n} sizetype=fixed sizemax=${size} ! identity ! fakesink`];
const CASES = THROUGHPUT_CASES
  ? [
      { id: "t4", size: 4096, n: Math.round(300_000 * SCALE) },
      { id: "t1", size: 1 << 20, n: Math.round(20_000 * SCALE) },
    ]
  : [];

process.stderr.write(`isolation bench: ${ROUNDS} rounds; ${tools.map((t) => t.name).join(", ")}${GST ? ", gst-launch-1.0" : ""}\n`);
const load: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  const order = r % 2 === 0 ? tools : [...tools].reverse();
  for (let k = 0; k < START_REPS; k++) {
    for (const t of order) {
      const iso = await must(START_ISO(t));
      const m = /started in ([\d.]+) ms/.exec(iso.out);
      if (!m) throw new Error(`no "started in" line from ${t.name}:\n${iso.out}`);
      add(`${t.name}|start`, Number(m[1]));
      add(`${t.name}|e2e-iso`, iso.ms);
      add(`${t.name}|e2e-in`, (await must(START_IN(t))).ms);
    }
  }
  for (const c of CASES) {
    const sides = GST ? (r % 2 === 0 ? ["gst", ...order.map((t) => t.name)] : [...order.map((t) => t.name), "gst"]) : order.map((t) => t.name);
    for (const side of sides) {
      if (side === "gst") {
        add(`gst|${c.id}`, await gstPair(c.size, c.n, c.id));
        add(`gst|${c.id}-1`, await gstPair(c.size, 1, c.id));
        continue;
      }
      const t = tools.find((x) => x.name === side)!;
      add(`${t.name}|${c.id}`, (await must(THROUGHPUT(t, c.size, c.n))).ms);
      add(`${t.name}|${c.id}-1`, (await must(THROUGHPUT(t, c.size, 1))).ms);
    }
  }
  load.push(Number((await Bun.file("/proc/loadavg").text()).split(" ")[0]));
  process.stderr.write(`round ${r + 1}/${ROUNDS} (load ${load[load.length - 1]})\n`);
}

const rate = (who: string, id: string, n: number) => (n - 1) / (Math.max(1, med(`${who}|${id}`) - med(`${who}|${id}-1`)) / 1000);
console.log(`\nIsolated execution (${ROUNDS} rounds, medians; load average ${Math.min(...load)}–${Math.max(...load)})\n`);
console.log("| Parallax | isolated element start (run() → ready) | one-buffer launch, isolated | in-process | isolated ÷ in-process |");
console.log("|---|---|---|---|---|");
for (const t of tools) {
  const s = samples.get(`${t.name}|start`)!;
  const under = s.filter((x) => x < 150).length;
  console.log(`| ${t.name} | ${med(`${t.name}|start`).toFixed(1)} ms (min ${Math.min(...s).toFixed(1)}, max ${Math.max(...s).toFixed(1)}; ${under}/${s.length} under 150 ms) | ${med(`${t.name}|e2e-iso`).toFixed(0)} ms | ${med(`${t.name}|e2e-in`).toFixed(0)} ms | ${(med(`${t.name}|e2e-iso`) / med(`${t.name}|e2e-in`)).toFixed(2)}× |`);
}
if (THROUGHPUT_CASES) {
  console.log("\n| case | side | wall ms (N) | wall ms (1 buffer) | buffers/s, net | ÷ GStreamer shm |");
  console.log("|---|---|---|---|---|---|");
}
for (const c of CASES) {
  const label = `${c.id} ${c.size === 4096 ? "4 KiB" : "1 MiB"} × ${c.n}`;
  const sides = [...(GST ? ["gst"] : []), ...tools.map((t) => t.name)];
  for (const who of sides) {
    const ratio = GST && who !== "gst" ? `${(rate(who, c.id, c.n) / rate("gst", c.id, c.n)).toFixed(2)}×` : "";
    const name = who === "gst" ? "GStreamer shmsink ‖ shmsrc" : `${who}, identity isolated`;
    console.log(`| ${label} | ${name} | ${med(`${who}|${c.id}`).toFixed(0)} | ${med(`${who}|${c.id}-1`).toFixed(0)} | ${fmtRate(rate(who, c.id, c.n))} | ${ratio} |`);
  }
}
if (THROUGHPUT_CASES) console.log("\nper-round 4 KiB rates (net):");
for (const t of THROUGHPUT_CASES ? tools : []) {
  const all = samples.get(`${t.name}|t4`)!;
  const one = med(`${t.name}|t4-1`);
  console.log(`  ${t.name}: ${all.map((ms) => fmtRate((CASES[0]!.n - 1) / (Math.max(1, ms - one) / 1000))).join(", ")}`);
}
rmSync(DIR, { recursive: true, force: true });

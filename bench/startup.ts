/**
 * Start-up side by side (case s0 of bench/peer.ts, in more detail): one-buffer
 * `fakesrc num-buffers=1 ! fakesink` launches of each command, alternated run by run in the
 * same process, with the median wall time and the median CPU time (user + system, from the
 * child's rusage) of each, and their ratios.
 *
 *   bun bench/startup.ts [--runs 40] [--exe dist/parallax] [--exe other/parallax …] [--no-gst]
 *
 * Several `--exe` compare builds with each other (and with gst-launch-1.0) in one run, which is
 * how a start-up change should be judged on these noisy 2-vCPU machines. Each command runs
 * once before the timed runs, so that every executable is in the page cache.
 */
import { existsSync } from "node:fs";

const args = process.argv.slice(2);
const values = (name: string) => args.flatMap((a, i) => (a === name && args[i + 1] ? [args[i + 1]!] : []));
const RUNS = Number(values("--runs")[0] ?? 40);
const DESCRIPTION = "fakesrc num-buffers=1 ! fakesink";
const DIST = new URL("../dist/parallax", import.meta.url).pathname;
const exes = values("--exe");
if (exes.length === 0) exes.push(DIST);
for (const exe of exes) {
  if (!existsSync(exe)) {
    console.error(`${exe} does not exist: run \`bun run build\` first (or pass --exe PATH)`);
    process.exit(2);
  }
}

type Command = { name: string; argv: string[]; wall: number[]; cpu: number[] };
const commands: Command[] = exes.map((exe) => ({ name: exe, argv: [exe, "launch", "-q", DESCRIPTION], wall: [], cpu: [] }));
if (!args.includes("--no-gst")) {
  if (Bun.which("gst-launch-1.0") === null) console.error("gst-launch-1.0 not found (apt-get install gstreamer1.0-tools): timing Parallax only");
  else commands.push({ name: "gst-launch-1.0", argv: ["gst-launch-1.0", "-q", ...DESCRIPTION.split(" ")], wall: [], cpu: [] });
}

function runOnce(c: Command): { wall: number; cpu: number } {
  const t0 = performance.now();
  const r = Bun.spawnSync(c.argv, { stdout: "ignore", stderr: "pipe" });
  const wall = performance.now() - t0;
  if (r.exitCode !== 0) {
    console.error(`${c.argv.join(" ")} exited with ${r.exitCode ?? r.signalCode}:\n${r.stderr.toString().slice(0, 400)}`);
    process.exit(1);
  }
  const u = r.resourceUsage!.cpuTime;
  return { wall, cpu: Number(u.user + u.system) / 1000 };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

for (const c of commands) runOnce(c);
for (let i = 0; i < RUNS; i++) {
  // Rotate the order each round so that no command always follows the same one.
  for (let j = 0; j < commands.length; j++) {
    const c = commands[(i + j) % commands.length]!;
    const s = runOnce(c);
    c.wall.push(s.wall);
    c.cpu.push(s.cpu);
  }
}

const load = (await Bun.file("/proc/loadavg").text()).split(" ").slice(0, 3).join(" ");
const ref = commands.at(-1)!;
console.log(`${RUNS} runs each, alternated; load average ${load}`);
console.log(`| command | wall median (ms) | CPU median (ms) | wall ÷ ${ref.name} | CPU ÷ ${ref.name} |`);
console.log(`|---|---|---|---|---|`);
for (const c of commands) {
  const w = median(c.wall);
  const u = median(c.cpu);
  console.log(`| ${c.name} | ${w.toFixed(1)} | ${u.toFixed(1)} | ${(w / median(ref.wall)).toFixed(2)} | ${(u / median(ref.cpu)).toFixed(2)} |`);
}

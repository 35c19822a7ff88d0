/**
 * File copy, side by side in one run: `cp`, `gst-launch-1.0 filesrc ! filesink` and
 * `parallax launch "filesrc ! filesink"` on the same file in the page cache, interleaved
 * round by round (these machines are noisy: never compare with figures from another run).
 *
 *   bun bench/files.ts [--mib 512] [--rounds 5] [--dir /tmp] [--settle 500] [--exe dist/parallax]
 *
 * Per contender: the median wall time of the whole process, the same net of the tool's start-up
 * (its `fakesrc num-buffers=1 ! fakesink` time, measured in the same rounds; cp's is ~1 ms), and
 * GB/s on each. Every Parallax output is checked byte-identical to the input. Before each run
 * the previous output is deleted, dirty pages are flushed (`sync`) and the machine is left alone
 * for SETTLE_MS (all untimed): freeing 512 MiB of blocks and writing back the last copy keeps
 * the kernel busy for a while, and would otherwise land in the next contender's time.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const args = process.argv.slice(2);
const flag = (name: string, dflt: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1]! : dflt;
};
const MIB = Number(flag("--mib", "512"));
const ROUNDS = Number(flag("--rounds", "5"));
const DIR = join(flag("--dir", tmpdir()), "parallax-bench-files");
const ROOT = resolve(import.meta.dir, "..");
const EXE = args.includes("--exe") ? [resolve(flag("--exe", ""))] : [process.execPath, join(ROOT, "bin/parallax.ts")];
const BYTES = MIB * 1024 * 1024;
const SETTLE_MS = Number(flag("--settle", "500"));
const IN = join(DIR, "in.bin");
const OUT = join(DIR, "out.bin");

type Contender = { name: string; cmd: string[]; startup?: string[]; check?: boolean };

const gst = (p: string) => ["gst-launch-1.0", "-q", ...p.split(" ")];
const px = (p: string) => [...EXE, "launch", "-q", p];
const contenders: Contender[] = [
  { name: "cp", cmd: ["cp", IN, OUT] },
  {
    name: "gst-launch-1.0 filesrc blocksize=1048576 ! filesink",
    cmd: gst(`filesrc location=${IN} blocksize=1048576 ! filesink location=${OUT}`),
    startup: gst("fakesrc num-buffers=1 ! fakesink"),
  },
  {
    name: "parallax filesrc ! filesink (defaults)",
    cmd: px(`filesrc location=${IN} ! filesink location=${OUT}`),
    startup: px("fakesrc num-buffers=1 ! fakesink"),
    check: true,
  },
  {
    name: "parallax filesrc blocksize=1048576 ! filesink",
    cmd: px(`filesrc location=${IN} blocksize=1048576 ! filesink location=${OUT}`),
    startup: px("fakesrc num-buffers=1 ! fakesink"),
    check: true,
  },
  {
    name: "parallax ... io-mode=sync (pread/pwrite)",
    cmd: px(`filesrc location=${IN} blocksize=1048576 io-mode=sync ! filesink io-mode=sync location=${OUT}`),
    startup: px("fakesrc num-buffers=1 ! fakesink"),
    check: true,
  },
];

function run(cmd: string[]): number {
  const t0 = performance.now();
  const r = spawnSync(cmd[0]!, cmd.slice(1), { stdio: ["ignore", "ignore", "pipe"] });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${cmd.join(" ")} failed (${r.status}): ${r.stderr}`);
  return ms;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const sha = (p: string) => createHash("sha256").update(readFileSync(p)).digest("hex");

mkdirSync(DIR, { recursive: true });
if (!existsSync(IN) || statSync(IN).size !== BYTES) {
  const chunk = new Uint8Array(1 << 20);
  const all = new Uint8Array(BYTES);
  for (let o = 0; o < BYTES; o += chunk.length) {
    crypto.getRandomValues(chunk.subarray(0, 65536));
    for (let k = 65536; k < chunk.length; k *= 2) chunk.copyWithin(k, 0, k);
    chunk[0] = (o >> 20) & 0xff;
    all.set(chunk, o);
  }
  writeFileSync(IN, all);
}
readFileSync(IN); // into the page cache
const inHash = sha(IN);
spawnSync("sync");

const times = contenders.map(() => [] as number[]);
const startups = contenders.map(() => [] as number[]);
for (let r = 0; r < ROUNDS; r++) {
  contenders.forEach((c, i) => {
    rmSync(OUT, { force: true });
    spawnSync("sync");
    Bun.sleepSync(SETTLE_MS);
    times[i]!.push(run(c.cmd));
    if (c.check && r === 0 && sha(OUT) !== inHash) throw new Error(`${c.name}: the copy differs from the input`);
    if (c.startup) startups[i]!.push(run(c.startup));
  });
  process.stderr.write(`round ${r + 1}/${ROUNDS}\n`);
}
rmSync(OUT, { force: true });

const cpMs = median(times[0]!);
console.log(`\nFile copy, ${MIB} MiB in the page cache, ${DIR} (${ROUNDS} rounds, medians)\n`);
console.log("| contender | wall ms | start-up ms | net ms | GB/s (wall) | GB/s (net) | vs cp (wall) | vs cp (net) |");
console.log("|---|---|---|---|---|---|---|---|");
contenders.forEach((c, i) => {
  const wall = median(times[i]!);
  const su = c.startup ? median(startups[i]!) : 0;
  const net = Math.max(1, wall - su);
  const gb = (ms: number) => (BYTES / 1e9 / (ms / 1000)).toFixed(2);
  console.log(`| ${c.name} | ${wall.toFixed(0)} | ${su.toFixed(0)} | ${net.toFixed(0)} | ${gb(wall)} | ${gb(net)} | ${(cpMs / wall * 100).toFixed(0)}% | ${(cpMs / net * 100).toFixed(0)}% |`);
});

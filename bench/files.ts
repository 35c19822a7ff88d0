/**
 * File copy, side by side in one run: `cp`, `gst-launch-1.0 filesrc ! filesink` and
 * `parallax launch "filesrc ! filesink"` on the same file in the page cache, interleaved
 * round by round (these machines are noisy: never compare with figures from another run).
 *
 *   bun bench/files.ts [--mib 512] [--rounds 5] [--dir /tmp] [--settle 500] [--exe dist/parallax]
 *                      [--only cp,gst,mmap,...]
 *
 * Per contender: the median wall time of the whole process, the same net of the tool's start-up
 * (its `fakesrc num-buffers=1 ! fakesink` time, measured in the same rounds; cp's is ~1 ms), and
 * GB/s on each; the median CPU time (user + system, from GNU time when installed), which a
 * loaded machine disturbs less than wall time; the load average before and after. Every
 * Parallax output is checked byte-identical to the input.
 *
 * Parallax contenders: `mmap` is the default (filesrc maps the file, filesink has the kernel
 * copy each untouched buffer: copy_file_range), `uring` and `sync` read into pool buffers
 * (use-mmap=false) with io_uring or pread/pwrite. Before each run
 * the previous output is deleted, dirty pages are flushed (`sync`) and the machine is left alone
 * for SETTLE_MS (all untimed): freeing 512 MiB of blocks and writing back the last copy keeps
 * the kernel busy for a while, and would otherwise land in the next contender's time.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { args, flagOr as flag } from "./flags.ts";

const MIB = Number(flag("--mib", "512"));
const ROUNDS = Number(flag("--rounds", "5"));
const DIR = join(flag("--dir", tmpdir()), "parallax-bench-files");
const ROOT = resolve(import.meta.dir, "..");
const EXE = args.includes("--exe") ? [resolve(flag("--exe", ""))] : [process.execPath, join(ROOT, "bin/parallax.ts")];
const BYTES = MIB * 1024 * 1024;
const SETTLE_MS = Number(flag("--settle", "500"));
const IN = join(DIR, "in.bin");
const OUT = join(DIR, "out.bin");

type Contender = { id: string; name: string; cmd: string[]; startup?: string[]; check?: boolean };

const gst = (p: string) => ["gst-launch-1.0", "-q", ...p.split(" ")];
const px = (p: string) => [...EXE, "launch", "-q", p];
const ONLY = args.includes("--only") ? flag("--only", "").split(",") : null;
const pxStartup = px("fakesrc num-buffers=1 ! fakesink");
const contenders: Contender[] = [
  { id: "cp", name: "cp", cmd: ["cp", IN, OUT] },
  {
    id: "gst",
    name: "gst-launch-1.0 filesrc blocksize=1048576 ! filesink",
    cmd: gst(`filesrc location=${IN} blocksize=1048576 ! filesink location=${OUT}`),
    startup: gst("fakesrc num-buffers=1 ! fakesink"),
  },
  { id: "mmap", name: "parallax filesrc ! filesink (defaults: mmap + copy_file_range)", cmd: px(`filesrc location=${IN} ! filesink location=${OUT}`), startup: pxStartup, check: true },
  {
    id: "mmap1m",
    name: "parallax filesrc blocksize=1048576 ! filesink",
    cmd: px(`filesrc location=${IN} blocksize=1048576 ! filesink location=${OUT}`),
    startup: pxStartup,
    check: true,
  },
  {
    id: "uring",
    name: "parallax ... use-mmap=false (io_uring reads into pool buffers)",
    cmd: px(`filesrc location=${IN} blocksize=1048576 use-mmap=false ! filesink location=${OUT}`),
    startup: pxStartup,
    check: true,
  },
  {
    id: "sync",
    name: "parallax ... use-mmap=false io-mode=sync (pread/pwrite)",
    cmd: px(`filesrc location=${IN} blocksize=1048576 use-mmap=false io-mode=sync ! filesink io-mode=sync location=${OUT}`),
    startup: pxStartup,
    check: true,
  },
].filter((c) => ONLY === null || ONLY.includes(c.id));

// CPU time per child comes from GNU time, when installed (its own cost is a few ms of wall).
const GNU_TIME = existsSync("/usr/bin/time") ? "/usr/bin/time" : null;

/** Runs `cmd`; returns its wall time and CPU time (user + system; NaN without GNU time), ms. */
function run(cmd: string[]): { wall: number; cpu: number } {
  const full = GNU_TIME ? [GNU_TIME, "-f", "@@cpu=%U %S", ...cmd] : cmd;
  const t0 = performance.now();
  const r = spawnSync(full[0]!, full.slice(1), { stdio: ["ignore", "ignore", "pipe"] });
  const wall = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${cmd.join(" ")} failed (${r.status}): ${r.stderr}`);
  const m = /@@cpu=([\d.]+) ([\d.]+)/.exec(String(r.stderr));
  return { wall, cpu: m ? (Number(m[1]) + Number(m[2])) * 1000 : NaN };
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

const load0 = loadavg();
const times = contenders.map(() => [] as number[]);
const cpus = contenders.map(() => [] as number[]);
const startups = contenders.map(() => [] as number[]);
const startupCpus = contenders.map(() => [] as number[]);
for (let r = 0; r < ROUNDS; r++) {
  contenders.forEach((c, i) => {
    rmSync(OUT, { force: true });
    spawnSync("sync");
    Bun.sleepSync(SETTLE_MS);
    const t = run(c.cmd);
    times[i]!.push(t.wall);
    cpus[i]!.push(t.cpu);
    if (c.check && r === 0 && sha(OUT) !== inHash) throw new Error(`${c.name}: the copy differs from the input`);
    if (c.startup) {
      const s = run(c.startup);
      startups[i]!.push(s.wall);
      startupCpus[i]!.push(s.cpu);
    }
  });
  process.stderr.write(`round ${r + 1}/${ROUNDS}\n`);
}
rmSync(OUT, { force: true });
const load1 = loadavg();

const cpAt = contenders.findIndex((c) => c.id === "cp");
const cpMs = cpAt >= 0 ? median(times[cpAt]!) : NaN;
const cpCpu = cpAt >= 0 ? median(cpus[cpAt]!) : NaN;
const pct = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(0)}%` : "—");
console.log(`\nFile copy, ${MIB} MiB in the page cache, ${DIR} (${ROUNDS} rounds, medians)`);
console.log(`load average ${load0.map((x) => x.toFixed(2)).join(" ")} before, ${load1.map((x) => x.toFixed(2)).join(" ")} after\n`);
console.log("| contender | wall ms | start-up ms | net ms | GB/s (net) | vs cp (wall) | vs cp (net) | CPU ms | CPU net of start-up | vs cp (CPU net) |");
console.log("|---|---|---|---|---|---|---|---|---|---|");
contenders.forEach((c, i) => {
  const wall = median(times[i]!);
  const su = c.startup ? median(startups[i]!) : 0;
  const net = Math.max(1, wall - su);
  const cpu = median(cpus[i]!);
  const cpuNet = cpu - (c.startup ? median(startupCpus[i]!) : 0);
  const gb = (ms: number) => (BYTES / 1e9 / (ms / 1000)).toFixed(2);
  console.log(
    `| ${c.name} | ${wall.toFixed(0)} | ${su.toFixed(0)} | ${net.toFixed(0)} | ${gb(net)} | ${pct(cpMs / wall)} | ${pct(cpMs / net)} | ${cpu.toFixed(0)} | ${cpuNet.toFixed(0)} | ${pct(cpCpu / cpuNet)} |`,
  );
});

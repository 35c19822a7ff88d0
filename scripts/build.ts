/**
 * The package's build step.
 *
 * 1. Compiles each C shim `csrc/<shim>.c` into `build/lib<shim>.so` with gcc (-O2, -Werror).
 *    The io_uring shim links liburing statically when `liburing.a` is installed, so the shim
 *    (and the compiled executable that embeds it) does not need liburing at run time; it falls
 *    back to the shared `-luring` otherwise.
 * 2. Unless `--shims-only` is given, compiles `bin/parallax.ts` into the executable
 *    `dist/parallax-runtime` with `bun build --compile`, and the launcher
 *    csrc/launcher/launcher.c into `dist/parallax`, the command to run: it starts the
 *    executable beside it with the JavaScriptCore options it needs (see launcher.c; the two
 *    files go together). ffi/lib.ts imports every shim with `{ type: "file" }`, so the .so
 *    files are embedded and dlopen'ed from inside the binary. src/scheduling/worker.ts is a
 *    second entry point: the data Workers of hybrid scheduling load it from inside the
 *    executable (src/scheduling/host.ts, workerUrl).
 * 3. Start-up (a one-buffer `parallax launch` should end as fast as gst-launch-1.0's; see
 *    bin/parallax.ts): the executable is built twice. The first build is run on START_UP_RUNS
 *    with BUN_BYTECODE_ORDER_OUT set, which records the functions each run used; the second
 *    build lays that bytecode out first (`--bytecode-order`), so a launch reads and decodes
 *    less of the executable (measured on s0: 1.2 MiB less RSS; the time saved is within the
 *    noise). If recording fails, the first build is kept (with a warning).
 *
 * Usage: `bun run build` (shims + executable), `bun run build:shims` (shims only);
 * `--outfile PATH` puts the launcher at PATH and the executable at PATH-runtime instead of
 * dist/, and `--executable-only` leaves the shims in build/ as they are (test/compiled.test.ts
 * builds into a temporary directory with both: the test process has those shims open).
 * Exits non-zero on the first failure, printing the compiler's output.
 */
import { existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "..");
const CSRC = join(ROOT, "csrc");
const BUILD = join(ROOT, "build");
const ENTRY = join(ROOT, "bin", "parallax.ts");
const WORKER_ENTRY = join(ROOT, "src", "scheduling", "worker.ts");
/** The command: the launcher, which starts RUNTIME (csrc/launcher/launcher.c). */
const OUTFILE = resolve(outfileArgument() ?? join(ROOT, "dist", "parallax"));
/** The compiled executable; the launcher finds it by appending "-runtime" to its own path. */
const RUNTIME = `${OUTFILE}-runtime`;
const LAUNCHER_SOURCE = join(CSRC, "launcher", "launcher.c");
/** Recorded bytecode-order profiles (build/, not committed: each build records its own). */
const ORDER_DIR = join(BUILD, "bytecode-order");
/**
 * The runs whose start-up the layout favours, most common first: a one-buffer launch (the
 * side-by-side start-up case), then one that also loads queue, identity and a caps filter.
 */
const START_UP_RUNS = [
  ["launch", "-q", "fakesrc num-buffers=1 ! fakesink"],
  ["launch", "-q", "fakesrc num-buffers=1 ! queue ! identity ! audio/x-raw ! fakesink"],
];
/**
 * JavaScriptCore's tier-up thresholds are multiplied by this at start, so code that runs once
 * (module bodies, parsing, building the pipeline) stays in the interpreter instead of being
 * compiled; `parallax launch` restores the normal policy when the pipeline starts playing
 * (src/cli/launch.ts). Measured on s0: ≈5 ms less CPU, 3–4 ms less wall time; throughput once
 * playing is unchanged (cases a and k1).
 */
const START_UP_JIT_POLICY = 16;
const CFLAGS = ["-O2", "-fPIC", "-shared", "-Wall", "-Werror"];
/** The launcher is built without the C library (see launcher.c), so gcc must not call into it. */
export const LAUNCHER_CFLAGS = ["-O2", "-Wall", "-Werror", "-static", "-nostdlib", "-fno-stack-protector", "-fno-builtin", "-fno-tree-loop-distribute-patterns"];
const STATIC_LIBURING = "/usr/lib/x86_64-linux-gnu/liburing.a";

function outfileArgument(): string | undefined {
  const at = process.argv.indexOf("--outfile");
  return at >= 0 ? process.argv[at + 1] : undefined;
}

/** Extra linker arguments per shim (by file stem). */
function linkArgs(shim: string): string[] {
  if (shim !== "uring") return [];
  return existsSync(STATIC_LIBURING) ? ["-l:liburing.a"] : ["-luring"];
}

function run(cmd: string[]): void {
  console.log(`$ ${cmd.join(" ")}`);
  const r = Bun.spawnSync(cmd, { cwd: ROOT, stdout: "inherit", stderr: "inherit" });
  if (r.exitCode !== 0) {
    console.error(`build failed: \`${cmd[0]}\` exited with ${r.exitCode ?? r.signalCode}`);
    process.exit(1);
  }
}

function buildShims(): void {
  mkdirSync(BUILD, { recursive: true });
  const sources = readdirSync(CSRC).filter((f) => f.endsWith(".c")).sort();
  if (sources.length === 0) {
    console.error(`build failed: no C shims in ${CSRC}`);
    process.exit(1);
  }
  for (const file of sources) {
    const shim = file.slice(0, -2);
    run(["gcc", ...CFLAGS, "-o", join(BUILD, `lib${shim}.so`), join(CSRC, file), ...linkArgs(shim)]);
  }
}

function compile(orderFiles: string[]): void {
  run([
    process.execPath,
    "build",
    "--compile",
    // Pre-compiled JavaScriptCore bytecode halves start-up (no parsing at launch).
    "--bytecode",
    ...(orderFiles.length > 0 ? [`--bytecode-order=${orderFiles.join(",")}`] : []),
    // Every dynamic import() (and every require() of an ES module) becomes a chunk of its own,
    // read only when imported: the command imports `inspect`, each element's module and the
    // caps parser that way, so a launch loads only what its pipeline uses (bin/parallax.ts,
    // elements/manifest.ts, src/caps/caps.ts).
    "--splitting",
    "--format=esm",
    `--compile-jit-policy=${START_UP_JIT_POLICY}`,
    // A command-line tool should not change behaviour with the .env or bunfig.toml (which can
    // preload code) of whatever directory it is run in; not looking for them also saves ≈2 ms.
    "--no-compile-autoload-dotenv",
    "--no-compile-autoload-bunfig",
    ENTRY,
    WORKER_ENTRY,
    "--outfile",
    RUNTIME,
  ]);
}

function buildLauncher(): void {
  run(["gcc", ...LAUNCHER_CFLAGS, "-o", OUTFILE, LAUNCHER_SOURCE]);
}

/** Runs the fresh executable on START_UP_RUNS, recording bytecode order; returns the profiles. */
function recordStartUp(): string[] {
  rmSync(ORDER_DIR, { recursive: true, force: true });
  mkdirSync(ORDER_DIR, { recursive: true });
  const files: string[] = [];
  for (const [i, args] of START_UP_RUNS.entries()) {
    const file = join(ORDER_DIR, `run${i}.order`);
    const r = Bun.spawnSync([OUTFILE, ...args], { cwd: ROOT, env: { ...process.env, BUN_BYTECODE_ORDER_OUT: file }, stdout: "ignore", stderr: "pipe" });
    if (r.exitCode !== 0 || !existsSync(file)) {
      console.warn(`warning: recording start-up with \`parallax ${args.join(" ")}\` failed (${r.exitCode ?? r.signalCode}): keeping the build without --bytecode-order\n${r.stderr.toString().slice(0, 400)}`);
      return [];
    }
    files.push(file);
  }
  return files;
}

function buildExecutable(): void {
  if (!existsSync(ENTRY)) {
    console.log(`skipping the executable: ${ENTRY} does not exist yet`);
    return;
  }
  mkdirSync(dirname(OUTFILE), { recursive: true });
  compile([]);
  buildLauncher();
  const profiles = recordStartUp();
  if (profiles.length > 0) compile(profiles);
}

if (import.meta.main) {
  if (!process.argv.includes("--executable-only")) buildShims();
  if (!process.argv.includes("--shims-only")) buildExecutable();
}

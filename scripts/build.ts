/**
 * The package's build step.
 *
 * 1. Compiles each C shim `csrc/<shim>.c` into `build/lib<shim>.so` with gcc (-O2, -Werror).
 *    The io_uring shim links liburing statically when `liburing.a` is installed, so the shim
 *    (and the compiled executable that embeds it) does not need liburing at run time; it falls
 *    back to the shared `-luring` otherwise.
 * 2. Unless `--shims-only` is given, compiles `bin/parallax.ts` into the single executable
 *    `dist/parallax` with `bun build --compile`. ffi/lib.ts imports every shim with
 *    `{ type: "file" }`, so the .so files are embedded and dlopen'ed from inside the binary.
 *
 * Usage: `bun run build` (shims + executable), `bun run build:shims` (shims only).
 * Exits non-zero on the first failure, printing the compiler's output.
 */
import { existsSync, mkdirSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "..");
const CSRC = join(ROOT, "csrc");
const BUILD = join(ROOT, "build");
const ENTRY = join(ROOT, "bin", "parallax.ts");
const OUTFILE = join(ROOT, "dist", "parallax");
const CFLAGS = ["-O2", "-fPIC", "-shared", "-Wall", "-Werror"];
const STATIC_LIBURING = "/usr/lib/x86_64-linux-gnu/liburing.a";

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

function buildExecutable(): void {
  if (!existsSync(ENTRY)) {
    console.log(`skipping the executable: ${ENTRY} does not exist yet`);
    return;
  }
  mkdirSync(join(ROOT, "dist"), { recursive: true });
  // --bytecode: pre-compiled JavaScriptCore bytecode halves start-up (no parsing at launch).
  // --splitting: every dynamic import() becomes a chunk of its own, read only when imported;
  // the command imports each command's code and each element's module that way, so a launch
  // loads only what its pipeline uses (bin/parallax.ts, elements/manifest.ts).
  run([process.execPath, "build", "--compile", "--bytecode", "--splitting", "--format=esm", ENTRY, "--outfile", OUTFILE]);
}

buildShims();
if (!process.argv.includes("--shims-only")) buildExecutable();

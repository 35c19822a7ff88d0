/**
 * What a `parallax launch` loads (issue 7, start-up): a plain launch must not read the modules
 * of options it was not given. Each case runs in a fresh `bun` process (the test runner shares
 * its module registry across files) and lists the modules loaded after the run.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const LAUNCH = new URL("./launch.ts", import.meta.url).pathname;

/** Runs `runLaunch(parseLaunchArgs(args))` in a fresh process; its exit code and the modules it loaded. */
function loadedBy(args: string[]): { code: number; modules: string[] } {
  const script = `
    const { parseLaunchArgs, runLaunch } = await import(${JSON.stringify(LAUNCH)});
    const code = await runLaunch(parseLaunchArgs(${JSON.stringify(args)}));
    process.stdout.write(JSON.stringify({ code, modules: Object.keys(require.cache) }));
    process.exit(0);`;
  const r = Bun.spawnSync([process.execPath, "-e", script], { stdout: "pipe", stderr: "pipe", timeout: 20_000 });
  if (r.exitCode !== 0) throw new Error(`the launch process exited with ${r.exitCode ?? r.signalCode}: ${r.stderr.toString()}`);
  return JSON.parse(r.stdout.toString());
}

const OPTION_MODULES = ["src/scheduling/config.ts", "src/isolation/options.ts"];
const loadedOf = (modules: string[]) => OPTION_MODULES.filter((m) => modules.some((p) => p.endsWith(m)));

describe("parallax launch start-up", () => {
  test("a plain launch loads neither the scheduling nor the isolation option modules", () => {
    const r = loadedBy(["-q", "fakesrc num-buffers=1 ! fakesink"]);
    expect(r.code).toBe(0);
    // The listing does see the launch's own modules (so an empty result below means something).
    expect(r.modules.some((p) => p.endsWith("src/graph/pipeline.ts"))).toBe(true);
    expect(loadedOf(r.modules)).toEqual([]);
  }, 30_000);

  test("--scheduling and --isolate load their option parsers", () => {
    const r = loadedBy(["-q", "--dry-run", "--scheduling=async", "--isolate=fakesink", "fakesrc num-buffers=1 ! fakesink"]);
    expect(r.code).toBe(0);
    expect(loadedOf(r.modules)).toContain("src/scheduling/config.ts");
    expect(loadedOf(r.modules)).toContain("src/isolation/options.ts");
  }, 30_000);

  describe("file elements", () => {
    const dir = mkdtempSync(join(tmpdir(), "px-launch-"));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const input = join(dir, "in.bin");
    const bytes = new Uint8Array(256 * 1024).map((_, i) => (i * 7) & 0xff);
    writeFileSync(input, bytes);
    const ENGINE_MODULES = ["elements/io/uring-io.ts", "ffi/uring.ts", "ffi/fdpass.ts", "ffi/memfd.ts"];
    const engineOf = (modules: string[]) => ENGINE_MODULES.filter((m) => modules.some((p) => p.endsWith(m)));

    test("a copy of a regular file (mapped reads, kernel copy) loads no io_uring, fdpass or memfd code", () => {
      const out = join(dir, "mapped.bin");
      const r = loadedBy(["-q", `filesrc location=${input} ! filesink location=${out}`]);
      expect(r.code).toBe(0);
      expect(r.modules.some((p) => p.endsWith("elements/io/filesink.ts"))).toBe(true);
      expect(engineOf(r.modules)).toEqual([]);
      expect(readFileSync(out)).toEqual(Buffer.from(bytes));
    }, 30_000);

    test("reads from memory (use-mmap=false) load the engine on first use", () => {
      const out = join(dir, "read.bin");
      const r = loadedBy(["-q", `filesrc location=${input} use-mmap=false ! filesink location=${out}`]);
      expect(r.code).toBe(0);
      expect(engineOf(r.modules)).toContain("elements/io/uring-io.ts");
      expect(readFileSync(out)).toEqual(Buffer.from(bytes));
    }, 30_000);
  });
});

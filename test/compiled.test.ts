/**
 * The compiled executable (scripts/build.ts), built once into a temporary directory and run as
 * users run it: through the launcher. Checks what only the compiled form has: the launcher
 * starting the runtime beside it with its JavaScriptCore option, the shims embedded in the
 * executable, element modules in chunks of their own that load on first use (also inside a
 * sandboxed element host), and the Worker entry of hybrid scheduling.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "..");

describe("the compiled executable", () => {
  const dir = mkdtempSync(join(tmpdir(), "px-compiled-"));
  const exe = join(dir, "parallax");
  const input = join(dir, "in.bin");
  const bytes = new Uint8Array(3 * 1024 * 1024 + 123).map((_, i) => (i * 31 + (i >> 12)) & 0xff);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  beforeAll(() => {
    writeFileSync(input, bytes);
    const b = Bun.spawnSync([process.execPath, join(ROOT, "scripts", "build.ts"), "--executable-only", "--outfile", exe], { cwd: ROOT, stdout: "pipe", stderr: "pipe", timeout: 240_000 });
    if (b.exitCode !== 0) throw new Error(`the build failed (${b.exitCode ?? b.signalCode}):\n${b.stdout.toString().slice(-2000)}\n${b.stderr.toString().slice(-2000)}`);
  }, 240_000);

  function launch(...args: string[]) {
    const r = Bun.spawnSync([exe, "launch", ...args], { stdout: "pipe", stderr: "pipe", timeout: 30_000 });
    return { code: r.exitCode, out: r.stdout.toString(), err: r.stderr.toString() };
  }

  test("the launcher runs the executable beside it, in its own process, with the JavaScriptCore option", async () => {
    const p = Bun.spawn([exe, "launch", "fakesrc is-live=true datarate=100000 sizetype=fixed sizemax=100 ! fakesink"], { stdout: "pipe", stderr: "pipe" });
    const reader = p.stdout.getReader();
    let out = "";
    try {
      // Playing: the launcher has become the runtime (execve), which is running the pipeline.
      while (!out.includes("PLAYING")) {
        const { value, done } = await reader.read();
        if (done) break;
        out += new TextDecoder().decode(value);
      }
      expect(readlinkSync(`/proc/${p.pid}/exe`)).toBe(`${exe}-runtime`);
      expect(readFileSync(`/proc/${p.pid}/environ`, "utf8").split("\0")).toContain("BUN_JSC_useWarmUpMarkedBlocks=0");
    } finally {
      p.kill("SIGINT"); // EOS, as Ctrl-C
      expect(await p.exited).toBe(0);
    }
  }, 30_000);

  test("--version and a launch", () => {
    const v = Bun.spawnSync([exe, "--version"], { stdout: "pipe", timeout: 30_000 });
    expect(v.stdout.toString()).toBe("parallax 0.1.0\n");
    const r = launch("fakesrc num-buffers=1000 sizetype=fixed sizemax=4096 ! identity ! fakesink");
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toContain("Got EOS");
  }, 30_000);

  test("file copies: mapped and copied by the kernel, and read into memory (the io_uring engine's chunk)", () => {
    for (const [name, extra] of [["mapped.bin", ""], ["read.bin", " use-mmap=false"]] as const) {
      const out = join(dir, name);
      const r = launch("-q", `filesrc location=${input}${extra} ! filesink location=${out}`);
      expect(r.err).toBe("");
      expect(r.code).toBe(0);
      expect(readFileSync(out)).toEqual(Buffer.from(bytes));
    }
  }, 30_000);

  test("an isolated filesink writes from memory: its engine was loaded before the sandbox closed", () => {
    const out = join(dir, "isolated.bin");
    const r = launch("-q", "--isolate=filesink*", `filesrc location=${input} ! filesink location=${out}`);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(readFileSync(out)).toEqual(Buffer.from(bytes));
  }, 60_000);

  test("hybrid scheduling starts its Workers from inside the executable", () => {
    const r = launch("-q", "--scheduling=hybrid", "fakesrc num-buffers=2000 sizetype=fixed sizemax=1024 ! identity ! fakesink");
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
  }, 30_000);
});

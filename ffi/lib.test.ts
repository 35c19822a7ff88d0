import { afterAll, describe, expect, test } from "bun:test";
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FFIType as T } from "bun:ffi";
import { lazyShim, loadBeforeSandbox, openDeclaredShims, ShimLoadError, shimPath } from "./lib.ts";

describe("shim loader", () => {
  const dir = mkdtempSync(join(tmpdir(), "px-lib-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("every shim resolves to a built file", () => {
    for (const name of ["memfd", "fdpass", "uring", "videoconvert"] as const) expect(shimPath(name)).toEndWith(`build/lib${name}.so`);
  });

  test("a missing .so fails on open with the command that builds it", () => {
    // A copy of the loader with no build/ beside it, as in a checkout where shims were never built.
    cpSync(join(import.meta.dir, "lib.ts"), join(dir, "ffi", "lib.ts"), { recursive: true });
    writeFileSync(join(dir, "main.ts"), `import { openShim, shimPath } from "./ffi/lib.ts";\nconsole.log("path", shimPath("memfd"));\nopenShim("memfd", {});\n`);
    const r = Bun.spawnSync([process.execPath, join(dir, "main.ts")], { cwd: dir, stdout: "pipe", stderr: "pipe", timeout: 10_000 });
    expect(r.stdout.toString()).toContain("path null");
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr.toString()).toContain("bun run build:shims");
    expect(r.stderr.toString()).toContain("ShimLoadError");
  }, 15_000);

  test("a lazy table opens nothing until a symbol is called", () => {
    // Same copy without build/: making the table succeeds; the first call says what to do.
    cpSync(join(import.meta.dir, "lib.ts"), join(dir, "ffi", "lib.ts"), { recursive: true });
    writeFileSync(
      join(dir, "lazy.ts"),
      `import { lazyShim } from "./ffi/lib.ts";\nconst raw = lazyShim("memfd", { px_close: { args: ["i32"], returns: "i32" } });\nconsole.log("made");\nraw.px_close(-1);\n`,
    );
    const r = Bun.spawnSync([process.execPath, join(dir, "lazy.ts")], { cwd: dir, stdout: "pipe", stderr: "pipe", timeout: 10_000 });
    expect(r.stdout.toString()).toContain("made");
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr.toString()).toContain("ShimLoadError");
    expect(r.stderr.toString()).toContain("bun run build:shims");
  }, 15_000);

  test("a lazy symbol calls the native function, then is that function in the table", () => {
    const raw = lazyShim("fdpass", {
      px_getpid: { args: [], returns: T.i32 },
      px_getppid: { args: [], returns: T.i32 },
    });
    const standIn = raw.px_getpid;
    expect(raw.px_getpid()).toBe(process.pid);
    // Replaced by the native function: later calls through the table go straight to C.
    expect(raw.px_getpid).not.toBe(standIn);
    expect(raw.px_getpid()).toBe(process.pid);
    // A stand-in kept from before keeps working; the whole table was opened at once.
    expect(standIn()).toBe(process.pid);
    expect(raw.px_getppid()).toBe(process.ppid);
  });

  test("a symbol the .so lacks fails on its first call with ShimLoadError", () => {
    const raw = lazyShim("fdpass", { px_no_such_symbol: { args: [], returns: T.i32 } });
    expect(() => raw.px_no_such_symbol()).toThrow(ShimLoadError);
    expect(() => raw.px_no_such_symbol()).toThrow("bun run build:shims");
  });

  test("openDeclaredShims opens every table made so far (before a seccomp filter), skipping failures", () => {
    const raw = lazyShim("sched", { px_sched_gettid: { args: [], returns: T.i32 } });
    const broken = lazyShim("sched", { px_no_such_symbol: { args: [], returns: T.i32 } });
    const standIn = raw.px_sched_gettid;
    expect(() => openDeclaredShims()).not.toThrow();
    expect(raw.px_sched_gettid).not.toBe(standIn);
    expect(raw.px_sched_gettid()).toBeGreaterThan(0);
    expect(() => broken.px_no_such_symbol()).toThrow(ShimLoadError);
  });

  test("openDeclaredShims runs the loaders given to loadBeforeSandbox, and opens the tables they make", () => {
    let loaded = 0;
    let table: { px_sched_gettid(): number } = { px_sched_gettid: () => 0 };
    let standIn = table.px_sched_gettid;
    loadBeforeSandbox(() => {
      loaded++;
      // As a module loaded on first use would: its table is declared while openDeclaredShims runs.
      table = lazyShim("sched", { px_sched_gettid: { args: [], returns: T.i32 } });
      standIn = table.px_sched_gettid;
    });
    loadBeforeSandbox(() => {
      throw new Error("left for the first use to report");
    });
    expect(loaded).toBe(0);
    expect(() => openDeclaredShims()).not.toThrow();
    expect(loaded).toBe(1);
    // Opened by the same call: the stand-in was replaced by the native function.
    expect(table.px_sched_gettid).not.toBe(standIn);
    expect(table.px_sched_gettid()).toBeGreaterThan(0);
    // A loader runs once, however often the shims are opened.
    openDeclaredShims();
    expect(loaded).toBe(1);
  });
});

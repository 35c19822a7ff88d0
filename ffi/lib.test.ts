import { afterAll, describe, expect, test } from "bun:test";
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { shimPath } from "./lib.ts";

describe("shim loader", () => {
  const dir = mkdtempSync(join(tmpdir(), "px-lib-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("every shim resolves to a built file", () => {
    for (const name of ["memfd", "fdpass", "uring"] as const) expect(shimPath(name)).toEndWith(`build/lib${name}.so`);
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
});

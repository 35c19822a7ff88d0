/**
 * The launcher (launcher.c), built here with gcc and run in front of a stand-in runtime: a
 * shell script that reports what it was started with. Checks that the launcher becomes the
 * runtime (same process), passes every argument and the exit status through, sets the
 * JavaScriptCore option unless the caller did, finds the runtime through a symbolic link, and
 * says what to do when the runtime is missing.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LAUNCHER_CFLAGS } from "../../scripts/build.ts";

const SOURCE = join(import.meta.dir, "launcher.c");
const OPTION = "BUN_JSC_useWarmUpMarkedBlocks";

describe("launcher", () => {
  const dir = mkdtempSync(join(tmpdir(), "px-launcher-"));
  const launcher = join(dir, "tool");
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  beforeAll(() => {
    const cc = Bun.spawnSync(["gcc", ...LAUNCHER_CFLAGS, "-o", launcher, SOURCE], { stderr: "pipe" });
    expect(cc.stderr.toString()).toBe("");
    expect(cc.exitCode).toBe(0);
    // The stand-in runtime: its pid, the option's value, a probe variable, then each argument.
    writeFileSync(
      `${launcher}-runtime`,
      `#!/bin/sh\necho "pid $$"\necho "option \${${OPTION}-unset}"\necho "probe \${PX_PROBE-unset}"\nfor a in "$@"; do echo "arg $a"; done\nexit 7\n`,
    );
    chmodSync(`${launcher}-runtime`, 0o755);
  });

  function run(exe: string, args: string[], env: Record<string, string | undefined> = {}) {
    const p = Bun.spawnSync([exe, ...args], { env: { ...process.env, [OPTION]: undefined, ...env }, stdout: "pipe", stderr: "pipe", timeout: 10_000 });
    return { p, lines: p.stdout.toString().trimEnd().split("\n"), err: p.stderr.toString() };
  }

  test("becomes the runtime, with every argument and the exit status", () => {
    const { p, lines, err } = run(launcher, ["launch", "-q", "fakesrc num-buffers=1 ! fakesink", "", "a'b\"c"]);
    expect(err).toBe("");
    expect(lines[0]).toBe(`pid ${p.pid}`);
    expect(lines.slice(3)).toEqual(["arg launch", "arg -q", "arg fakesrc num-buffers=1 ! fakesink", "arg ", "arg a'b\"c"]);
    expect(p.exitCode).toBe(7);
  });

  test("sets the JavaScriptCore option, keeping a value the caller gave and the rest of the environment", () => {
    const plain = run(launcher, [], { PX_PROBE: "a b=c" }).lines;
    expect(plain[1]).toBe("option 0");
    expect(plain[2]).toBe("probe a b=c");
    expect(run(launcher, [], { [OPTION]: "1" }).lines[1]).toBe("option 1");
    expect(run(launcher, [], { [OPTION]: "" }).lines[1]).toBe("option ");
  });

  test("finds the runtime beside the real file when run through a symbolic link", () => {
    mkdirSync(join(dir, "bin"));
    symlinkSync(launcher, join(dir, "bin", "parallax"));
    const { p, lines } = run(join(dir, "bin", "parallax"), ["--version"]);
    expect(lines[3]).toBe("arg --version");
    expect(p.exitCode).toBe(7);
  });

  test("a missing runtime is exit status 127 and a message that says how to rebuild", () => {
    rmSync(`${launcher}-runtime`);
    const { p, err } = run(launcher, ["--version"]);
    expect(p.exitCode).toBe(127);
    expect(err).toContain(`cannot start ${launcher}-runtime`);
    expect(err).toContain("bun run build");
  });
});

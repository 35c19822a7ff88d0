/**
 * The typed pipeline API as a whole: its compile-time checks (tsc must accept test/typecheck/ok
 * and reject test/typecheck/fail with exactly the announced errors), example 06, and an
 * end-to-end run that mixes typed stages with dynamic pipelines. The per-concept suites live
 * beside the sources in src/typed/.
 */
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join as joinPath, relative } from "node:path";
import { main as typedExample } from "../examples/06_typed_pipeline.ts";
import { fromGraph, fromIterable, MSECOND, merge, range, temporalJoin, zip } from "../src/index.ts";

const ROOT = joinPath(import.meta.dir, "..");
const TYPECHECK = joinPath(import.meta.dir, "typecheck");

type Diagnostic = { file: string; line: number; code: string };

/** `// expect-error TS2345` announces that error on the next line. */
function expectedDiagnostics(): Diagnostic[] {
  const out: Diagnostic[] = [];
  const dir = joinPath(TYPECHECK, "fail");
  for (const name of readdirSync(dir).filter((n) => n.endsWith(".ts"))) {
    const lines = readFileSync(joinPath(dir, name), "utf8").split("\n");
    lines.forEach((text, i) => {
      const m = /^\s*\/\/ expect-error (TS\d+)\s*$/.exec(text);
      if (m) out.push({ file: `test/typecheck/fail/${name}`, line: i + 2, code: m[1]! });
    });
  }
  return out;
}

function key(d: Diagnostic): string {
  return `${d.file}:${d.line} ${d.code}`;
}

describe("compile-time checks", () => {
  test(
    "tsc accepts test/typecheck/ok and rejects test/typecheck/fail with exactly the announced errors",
    async () => {
      // Incremental: a re-run only re-checks what changed (the diagnostics of the rest come
      // from the build info), so the suite pays the full check once per change.
      const buildInfo = joinPath(tmpdir(), "parallax-typecheck.tsbuildinfo");
      const args = ["--noEmit", "--pretty", "false", "--incremental", "--tsBuildInfoFile", buildInfo, "-p", joinPath(TYPECHECK, "tsconfig.json")];
      const tsc = Bun.spawn([joinPath(ROOT, "node_modules/.bin/tsc"), ...args], {
        cwd: ROOT,
        stdout: "pipe",
        stderr: "pipe",
      });
      const [stdout, stderr, code] = await Promise.all([new Response(tsc.stdout).text(), new Response(tsc.stderr).text(), tsc.exited]);
      const got: Diagnostic[] = [];
      for (const m of stdout.matchAll(/^(.+?)\((\d+),\d+\): error (TS\d+):/gm)) {
        got.push({ file: relative(ROOT, joinPath(ROOT, m[1]!)), line: Number(m[2]), code: m[3]! });
      }
      const expected = expectedDiagnostics();
      expect(stderr).toBe("");
      // The fail cases must make tsc fail…
      expect(code).not.toBe(0);
      expect(expected.length).toBeGreaterThanOrEqual(6);
      // …with exactly the announced errors, and nothing else anywhere: ok/ passes, and each
      // of its expect-error directives still matches an error.
      expect(got.map(key).sort()).toEqual(expected.map(key).sort());
    },
    60_000,
  );
});

describe("example and end to end", () => {
  test("example 06: typed frames through a launch fragment and back, zipped, cut by take()", async () => {
    const r = await typedExample();
    expect(r.frames).toHaveLength(5);
    expect(r.frames.map((f) => f.label)).toEqual(["frame 1", "frame 2", "frame 3", "frame 4", "frame 5"]);
    // Solid RGBA (20·i, 100, 200): BT.601 luma (77 R + 150 G + 29 B) >> 8, 4×4 GRAY8 frames.
    expect(r.frames.map((f) => f.luma)).toEqual([0, 1, 2, 3, 4].map((i) => (77 * 20 * i + 150 * 100 + 29 * 200) >> 8));
    expect(r.frames.every((f) => f.bytes === 16)).toBe(true);
    expect(r.frames.map((f) => f.pts)).toEqual([0, 1, 2, 3, 4].map((i) => i * Math.round((1000 * MSECOND) / 30)));
    expect(r.outputCaps).toContain("GRAY8");
    expect(r.outputCaps).toContain("width=(int)4");
    expect(r.pipelineState).toBe("suspended");
  });

  test("two dynamic sources, time-joined in typed code, then merged with a third through a fragment", async () => {
    // fakesrc with datarate stamps pts: 100-byte buffers at 1000 B/s are 100 ms apart, 50-byte
    // ones at 1000 B/s 50 ms apart. Their buffers come from the fakesrc's own pool, so each
    // pair is released as soon as it is read (holding them would stall the source).
    const slow = fromGraph("fakesrc num-buffers=6 sizetype=fixed sizemax=100 datarate=1000");
    const fast = fromGraph("fakesrc num-buffers=12 sizetype=fixed sizemax=50 datarate=1000");
    const pairs = temporalJoin(slow, fast, 10 * MSECOND).map(([a, b]) => {
      const r = `${a.pts / MSECOND}~${b.pts / MSECOND}`;
      a.release();
      b.release();
      return r;
    });
    const ticks = fromIterable(["t0", "t1"]);
    const out = await merge(pairs, ticks).collect();
    expect(out.filter((x) => x.startsWith("t"))).toEqual(["t0", "t1"]);
    expect(out.filter((x) => !x.startsWith("t"))).toEqual(["0~0", "100~100", "200~200", "300~300", "400~400", "500~500"]);

    const sizes = await zip(range(3), fromGraph("fakesrc num-buffers=3 sizetype=fixed sizemax=8 ! queue").through("identity")).collect();
    expect(sizes.map(([i, b]) => [i, b.size])).toEqual([
      [0, 8],
      [1, 8],
      [2, 8],
    ]);
  });
});

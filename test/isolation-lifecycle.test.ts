/**
 * Element hosts never outlive their pipeline: a crash of the application (SIGKILL, so it runs
 * no cleanup) ends them through the parent-death signals; Ctrl-C in `parallax launch --isolate`
 * drains to EOS and exits 0 with nothing left; `pipeline.stop()` ends a run at once.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fromLaunch } from "../src/index.ts";
import { PipelineError } from "../src/graph/pipeline.ts";
import { eventually } from "../ffi/testing.ts";

const BIN = join(import.meta.dir, "..", "bin", "parallax.ts");

/** Reads a child's stdout until `re` matches; returns every match found by then. */
async function waitFor(stream: ReadableStream<Uint8Array>, re: RegExp, count: number, timeoutMs: number): Promise<RegExpMatchArray[]> {
  const reader = stream.getReader();
  const dec = new TextDecoder();
  let text = "";
  const deadline = performance.now() + timeoutMs;
  try {
    for (;;) {
      const found = [...text.matchAll(new RegExp(re.source, "g"))];
      if (found.length >= count) return found;
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`no ${count}× ${re} within ${timeoutMs} ms; got:\n${text}`);
      const r = await Promise.race([reader.read(), Bun.sleep(left).then(() => null)]);
      if (r === null || r.done) continue;
      text += dec.decode(r.value);
    }
  } finally {
    reader.releaseLock();
  }
}

/** A process exists and is not a zombie. */
function alive(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, "utf8"));
  } catch {
    return false;
  }
}

describe("hosts never outlive the pipeline", () => {
  test(
    "SIGKILL of the application: every host it started dies too (parent-death signals)",
    async () => {
      const app = Bun.spawn([process.execPath, BIN, "launch", "-v", "--isolate", "fakesrc is-live=true datarate=1000000 sizetype=fixed sizemax=1000 ! identity ! fakesink"], { stdout: "pipe", stderr: "ignore" });
      try {
        const found = await waitFor(app.stdout, /runs in element host \S+ \(pid (\d+)/, 3, 20_000);
        const pids = found.map((m) => Number(m[1]));
        expect(pids.every(alive)).toBe(true);
        app.kill("SIGKILL");
        await app.exited;
        expect(await eventually(() => !pids.some(alive), 5000)).toBe(true);
      } finally {
        app.kill("SIGKILL");
      }
    },
    40_000,
  );

  test(
    "a host hung in a busy loop (it cannot notice anything) still dies with its application",
    async () => {
      const script = join(tmpdir(), `px-hang-${process.pid}.ts`);
      const fixture = join(import.meta.dir, "isolation.fixture.ts");
      writeFileSync(
        script,
        `import { fromLaunch } from ${JSON.stringify(join(import.meta.dir, "..", "src", "index.ts"))};
         import ${JSON.stringify(fixture)};
         const p = fromLaunch("fakesrc num-buffers=100 ! isohang after=3 ! fakesink");
         p.bus.on("element", (m) => { if (m.name === "isolation-report") console.log("host pid", m.data.processes.find((x) => x.group === "isohang0").pid); });
         await p.runIsolating(["isohang*"], { modules: [${JSON.stringify(fixture)}], heartbeat: { intervalMs: 1000, timeoutMs: 60000 } });`,
      );
      const app = Bun.spawn([process.execPath, script], { stdout: "pipe", stderr: "ignore" });
      try {
        const [m] = await waitFor(app.stdout, /host pid (\d+)/, 1, 20_000);
        const pid = Number(m![1]);
        await Bun.sleep(200); // let it reach the loop
        expect(alive(pid)).toBe(true);
        app.kill("SIGKILL");
        await app.exited;
        expect(await eventually(() => !alive(pid), 5000)).toBe(true);
      } finally {
        app.kill("SIGKILL");
        rmSync(script, { force: true });
      }
    },
    40_000,
  );

  test(
    "Ctrl-C in parallax launch --isolate sends EOS through every process and exits 0",
    async () => {
      const app = Bun.spawn([process.execPath, BIN, "launch", "-v", "--isolate=identity*", "fakesrc is-live=true datarate=1000000 sizetype=fixed sizemax=1000 ! identity ! fakesink"], { stdout: "pipe", stderr: "pipe" });
      try {
        const [m] = await waitFor(app.stdout, /runs in element host identity0 \(pid (\d+)/, 1, 20_000);
        const pid = Number(m![1]);
        app.kill("SIGINT");
        expect(await app.exited).toBe(0);
        expect(await eventually(() => !alive(pid), 3000)).toBe(true);
      } finally {
        app.kill("SIGKILL");
      }
    },
    40_000,
  );

  test(
    "pipeline.stop() during an isolated run ends it at once and closes the hosts",
    async () => {
      const p = fromLaunch("fakesrc is-live=true datarate=1000000 sizetype=fixed sizemax=1000 ! identity ! fakesink");
      let pid = 0;
      p.bus.on("element", (m) => {
        if (m.name === "isolation-report") {
          pid = (m.data as { processes: { group: string; pid: number | null }[] }).processes.find((x) => x.group === "identity0")!.pid!;
          setTimeout(() => p.stop(), 100);
        }
      });
      const err = await p.runIsolating(["identity*"]).catch((e) => e);
      expect(err).toBeInstanceOf(PipelineError);
      expect((err as Error).message).toBe("pipeline0 was stopped");
      expect(pid).toBeGreaterThan(0);
      expect(alive(pid)).toBe(false);
      expect(p.state).toBe("suspended");
    },
    30_000,
  );
});

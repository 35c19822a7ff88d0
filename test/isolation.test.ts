/**
 * Process isolation, end to end, with real processes, namespaces, seccomp and signals:
 * execution modes, byte-identical output, least authority (EPERM for what was not granted),
 * supervision (SIGKILL with and without a restart policy, a hung host, a host that breaks the
 * protocols), the CLI, and that nothing — process, fd, memfd — outlives a run.
 */
import { afterEach, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fromLaunch, type Message } from "../src/index.ts";
import type { Buffer } from "../src/buffer.ts";
import { BufferFlag } from "../src/buffer.ts";
import { PipelineError } from "../src/graph/pipeline.ts";
import type { IsolationReport, RestartRecord } from "../src/isolation/executor.ts";
import { fdTargets } from "../src/isolation/fds.ts";
import { descendants, eventually } from "../ffi/testing.ts";
import { FIXTURE } from "./isolation.fixture.ts";
import type { FakeSink } from "../elements/testing/fakesink.ts";
import type { AppSrc } from "../elements/app/appsrc.ts";
import type { AppSink } from "../elements/app/appsink.ts";

const dir = mkdtempSync(join(tmpdir(), "px-isolation-"));
const ROOT = join(import.meta.dir, "..");

function linkish(): string[] {
  return fdTargets().filter((t) => t.startsWith("socket:") || t.includes("memfd:") || t.includes("anon_inode:[eventfd]"));
}

/** What `now` holds beyond `then` (fd targets compared as multisets). */
function extra(then: string[], now: string[]): string[] {
  const t = new Map<string, number>();
  for (const x of then) t.set(x, (t.get(x) ?? 0) + 1);
  const out: string[] = [];
  for (const x of now) {
    const n = t.get(x) ?? 0;
    if (n > 0) t.set(x, n - 1);
    else out.push(x);
  }
  return out;
}

let before: { fds: string[]; procs: Set<number> } = { fds: [], procs: new Set() };
beforeAll(async () => {
  // Bun creates some fds of its own on first use (an epoll set, an eventfd for spawned
  // processes, another for spawnSync, which isoprobe uses): let it, before any test takes its
  // snapshot.
  await fromLaunch("fakesrc num-buffers=1 ! identity ! fakesink").runIsolating(["identity*"]);
  Bun.spawnSync(["/bin/true"]);
}, 20_000);

beforeEach(() => {
  before = { fds: linkish(), procs: new Set(descendants().keys()) };
});

afterEach(async () => {
  // Nothing a run made may outlive it: no process, no socket, memfd or eventfd. (Other suites
  // in the same process may hold their own: only what appeared during the test counts.)
  expect(await eventually(() => [...descendants().keys()].every((p) => before.procs.has(p)), 3000)).toBe(true);
  const ok = await eventually(() => extra(before.fds, linkish()).length === 0, 3000);
  expect(ok ? [] : extra(before.fds, linkish())).toEqual([]);
});

function collect(p: { bus: { on(t: "*", f: (m: Message) => void): () => void } }): Message[] {
  const out: Message[] = [];
  p.bus.on("*", (m) => out.push(m));
  return out;
}

describe("execution modes", () => {
  const input = join(dir, "input.bin");
  beforeAll(() => {
    const data = new Uint8Array(1024 * 1024 + 777);
    crypto.getRandomValues(data.subarray(0, 65536));
    for (let o = 65536; o < data.length; o += 65536) data.copyWithin(o, 0, Math.min(65536, data.length - o));
    for (let i = 0; i < data.length; i += 4099) data[i] = i & 0xff;
    writeFileSync(input, data);
  });

  test(
    "filesrc ! identity ! filesink: in-process, grouped and isolated outputs are byte-identical",
    async () => {
      const out = (m: string) => join(dir, `out-${m}.bin`);
      const desc = (m: string) => `filesrc location=${input} blocksize=4096 ! identity ! filesink location=${out(m)}`;
      await fromLaunch(desc("in-process")).run();
      const grouped = fromLaunch(desc("grouped"));
      const g = await grouped.runIsolating(["identity*"]);
      expect(g.processes.map((p) => [p.group, p.elements])).toEqual([
        ["app", ["filesrc0", "filesink0"]],
        ["identity0", ["identity0"]],
      ]);
      const isolated = fromLaunch(desc("isolated"));
      const r = await isolated.runIsolated();
      expect(r.processes.map((p) => p.group).sort()).toEqual(["filesink0", "filesrc0", "identity0"]);
      expect(r.links.map((l) => l.id)).toEqual(["filesrc0.src->identity0.sink", "identity0.src->filesink0.sink"]);
      const want = readFileSync(input);
      expect(readFileSync(out("in-process")).equals(want)).toBe(true);
      expect(readFileSync(out("grouped")).equals(want)).toBe(true);
      expect(readFileSync(out("isolated")).equals(want)).toBe(true);
      // Every host really was sandboxed, as seen from outside (/proc/<pid>/status and ns links).
      for (const p of r.processes) {
        expect(p.pid).toBeGreaterThan(0);
        expect(p.sandbox?.seccomp).toBe("filter");
        expect(p.sandbox?.seccompFilters).toBeGreaterThanOrEqual(1);
        expect(p.sandbox?.noNewPrivs).toBe(true);
        expect(p.sandbox?.namespaces.length).toBe(r.namespaces.applied.length);
      }
      expect(isolated.state).toBe("suspended");
    },
    60_000,
  );

  test(
    "run({ isolation: 'in-process' }) is the ordinary run; grouped mode with no match is refused, not run in-process",
    async () => {
      const p = fromLaunch("fakesrc num-buffers=10 ! fakesink");
      await p.run({ isolation: "in-process" });
      const q = fromLaunch("fakesrc num-buffers=10 ! fakesink");
      await expect(q.runIsolating(["*dec*"])).rejects.toThrow(/nothing to isolate: no element matches \*dec\*/);
    },
    10_000,
  );

  test(
    "isolated mode keeps appsrc/appsink with the application, says so, and carries heap buffers by copy",
    async () => {
      const p = fromLaunch("appsrc name=in ! identity ! appsink name=out max-buffers=1000");
      const src = p.getElement("in") as AppSrc;
      const sink = p.getElement("out") as AppSink;
      for (let i = 0; i < 50; i++) {
        const b = (await import("../src/buffer.ts")).Buffer.fromString(`message ${i}`);
        b.sequence = i;
        src.push(b);
      }
      src.endOfStream();
      const r = await p.runIsolated();
      expect(r.pinned.map((x) => x.element).sort()).toEqual(["in", "out"]);
      expect(r.processes.find((x) => x.group === "identity0")?.elements).toEqual(["identity0"]);
      const got: string[] = [];
      for (let b = sink.tryPull(); b !== null; b = sink.tryPull()) {
        got.push(b.text());
        b.release(); // the last release unmaps what came over the link
      }
      expect(got).toEqual(Array.from({ length: 50 }, (_, i) => `message ${i}`));
    },
    30_000,
  );
});

describe("least authority", () => {
  test(
    "inside an isolated element, open() of an ungranted path and socket() fail with EPERM; in-process they work",
    async () => {
      const file = join(dir, "granted.txt");
      writeFileSync(file, "only this file was granted\n");
      const desc = `filesrc location=${file} ! isoprobe location=/etc/hostname`;
      // In the application's process the probe can do all of it: the test can fail.
      const here = fromLaunch(desc);
      const hereMsgs = collect(here);
      await here.run();
      const free = hereMsgs.find((m) => m.type === "element" && m.name === "probe") as { data: Record<string, string> } | undefined;
      expect(free?.data).toEqual({ openFile: "ok", rawOpen: "ok", rawSocketInet: "ok", rawSocketUnix: "ok", spawn: "ok" });

      const p = fromLaunch(desc);
      const msgs = collect(p);
      const r = await p.runIsolated({ modules: [FIXTURE] });
      const probe = msgs.find((m) => m.type === "element" && m.name === "probe") as { source: string; data: Record<string, string> } | undefined;
      expect(probe?.source).toBe("isoprobe0");
      expect(probe?.data).toEqual({ openFile: "EPERM", rawOpen: "EPERM", rawSocketInet: "EPERM", rawSocketUnix: "EPERM", spawn: "EPERM" });
      // …while the isolated filesrc read its own file through the fd it was granted.
      expect(r.processes.find((x) => x.group === "filesrc0")?.sandbox?.seccomp).toBe("filter");
      expect(msgs.some((m) => m.type === "error")).toBe(false);
    },
    30_000,
  );

  test(
    "an element that opens an ungranted file fails with a permission error that names it, not a crash",
    async () => {
      const p = fromLaunch("fakesrc num-buffers=1 ! isoprobe location=/etc/hostname open-in-prepare=true");
      const msgs = collect(p);
      const err = await p.runIsolating(["isoprobe*"], { modules: [FIXTURE] }).catch((e) => e);
      expect(err).toBeInstanceOf(PipelineError);
      expect((err as PipelineError).source).toBe("isoprobe0");
      expect((err as Error).message).toMatch(/permission denied: "\/etc\/hostname" was not granted/);
      const e = msgs.find((m) => m.type === "error") as { source: string; domain: string } | undefined;
      expect(e).toMatchObject({ source: "isoprobe0", domain: "resource" });
    },
    20_000,
  );
});

describe("supervision", () => {
  const N = 6_000;
  const KILL_AT = 1_500;

  async function killMidStream(restart: number): Promise<{ report: IsolationReport | null; error: unknown; seen: number[]; msgs: Message[]; discont: number[] }> {
    // identity, queue and a slow element share one host: when it is killed, what the queue
    // holds is lost; what waits in its input ring is not (it goes to the new host).
    const p = fromLaunch(`fakesrc num-buffers=${N} sizetype=fixed sizemax=256 ! identity ! queue max-size-buffers=100 ! isoslow micros=100 ! fakesink name=sink signal-handoffs=true`);
    const msgs = collect(p);
    const seen: number[] = [];
    const discont: number[] = [];
    let killed = false;
    let hostPid = 0;
    p.bus.on("element", (m) => {
      if (m.name === "isolation-report") hostPid = (m.data as IsolationReport).processes.find((x) => x.group === "identity0+queue0+isoslow0")!.pid!;
    });
    (p.getElement("sink") as FakeSink).onHandoff = (b: Buffer) => {
      seen.push(b.sequence);
      if (b.hasFlag(BufferFlag.DISCONT)) discont.push(b.sequence);
      if (!killed && seen.length === KILL_AT) {
        killed = true;
        process.kill(hostPid, "SIGKILL");
      }
    };
    let report: IsolationReport | null = null;
    let error: unknown = null;
    try {
      report = await p.runIsolating(["identity*", "queue*", "isoslow*"], { modules: [FIXTURE], restart: { maxRestarts: restart, backoffMs: 10 } });
    } catch (e) {
      error = e;
    }
    expect(killed).toBe(true);
    return { report, error, seen, msgs, discont };
  }

  test(
    "SIGKILL mid-stream with a restart policy: the pipeline reaches EOS and the bus says exactly what was lost",
    async () => {
      const { report, error, seen, msgs, discont } = await killMidStream(2);
      expect(error).toBeNull();
      expect(msgs.some((m) => m.type === "eos")).toBe(true);
      const restart = msgs.find((m) => m.type === "element" && m.name === "isolation-restart") as { data: RestartRecord } | undefined;
      expect(restart).toBeDefined();
      const r = restart!.data;
      expect(r.reason).toBe("killed by SIGKILL");
      expect(r.restart).toBe(1);
      expect(report!.restarts).toEqual([r]);
      // Exact accounting: every sequence number arrived once, or is reported lost — never both.
      const lost = r.lost.flatMap((x) => x.sequences);
      expect(lost.length).toBe(r.lostCount);
      const got = new Set(seen);
      expect(got.size).toBe(seen.length);
      for (const s of lost) expect(got.has(s)).toBe(false);
      expect(seen.length + lost.length).toBe(N);
      const warning = msgs.find((m) => m.type === "warning" && m.message.includes("died")) as { message: string; source: string } | undefined;
      expect(warning?.source).toBe("identity0");
      expect(warning?.message).toContain("killed by SIGKILL");
      // The queue held buffers when the host died: those are gone, and said to be. (How many
      // depends on timing; the exact accounting above is what must hold.)
      expect(lost.length).toBeGreaterThan(0);
      expect(warning?.message).toContain(`Lost ${lost.length} buffers: sequences `);
      // The stream after the restart is marked discontinuous.
      expect(discont.length).toBeGreaterThanOrEqual(1);
    },
    40_000,
  );

  test(
    "SIGKILL mid-stream without a restart policy fails the run with an error naming the element",
    async () => {
      const { error, msgs } = await killMidStream(0);
      expect(error).toBeInstanceOf(PipelineError);
      expect((error as PipelineError).source).toBe("identity0");
      expect((error as Error).message).toMatch(/identity0, queue0, isoslow0: its isolated process \(element host identity0\+queue0\+isoslow0, pid \d+\) died: killed by SIGKILL; there is no restart policy/);
      expect(msgs.filter((m) => m.type === "error").length).toBe(1);
    },
    40_000,
  );

  test(
    "a hung host (no heartbeats) is killed and reported",
    async () => {
      const p = fromLaunch("fakesrc num-buffers=1000 ! isohang after=5 ! fakesink");
      const err = await p.runIsolating(["isohang*"], { modules: [FIXTURE], heartbeat: { intervalMs: 50, timeoutMs: 500 } }).catch((e) => e);
      expect(err).toBeInstanceOf(PipelineError);
      expect((err as PipelineError).source).toBe("isohang0");
      expect((err as Error).message).toMatch(/died: hung: no heartbeat for \d+ ms \(the limit is 500 ms\)/);
    },
    30_000,
  );

  test(
    "a host that sends a descriptor for a slot outside its pool is cut off; the others close normally",
    async () => {
      const p = fromLaunch("fakesrc num-buffers=2000 sizetype=fixed sizemax=128 ! isorogue after=20 mode=bad-slot ! identity ! fakesink");
      const msgs = collect(p);
      let report: IsolationReport | null = null;
      p.bus.on("element", (m) => {
        if (m.name === "isolation-report") report = m.data as IsolationReport;
      });
      // The rogue's output goes to another host, which notices and survives.
      const err = await p.runIsolating([], { modules: [FIXTURE], groups: { rogue: ["isorogue0"], innocent: ["identity0"] } }).catch((e) => e);
      expect(err).toBeInstanceOf(PipelineError);
      expect((err as PipelineError).source).toBe("isorogue0");
      expect((err as Error).message).toMatch(/cut off: it broke the link protocol on isorogue0\.src->identity0\.sink \(a descriptor names slot 999999 of pool 1, which has \d+ slots\)/);
      // Only the rogue failed: no other element posted an error, the other host closed normally.
      expect(msgs.filter((m) => m.type === "error").map((m) => m.source)).toEqual(["isorogue0"]);
      const procs = (report as IsolationReport | null)?.processes ?? [];
      expect(procs.find((x) => x.group === "innocent")?.exit).toBe("closed on request");
      expect(procs.find((x) => x.group === "rogue")?.exit).toMatch(/^cut off: it broke the link protocol/);
    },
    30_000,
  );

  test(
    "a host that sends an oversize or malformed control message is cut off",
    async () => {
      for (const [mode, why] of [
        ["oversize", /an oversize control message \(10485760 bytes announced/],
        ["garbage", /a control message is not JSON/],
      ] as const) {
        const p = fromLaunch(`fakesrc num-buffers=2000 ! isorogue after=5 mode=${mode} ! fakesink`);
        const err = await p.runIsolating(["isorogue*"], { modules: [FIXTURE] }).catch((e) => e);
        expect(err).toBeInstanceOf(PipelineError);
        expect((err as PipelineError).source).toBe("isorogue0");
        expect((err as Error).message).toMatch(/cut off: it broke the control protocol/);
        expect((err as Error).message).toMatch(why);
      }
    },
    40_000,
  );
});

describe("parallax launch --isolate", () => {
  test(
    "--isolate=PATTERNS runs and reports the sandbox; a pattern that matches nothing is a usage error",
    () => {
      const bin = join(ROOT, "bin", "parallax.ts");
      const ok = Bun.spawnSync([process.execPath, bin, "launch", "-v", "--isolate=identity*", "fakesrc num-buffers=100 ! identity ! fakesink"], { stdout: "pipe", stderr: "pipe", timeout: 20_000 });
      expect(ok.exitCode).toBe(0);
      const out = ok.stdout.toString();
      expect(out).toContain("element host identity0: identity0");
      expect(out).toMatch(/INFO: identity0 runs in element host identity0 \(pid \d+, started in [\d.]+ ms\): namespaces [a-z,]+; no_new_privs on; seccomp filter/);
      expect(out).toContain('Got EOS from element "pipeline0"');
      const bad = Bun.spawnSync([process.execPath, bin, "launch", "--isolate=*dec*", "fakesrc num-buffers=1 ! fakesink"], { stdout: "pipe", stderr: "pipe", timeout: 20_000 });
      expect(bad.exitCode).toBe(2);
      expect(bad.stderr.toString()).toContain("nothing to isolate: no element matches *dec*");
    },
    30_000,
  );
});

process.on("exit", () => rmSync(dir, { recursive: true, force: true }));

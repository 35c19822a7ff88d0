/**
 * Warm element hosts (src/isolation/warm.ts) with real processes and real system calls: a run
 * takes a host started before it, that host is sandboxed exactly as a fresh one (an ungranted
 * open() and socket() fail with EPERM inside it, while the granted file is read through its fd),
 * and warm hosts nobody takes are closed — nothing outlives the test.
 */
import { afterEach, beforeAll, beforeEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fromLaunch, type Message } from "../src/index.ts";
import { discardWarmHosts, prewarmHosts, warmHostCount } from "../src/isolation/warm.ts";
import { descendants, eventually } from "../ffi/testing.ts";
import { FIXTURE } from "./isolation.fixture.ts";
import type { FakeSink } from "../elements/testing/fakesink.ts";

const dir = mkdtempSync(join(tmpdir(), "px-isolation-warm-"));

/** Pids of warm hosts that have started (the host itself, not its namespace wrapper). */
function warmHostPids(): number[] {
  return [...descendants()].filter(([, cmd]) => cmd.includes("--role element-host --group warm") && !cmd.includes("unshare") && !cmd.includes("setpriv")).map(([pid]) => pid);
}

let before = new Set<number>();
beforeAll(async () => {
  // Bun's own first-use fds and helpers (see isolation.test.ts).
  await fromLaunch("fakesrc num-buffers=1 ! identity ! fakesink").runIsolating(["identity*"]);
}, 20_000);
beforeEach(() => {
  before = new Set(descendants().keys());
});
afterEach(async () => {
  await discardWarmHosts();
  expect(await eventually(() => [...descendants().keys()].every((p) => before.has(p)), 3000)).toBe(true);
});

test(
  "a run takes a warm host: the element runs in the process started before the run",
  async () => {
    expect(prewarmHosts(1)).toBe(1);
    expect(await eventually(() => warmHostPids().length === 1, 10_000)).toBe(true);
    const [warmPid] = warmHostPids();
    const p = fromLaunch("fakesrc num-buffers=500 sizetype=fixed sizemax=4096 ! identity ! fakesink name=sink");
    const r = await p.runIsolating(["identity*"]);
    const host = r.processes.find((x) => x.group === "identity0")!;
    expect(host.pid).toBe(warmPid);
    expect(host.sandbox?.seccomp).toBe("filter");
    expect(warmHostCount()).toBe(0);
    // Every buffer crossed it: the sink, here, rendered them all.
    expect((p.getElement("sink") as FakeSink).rendered).toBe(500);
  },
  30_000,
);

test(
  "a warm host is sandboxed as a fresh one: ungranted open() and socket() fail with EPERM, the granted file is read",
  async () => {
    const file = join(dir, "granted.txt");
    writeFileSync(file, "only this file was granted\n");
    prewarmHosts(2);
    expect(await eventually(() => warmHostPids().length === 2, 10_000)).toBe(true);
    const warm = new Set(warmHostPids());
    const p = fromLaunch(`filesrc location=${file} ! isoprobe location=/etc/hostname`);
    const msgs: Message[] = [];
    p.bus.on("*", (m) => msgs.push(m));
    const r = await p.runIsolated({ modules: [FIXTURE] });
    // Both elements ran in the warm hosts…
    expect(new Set(r.processes.map((x) => x.pid))).toEqual(warm);
    // …and the kernel refused what was not granted, inside them.
    const probe = msgs.find((m) => m.type === "element" && m.name === "probe") as { data: Record<string, string> } | undefined;
    expect(probe?.data).toEqual({ openFile: "EPERM", rawOpen: "EPERM", rawSocketInet: "EPERM", rawSocketUnix: "EPERM", spawn: "EPERM" });
    for (const x of r.processes) {
      expect(x.sandbox?.seccomp).toBe("filter");
      expect(x.sandbox?.noNewPrivs).toBe(true);
      expect(x.sandbox?.namespaces).toEqual(r.namespaces.applied);
    }
    expect(msgs.some((m) => m.type === "error")).toBe(false);
  },
  30_000,
);

test(
  "warm hosts a run does not need are closed when it starts",
  async () => {
    prewarmHosts(3);
    expect(await eventually(() => warmHostPids().length === 3, 10_000)).toBe(true);
    await fromLaunch("fakesrc num-buffers=10 ! identity ! fakesink").runIsolating(["identity*"]);
    expect(warmHostCount()).toBe(0);
    expect(await eventually(() => warmHostPids().length === 0, 3000)).toBe(true);
  },
  30_000,
);

test("rmdir", () => rmSync(dir, { recursive: true, force: true }));

test("launch --isolate pre-warms a host and closes it when the description is wrong", async () => {
  const { parseLaunchArgs, runLaunch } = await import("../src/cli/launch.ts");
  const sink = { write: () => true } as never;
  const code = await runLaunch(parseLaunchArgs(["--isolate", "fakesrc ! nosuch ! fakesink"]), sink, sink);
  expect(code).toBe(2);
  expect(warmHostCount()).toBe(0);
}, 20_000);

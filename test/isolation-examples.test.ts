/** Examples 11–13 (execution modes) run as part of the suite, and their results are checked. */
import { expect, test } from "bun:test";
import { main as inProcess } from "../examples/11_isolate_in_process.ts";
import { main as byPattern } from "../examples/12_isolate_by_pattern.ts";
import { main as isolateAll } from "../examples/13_isolate_all.ts";

test("11 in-process: no other process, the pipeline's own objects did the work", async () => {
  const r = await inProcess(20_000);
  expect(r.buffers).toBe(20_000);
  expect(r.childrenDuringRun).toBe(0);
  expect(r.sameObjects).toBe(true);
});

test(
  "12 by pattern: only filesrc is isolated, sandboxed, and the copy is byte-identical",
  async () => {
    const r = await byPattern();
    expect(r.groups).toEqual({ app: ["identity0", "filesink0"], filesrc0: ["filesrc0"] });
    expect(r.links).toEqual(["filesrc0.src->identity0.sink"]);
    expect(r.identical).toBe(true);
    expect(r.sandbox.seccomp).toBe("filter");
    expect(r.sandbox.noNewPrivs).toBe(true);
    expect(r.sandbox.namespaces).toContain("net");
  },
  30_000,
);

test(
  "13 isolate all: every element but the appsink in its own sandbox; a killed host is replaced",
  async () => {
    const r = await isolateAll(4_000);
    expect(r.pinned).toEqual(["out"]);
    expect(r.processes.map((x) => x.group).sort()).toEqual(["app", "fakesrc0", "identity0"]);
    for (const x of r.processes.filter((x) => x.group !== "app")) expect(x.seccomp).toBe("filter");
    expect(r.patternOk).toBe(true);
    expect(r.restart?.reason).toBe("killed by SIGKILL");
    // identity keeps nothing back: what it had taken and not passed on is all that can be lost.
    expect(r.received + (r.restart?.lostCount ?? 0)).toBe(4_000);
    expect(r.warning).toContain("died: killed by SIGKILL. Restarted it");
  },
  40_000,
);

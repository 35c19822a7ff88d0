/**
 * 12 — Execution modes, part 2: grouped. Only the elements whose factory or instance name
 * matches a pattern run in sandboxed element-host processes; the rest stay here. The pipeline
 * is unchanged: the executor cuts it at the pattern's edges and inserts the shared-memory links.
 *
 * Here `filesrc*` is isolated: the element that touches the file system. Its host runs in new
 * user, pid, network, IPC and mount namespaces under a seccomp filter that refuses open() — it
 * reads its file through an fd the supervisor opened for it (its only authority) — and the
 * copy it makes is byte-identical to an in-process run's.
 *
 *   bun examples/12_isolate_by_pattern.ts
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { launch } from "../src/index.ts";
import type { IsolationReport } from "../src/isolation/index.ts";

export type PatternResult = {
  /** Which process each element ran in ("app" is this one). */
  groups: Record<string, string[]>;
  links: string[];
  identical: boolean;
  sandbox: NonNullable<IsolationReport["processes"][number]["sandbox"]>;
  hostStartMs: number;
};

export async function main(): Promise<PatternResult> {
  const dir = mkdtempSync(join(tmpdir(), "px-example-12-"));
  try {
    const input = join(dir, "input.bin");
    const data = new Uint8Array(3 * 1024 * 1024 + 99);
    for (let o = 0; o < data.length; o += 65536) crypto.getRandomValues(data.subarray(o, Math.min(o + 65536, data.length)));
    writeFileSync(input, data);
    const desc = (out: string) => `filesrc location=${input} blocksize=65536 ! identity ! filesink location=${join(dir, out)}`;

    await launch(desc("in-process.bin")).run();
    const p = launch(desc("isolated.bin"));
    p.bus.on("info", (m) => console.log(`info: ${m.message}`));
    const report = await p.runIsolating(["filesrc*"]);

    const identical = readFileSync(join(dir, "isolated.bin")).equals(readFileSync(join(dir, "in-process.bin"))) && readFileSync(join(dir, "isolated.bin")).equals(data);
    const host = report.processes.find((x) => x.group === "filesrc0")!;
    const groups = Object.fromEntries(report.processes.map((x) => [x.group, x.elements]));
    console.log(`groups: ${JSON.stringify(groups)}; output ${identical ? "identical" : "DIFFERENT"}`);
    return { groups, links: report.links.map((l) => l.id), identical, sandbox: host.sandbox!, hostStartMs: host.startMs! };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) await main();

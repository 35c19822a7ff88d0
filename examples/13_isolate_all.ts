/**
 * 13 — Execution modes, part 3: isolated. Every element gets its own sandboxed element-host
 * process — except those that must stay with the application, which the report names with
 * the reason (here the appsink the application pulls from). Buffers cross between the hosts by
 * reference through shared-memory descriptor rings: fakesrc's pooled memory is read, in place,
 * by identity's process and then by this one.
 *
 * With a restart policy the supervisor also replaces a host that dies: this example kills
 * identity's host halfway with SIGKILL and shows what the bus then says.
 *
 *   bun examples/13_isolate_all.ts
 */
import { type AppSink, launch, type Message } from "../src/index.ts";
import type { IsolationReport, RestartRecord } from "../src/isolation/index.ts";

export type IsolatedResult = {
  processes: { group: string; pid: number | null; seccomp: string | null; namespaces: string[] }[];
  pinned: string[];
  received: number;
  patternOk: boolean;
  restart: RestartRecord | null;
  warning: string | null;
};

export async function main(count = 20_000): Promise<IsolatedResult> {
  const p = launch(`fakesrc num-buffers=${count} sizetype=fixed sizemax=4096 filltype=pattern ! identity ! appsink name=out max-buffers=64`);
  const sink = p.getElement("out") as AppSink;
  let warning: string | null = null;
  let report: IsolationReport | null = null;
  p.bus.on("warning", (m) => (warning = m.message));
  p.bus.on("element", (m: Message & { type: "element" }) => {
    if (m.name === "isolation-report") report = m.data as IsolationReport;
  });

  const running = new Promise<void>((resolve) => p.bus.on("state-changed", (m) => m.current === "running" && resolve()));
  const run = p.runIsolated({ restart: { maxRestarts: 1, backoffMs: 20 } });
  // Hosts start asynchronously: pull once the pipeline runs (an appsink that has not started
  // yet answers a pull with "no more buffers").
  await Promise.race([running, run]);
  let received = 0;
  let patternOk = true;
  for await (const b of sink) {
    // fakesrc filled each buffer with 0, 1, 2, …: check it arrived intact, then let it go.
    if (b.data.length !== 4096 || b.data[0] !== 0 || b.data[255] !== 255 || b.data[4095] !== 4095 % 256) patternOk = false;
    b.release();
    if (++received === count / 2 && report !== null) {
      const id = (report as IsolationReport).processes.find((x) => x.group === "identity0")!;
      process.kill(id.pid!, "SIGKILL");
    }
  }
  const final = await run;
  for (const proc of final.processes) console.log(`${proc.group}: pid ${proc.pid ?? "(this process)"}, seccomp ${proc.sandbox?.seccomp ?? "-"}, namespaces ${proc.sandbox?.namespaces.join(",") ?? "-"}`);
  if (warning) console.log(`warning: ${warning}`);
  console.log(`received ${received} buffers; pattern ${patternOk ? "intact" : "BROKEN"}`);
  return {
    processes: final.processes.map((x) => ({ group: x.group, pid: x.pid, seccomp: x.sandbox?.seccomp ?? null, namespaces: x.sandbox?.namespaces ?? [] })),
    pinned: final.pinned.map((x) => x.element),
    received,
    patternOk,
    restart: final.restarts[0] ?? null,
    warning,
  };
}

if (import.meta.main) await main();

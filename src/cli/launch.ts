/**
 * `parallax launch`: the gst-launch-1.0 equivalent.
 *
 *   parallax launch [-v] [-q] [--dot FILE] [--json FILE] [--dry-run] [--scheduling=MODE [--rt=OPTS]] "<pipeline>"
 *
 * `--isolate` runs every element in its own sandboxed process; `--isolate='*dec*,filesrc*'` only
 * the elements whose factory or name matches a pattern (see src/isolation/).
 *
 * `--scheduling=async|hybrid|realtime` chooses where elements run (src/scheduling/): async
 * (default) keeps everything on the event loop; hybrid puts RT-safe elements in Worker
 * partitions; realtime requires every element to be in one. `--rt=quantum=256,workers=2,priority=auto`
 * sets the real-time options of those modes (src/scheduling/config.ts parseRtFlag: quantum,
 * rate, framerate, workers, capacity, priority, driver).
 *
 * Exit status: 0 at EOS; 1 when the pipeline failed while running; 2 when the description is
 * wrong (syntax, unknown element, bad property, negotiation). Ctrl-C sends EOS so sinks finish
 * cleanly; a second Ctrl-C stops at once.
 *
 * Start-up is part of the job (a one-buffer pipeline should end as fast as gst-launch's): only
 * the elements the description names are imported (elements/manifest.ts), and the graph dumps,
 * the isolation planner, the scheduling summary and the parsers of --scheduling, --rt and
 * --isolate only when an option asks for them (launch.test.ts checks the last two). Files
 * are written with Bun.write: loading node:fs (or node:util) first sets up Node's internal
 * modules, ≈4 ms of start-up, which a launch should not pay for `--dot`/`--json` it was not given.
 * Code on a launch's way also avoids regular expressions and array builtins with callbacks
 * (flatMap, filter, some, …): the first call of each in a process costs a compilation,
 * 0.1–0.5 ms apiece (issue 7, case s0 of BENCHMARKS.md).
 */
import "../../elements/manifest.ts";
import { formatTime } from "../debug/format.ts";
import { fromLaunch } from "../graph/from-launch.ts";
import type { Pipeline } from "../graph/pipeline.ts";
import { parseLaunch } from "../launch/index.ts";
import { registry } from "../registry.ts";
import { stderr, stdout, type TextSink } from "./output.ts";
import type { RtConfig, SchedulingMode } from "../scheduling/config.ts";
import type { IsolationOption } from "../isolation/options.ts";

// The option parsers of --scheduling/--rt and --isolate load with their option: a launch
// without them does not read those modules (two chunks, ≈ 8 KB, of the executable).
const schedulingConfig = () => require("../scheduling/config.ts") as typeof import("../scheduling/config.ts");
const isolationOptions = () => require("../isolation/options.ts") as typeof import("../isolation/options.ts");

/** What `parallax launch` runs when given no pipeline: a short, self-checking demo. */
export const DEFAULT_PIPELINE =
  "fakesrc num-buffers=100000 sizetype=fixed sizemax=4096 filltype=pattern ! tee name=t " +
  "t. ! queue ! identity ! fakesink  t. ! queue ! fakesink";

export type LaunchOptions = {
  verbose: boolean;
  quiet: boolean;
  dot?: string;
  json?: string;
  dryRun: boolean;
  /** Where elements run (default async). */
  scheduling?: SchedulingMode;
  /** Real-time options of the hybrid and realtime modes (`--rt=quantum=256,…`). */
  rt?: Partial<RtConfig>;
  /** Run isolated elements in sandboxed processes (`--isolate`, `--isolate=PATTERNS`). */
  isolation?: IsolationOption;
  description: string;
};

export function parseLaunchArgs(args: string[]): LaunchOptions {
  const o: LaunchOptions = { verbose: false, quiet: false, dryRun: false, description: "" };
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "-v" || a === "--verbose") o.verbose = true;
    else if (a === "-q" || a === "--quiet") o.quiet = true;
    else if (a === "--dry-run" || a === "-n") o.dryRun = true;
    else if (a === "--dot") o.dot = args[++i];
    else if (a.startsWith("--dot=")) o.dot = a.slice(6);
    else if (a === "--json") o.json = args[++i];
    else if (a.startsWith("--json=")) o.json = a.slice(7);
    else if (a === "--scheduling" || a.startsWith("--scheduling=")) {
      const v = a === "--scheduling" ? args[++i] : a.slice("--scheduling=".length);
      const { parseSchedulingMode, SchedulingConfigError } = schedulingConfig();
      try {
        o.scheduling = parseSchedulingMode(v ?? "");
      } catch (e) {
        throw new UsageError(e instanceof SchedulingConfigError ? e.message : String(e));
      }
    }
    else if (a === "--rt" || a.startsWith("--rt=")) {
      const { parseRtFlag, SchedulingConfigError } = schedulingConfig();
      try {
        o.rt = { ...o.rt, ...parseRtFlag((a === "--rt" ? args[++i] : a.slice("--rt=".length)) ?? "") };
      } catch (e) {
        throw new UsageError(e instanceof SchedulingConfigError ? e.message : String(e));
      }
    }
    else if (a === "--isolate" || a.startsWith("--isolate=")) {
      const { parseIsolateFlag, IsolationOptionsError } = isolationOptions();
      try {
        o.isolation = parseIsolateFlag(a === "--isolate" ? true : a.slice("--isolate=".length));
      } catch (e) {
        throw new UsageError(e instanceof IsolationOptionsError ? e.message : String(e));
      }
    }
    else if (a === "--") rest.push(...args.slice(i + 1)), (i = args.length);
    else if (a.startsWith("-") && a.length > 1 && rest.length === 0) throw new UsageError(`unknown option ${a}`);
    else rest.push(a);
  }
  if (o.rt !== undefined) {
    if (o.scheduling === undefined || o.scheduling === "async") {
      throw new UsageError("--rt sets the real-time options of --scheduling=hybrid or --scheduling=realtime: add one of them");
    }
    try {
      schedulingConfig().resolveScheduling({ mode: o.scheduling, rt: o.rt });
    } catch (e) {
      throw new UsageError(`--rt: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  // Like gst-launch, the pipeline may be given as one string or as several words.
  o.description = rest.join(" ").trim();
  return o;
}

export class UsageError extends Error {}

export async function runLaunch(o: LaunchOptions, out: TextSink = stdout, err: TextSink = stderr): Promise<number> {
  const description = o.description || DEFAULT_PIPELINE;
  const say = (s: string) => {
    if (!o.quiet) out.write(s + "\n");
  };
  if (!o.description) say(`No pipeline given: running the default one:\n  ${DEFAULT_PIPELINE}`);
  // An isolated run needs element hosts: start one booting now (src/isolation/warm.ts), while
  // the pipeline is parsed and planned, so the first isolated element does not wait for a
  // process to start. It is sandboxed only when the run hands it its element; a run that never
  // starts closes it.
  const warm = o.isolation !== undefined && !o.dryRun ? await import("../isolation/warm.ts") : null;
  warm?.prewarmHosts(1);
  try {
    return await buildAndRun(o, description, say, err);
  } finally {
    // The run has taken or closed the warm hosts; make sure (whatever failed before it), as
    // the command exits right after (bin/parallax.ts) rather than waiting for the event loop.
    await warm?.discardWarmHosts();
  }
}

/** runLaunch's work once set up: construct, prepare (or plan), dump, run. */
async function buildAndRun(o: LaunchOptions, description: string, say: (s: string) => void, err: TextSink): Promise<number> {
  let pipeline: Pipeline;
  try {
    await registry.load(launchFactories(description));
    pipeline = fromLaunch(description, o.scheduling ? { scheduling: o.rt ? { mode: o.scheduling, rt: o.rt } : o.scheduling } : {});
  } catch (e) {
    err.write(`ERROR: pipeline could not be constructed: ${(e as Error).message}\n`);
    return 2;
  }
  try {
    // Isolated elements are never prepared here (that would run their code unsandboxed):
    // the graph is checked, negotiated and planned instead.
    if (o.isolation !== undefined) {
      const { describePlan } = await import("../isolation/executor.ts");
      const text = describePlan(pipeline, o.isolation);
      if (o.verbose || o.dryRun) say(text);
    } else pipeline.prepare();
  } catch (e) {
    err.write(`ERROR: pipeline could not be prepared: ${(e as Error).message}\n`);
    return 2;
  }
  const dump = o.verbose || o.dryRun || o.dot || o.json ? await import("../debug/dump.ts") : null;
  if (dump && (o.verbose || o.dryRun)) say(dump.toText(pipeline));
  if (o.verbose || o.dryRun || o.scheduling) {
    const { schedulingOf } = await import("../scheduling/host.ts");
    const plan = schedulingOf(pipeline)?.summary;
    if (plan) say(plan);
  }
  if (dump && o.dot) await Bun.write(o.dot, dump.toDot(pipeline));
  if (dump && o.json) await Bun.write(o.json, JSON.stringify(dump.toJson(pipeline), null, 2));
  if (o.dryRun) {
    pipeline.suspend();
    return 0;
  }
  pipeline.bus.on("warning", (m) => err.write(`WARNING: from element ${m.source}: ${m.message}\n`));
  if (o.verbose && o.isolation !== undefined) pipeline.bus.on("info", (m) => say(`INFO: ${m.message}`));
  if (o.verbose) {
    pipeline.bus.on("element", (m) => say(`/${pipeline.name}/${m.source}: ${m.name} ${JSON.stringify(m.data)}`));
  }
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts === 1) {
      say("Handling interrupt: sending EOS (press Ctrl-C again to stop at once)");
      pipeline.sendEos();
    } else {
      pipeline.stop();
    }
  };
  process.on("SIGINT", onSigint);
  // The executable starts with the JIT reluctant, since start-up code runs once
  // (scripts/build.ts, START_UP_JIT_POLICY); from here on the per-buffer code is what runs.
  Bun.unsafe.setJITPolicy(1);
  say("Setting pipeline to PLAYING ...");
  const t0 = performance.now();
  try {
    await pipeline.run(o.isolation !== undefined ? { isolation: o.isolation } : {});
    say(`Got EOS from element "${pipeline.name}".`);
    if (!o.quiet) say(`Execution ended after ${formatTime(Math.round((performance.now() - t0) * 1e6))}`);
    if (dump && o.json) await Bun.write(o.json, JSON.stringify(dump.toJson(pipeline), null, 2));
    return 0;
  } catch (e) {
    err.write(`ERROR: ${(e as Error).message}\n`);
    return 1;
  } finally {
    process.off("SIGINT", onSigint);
    pipeline.dispose();
  }
}

/**
 * The factories a description names (caps filters become capsfilter elements), for
 * `registry.load`. A description that does not parse gives none: fromLaunch reports the error.
 */
export function launchFactories(description: string): string[] {
  const factories: string[] = [];
  try {
    // A loop, not flatMap: each array builtin costs a first-use compilation at start-up.
    for (const n of parseLaunch(description).nodes) {
      if (n.kind === "element") factories.push(n.factory);
      else if (n.kind === "caps") factories.push("capsfilter");
    }
  } catch {
    return [];
  }
  return factories;
}

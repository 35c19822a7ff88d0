#!/usr/bin/env bun
/**
 * The `parallax` command: `launch` (gst-launch-1.0) and `inspect` (gst-inspect-1.0).
 * Runs from source (`bun bin/parallax.ts …`) and as the compiled `dist/parallax`.
 *
 * Start-up time is mostly module loading. `launch` is imported statically: in the compiled
 * executable, modules imported with the entry point load with it, ≈1 ms sooner (wall and CPU,
 * measured on s0 of BENCHMARKS.md in paired runs) than the same modules imported with
 * `import()` after it, which loads chunk after chunk; the other commands and roles pay ≈2.5 ms
 * for it (`--version`). `inspect` imports its code when it runs (with `--splitting`, a chunk
 * that is not even read otherwise), and a launch imports only the elements its pipeline names
 * (src/registry.ts); the hidden helper roles (`--role`) are imported only by a process that
 * runs one. Output goes through src/cli/output.ts, not process.stdout.
 * When the command is done, the process exits at once (process.exit) rather than ending on its
 * own: nothing is left pending by then (a launch has disposed of its pipeline, output is
 * written synchronously), and skipping the last turn of the event loop and the teardown after
 * it saves ≈0.6 ms of wall and CPU time (s0, paired runs).
 */
import { stderr, stdout } from "../src/cli/output.ts";
import { parseLaunchArgs, runLaunch, UsageError } from "../src/cli/launch.ts";

const USAGE = `usage:
  parallax launch [-v] [-q] [--dot FILE] [--json FILE] [--dry-run] [--isolate[=PATTERNS]]
                  [--scheduling=async|hybrid|realtime [--rt=quantum=N,workers=N,priority=N|auto,…]] "<pipeline>"
  parallax inspect [element]
  parallax --version`;

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case "launch": {
      try {
        return await runLaunch(parseLaunchArgs(rest));
      } catch (e) {
        if (e instanceof UsageError) {
          stderr.write(`${e.message}\n${USAGE}\n`);
          return 2;
        }
        throw e;
      }
    }
    case "inspect": {
      const { runInspect } = await import("../src/cli/inspect.ts");
      return await runInspect(rest);
    }
    case "--version":
    case "version":
      stdout.write("parallax 0.1.0\n");
      return 0;
    case "--role": {
      // A helper process runs elements: the normal JIT policy from the start (see launch).
      Bun.unsafe.setJITPolicy(1);
      // The roles register themselves when imported (src/cli/roles.ts), here and only here:
      // a launch does not load them.
      const [{ roleMain }] = await Promise.all([import("../src/cli/roles.ts"), import("../src/isolation/role.ts")]);
      return await roleMain(rest);
    }
    case undefined:
    case "-h":
    case "--help":
    case "help":
      stdout.write(USAGE + "\n");
      return cmd === undefined ? 2 : 0;
    default:
      stderr.write(`unknown command "${cmd}"\n${USAGE}\n`);
      return 2;
  }
}

// Not a top-level await: a module that awaits at its top level finishes evaluating through the
// module loader's asynchronous path, which cost ≈ 0.5–1 ms more of every launch (3 runs of
// bench/startup.ts, 100–150 alternated launches each: 0.1–1.1 ms wall, 0.5–0.8 ms CPU).
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);

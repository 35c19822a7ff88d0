#!/usr/bin/env bun
/**
 * The `parallax` command: `launch` (gst-launch-1.0) and `inspect` (gst-inspect-1.0).
 * Runs from source (`bun bin/parallax.ts …`) and as the compiled `dist/parallax`.
 *
 * Start-up time is mostly module loading, so this file imports almost nothing itself: each
 * command imports its code when it runs (in the compiled executable, built with `--splitting`,
 * each is a chunk of its own that is not even read otherwise), and a launch imports only the
 * elements its pipeline names. Output goes through src/cli/output.ts, not process.stdout.
 * The process then ends on its own: exiting explicitly (process.exit, or process.reallyExit)
 * was measured and saves nothing, as nothing is left pending.
 */
import { stderr, stdout } from "../src/cli/output.ts";
import { roleMain } from "../src/cli/roles.ts";
import "../src/isolation/role.ts";

const USAGE = `usage:
  parallax launch [-v] [-q] [--dot FILE] [--json FILE] [--dry-run] [--isolate[=PATTERNS]] "<pipeline>"
  parallax inspect [element]
  parallax --version`;

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case "launch": {
      const { parseLaunchArgs, runLaunch, UsageError } = await import("../src/cli/launch.ts");
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
    case "--role":
      // A helper process runs elements: the normal JIT policy from the start (see launch).
      Bun.unsafe.setJITPolicy(1);
      return await roleMain(rest);
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

process.exitCode = await main(process.argv.slice(2));

#!/usr/bin/env bun
/**
 * The `parallax` command: `launch` (gst-launch-1.0) and `inspect` (gst-inspect-1.0).
 * Runs from source (`bun bin/parallax.ts …`) and as the compiled `dist/parallax`.
 */
import { inspectElement, inspectList } from "../src/cli/inspect.ts";
import { parseLaunchArgs, runLaunch, UsageError } from "../src/cli/launch.ts";
import { registry } from "../src/index.ts";
import { roleMain } from "../src/cli/roles.ts";
import "../src/isolation/role.ts";

const USAGE = `usage:
  parallax launch [-v] [-q] [--dot FILE] [--json FILE] [--dry-run] [--isolate[=PATTERNS]] "<pipeline>"
  parallax inspect [element]
  parallax --version`;

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case "launch":
      try {
        return await runLaunch(parseLaunchArgs(rest));
      } catch (e) {
        if (e instanceof UsageError) {
          process.stderr.write(`${e.message}\n${USAGE}\n`);
          return 2;
        }
        throw e;
      }
    case "inspect": {
      if (rest.length === 0) {
        process.stdout.write(inspectList(registry) + "\n");
        return 0;
      }
      const cls = registry.get(rest[0]!);
      if (!cls) {
        const s = registry.suggest(rest[0]!);
        process.stderr.write(`No such element "${rest[0]}"${s.length ? `; did you mean ${s.join(", ")}?` : ""}\n`);
        return 1;
      }
      process.stdout.write(inspectElement(cls) + "\n");
      return 0;
    }
    case "--version":
    case "version":
      process.stdout.write("parallax 0.1.0\n");
      return 0;
    case "--role":
      return await roleMain(rest);
    case undefined:
    case "-h":
    case "--help":
    case "help":
      process.stdout.write(USAGE + "\n");
      return cmd === undefined ? 2 : 0;
    default:
      process.stderr.write(`unknown command "${cmd}"\n${USAGE}\n`);
      return 2;
  }
}

process.exitCode = await main(process.argv.slice(2));

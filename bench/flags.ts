/**
 * The bench scripts' command-line flags: `--name value` pairs and bare switches, read from
 * process.argv. One helper for every script in bench/ (each used to carry its own copy).
 */
export const args = process.argv.slice(2);

/** The value after `--name`, or undefined when the flag is absent. */
export function flag(name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

/** The value after `--name`, or `dflt`. */
export function flagOr(name: string, dflt: string): string {
  return flag(name) ?? dflt;
}

/** Every value given with a repeated `--name` (say several `--exe`). */
export function flags(name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length - 1; i++) if (args[i] === name) out.push(args[i + 1]!);
  return out;
}

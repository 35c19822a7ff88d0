/**
 * The shared loader for the C shims.
 *
 * Each shim `csrc/<shim>.c` is built by `bun run build:shims` into `build/lib<shim>.so`. This
 * module imports every .so with `{ type: "file" }`: under `bun run`/`bun test` that yields the
 * path in build/, and under `bun build --compile` it embeds the file in the executable and yields
 * a `/$bunfs/...` path that `dlopen` accepts. The imports are dynamic (awaited once at module
 * load) only so that a missing .so can be reported with what to do about it; a static import
 * would fail with a bare "Cannot find module". A missing shim fails when it is opened, not
 * here, so the rest of the engine still loads (the io_uring shim, say, is optional).
 *
 * Each ffi/<shim>.ts calls `openShim` once, at its own module load, with its symbol table.
 */
import { dlopen, type FFIFunction, type Library } from "bun:ffi";

export type ShimName = "memfd" | "fdpass" | "uring" | "sandbox" | "sched";

type Resolved = { path: string } | { error: string };

async function resolveShim(load: () => Promise<{ default: string }>): Promise<Resolved> {
  try {
    return { path: (await load()).default };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}

// One literal specifier per shim, so that the bundler sees (and embeds) each file.
const shims: Record<ShimName, Resolved> = {
  memfd: await resolveShim(() => import("../build/libmemfd.so", { with: { type: "file" } })),
  fdpass: await resolveShim(() => import("../build/libfdpass.so", { with: { type: "file" } })),
  uring: await resolveShim(() => import("../build/liburing.so", { with: { type: "file" } })),
  sched: await resolveShim(() => import("../build/libsched.so", { with: { type: "file" } })),
  sandbox: await resolveShim(() => import("../build/libsandbox.so", { with: { type: "file" } })),
};

/** Thrown when a shim's .so is missing or cannot be loaded. */
export class ShimLoadError extends Error {
  override readonly name = "ShimLoadError";
  constructor(
    readonly shim: ShimName,
    detail: string,
  ) {
    super(`cannot load the ${shim} shim (build/lib${shim}.so): ${detail}. Run \`bun run build:shims\` to build the C shims.`);
  }
}

/** The path `dlopen` will use for a shim, or null when it was not built. */
export function shimPath(name: ShimName): string | null {
  const s = shims[name];
  return "path" in s ? s.path : null;
}

/**
 * dlopens a shim with its symbol table and returns the symbols. Throws ShimLoadError (which
 * says to run `bun run build:shims`) when the .so is missing or lacks a symbol. The library
 * stays loaded for the life of the process.
 */
export function openShim<Fns extends Record<string, FFIFunction>>(name: ShimName, symbols: Fns): Library<Fns>["symbols"] {
  const s = shims[name];
  if ("error" in s) throw new ShimLoadError(name, s.error);
  try {
    return dlopen(s.path, symbols).symbols;
  } catch (e) {
    throw new ShimLoadError(name, e instanceof Error ? e.message : String(e));
  }
}

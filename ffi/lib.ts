/**
 * The shared loader for the C shims.
 *
 * Each shim `csrc/<shim>.c` is built by `bun run build:shims` into `build/lib<shim>.so`. Run
 * from source (`bun run`, `bun test`), a shim is found in build/ beside this folder; in the
 * executable made by `bun build --compile`, the bundler has embedded each .so named by a
 * literal `require` in EMBEDDED below, and that `require` yields a `/$bunfs/...` path that
 * `dlopen` accepts. A missing shim fails when it is first used, with what to do about it, so
 * the rest of the engine still loads (the io_uring shim, say, is optional).
 *
 * Nothing is resolved or opened at module load: start-up is part of the job (a one-buffer
 * `parallax launch` should end as fast as gst-launch-1.0's, and bun:ffi's first `dlopen` alone
 * costs ≈1 ms, each further shim ≈0.25 ms). Each ffi/<shim>.ts makes its symbol table with
 * `lazyShim` at module load, which opens the shim at the first call of any of its functions
 * and then puts the native functions themselves in the table, so later calls cost what a direct
 * call does. `openShim` opens a table at once, for callers that want a failure now.
 */
import { dlopen, type FFIFunction, type Library } from "bun:ffi";

const encoder = new TextEncoder();

/** A NUL-terminated UTF-8 copy of `s`, for C string arguments. */
export function cstring(s: string): Uint8Array {
  return encoder.encode(`${s}\0`);
}

export type ShimName = "memfd" | "fdpass" | "uring" | "sandbox" | "sched" | "videoconvert" | "fileio";

/**
 * The path of each shim inside the compiled executable. One literal specifier per shim, so that
 * the bundler sees (and embeds) each file; called only there (see shimPath): run from source,
 * `require` would load a .so as a Node addon.
 */
const EMBEDDED: Record<ShimName, () => string> = {
  memfd: () => require("../build/libmemfd.so"),
  fdpass: () => require("../build/libfdpass.so"),
  uring: () => require("../build/liburing.so"),
  sched: () => require("../build/libsched.so"),
  sandbox: () => require("../build/libsandbox.so"),
  videoconvert: () => require("../build/libvideoconvert.so"),
  fileio: () => require("../build/libfileio.so"),
};

type Resolved = { path: string } | { error: string };

const resolved = new Map<ShimName, Resolved>();

function resolveShim(name: ShimName): Resolved {
  let r = resolved.get(name);
  if (r === undefined) {
    try {
      const path = import.meta.dir.startsWith("/$bunfs/") ? EMBEDDED[name]() : Bun.resolveSync(`../build/lib${name}.so`, import.meta.dir);
      r = { path };
    } catch (e) {
      r = { error: e instanceof Error ? e.message : String(e) };
    }
    resolved.set(name, r);
  }
  return r;
}

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
  const s = resolveShim(name);
  return "path" in s ? s.path : null;
}

/**
 * dlopens a shim with its symbol table now and returns the symbols. Throws ShimLoadError (which
 * says to run `bun run build:shims`) when the .so is missing or lacks a symbol. The library
 * stays loaded for the life of the process.
 */
export function openShim<Fns extends Record<string, FFIFunction>>(name: ShimName, symbols: Fns): Library<Fns>["symbols"] {
  const s = resolveShim(name);
  if ("error" in s) throw new ShimLoadError(name, s.error);
  try {
    return dlopen(s.path, symbols).symbols;
  } catch (e) {
    throw new ShimLoadError(name, e instanceof Error ? e.message : String(e));
  }
}

/** What openDeclaredShims runs: the open function of every table lazyShim made, and the
 * loaders given to loadBeforeSandbox. */
const declared: (() => void)[] = [];

/**
 * A shim's symbol table that opens nothing now: each entry starts as a stand-in, and the first
 * call of any of them dlopens the shim with the whole table, puts every native function in the
 * table in place of its stand-in and forwards the call. Code that calls through the table
 * (`raw.px_close(fd)`) pays nothing extra after that; a stand-in taken out of the table before
 * the first call keeps forwarding. Opening the whole table at once keeps that cost (≈0.25 ms
 * per shim, plus ≈10 µs per symbol, and ≈1 ms for bun:ffi's first dlopen in the process) in one
 * place, instead of spread over the first call of each function. The first call throws
 * ShimLoadError when the .so is missing or lacks a symbol, and so does every call after it.
 */
export function lazyShim<Fns extends Record<string, FFIFunction>>(name: ShimName, symbols: Fns): Library<Fns>["symbols"] {
  type Fn = (...args: unknown[]) => unknown;
  const table: Record<string, Fn> = {};
  let natives: Record<string, Fn> | null = null;
  let failure: unknown = null;
  const open = (): Record<string, Fn> => {
    if (natives === null) {
      if (failure !== null) throw failure;
      try {
        natives = openShim(name, symbols) as unknown as Record<string, Fn>;
      } catch (e) {
        failure = e;
        throw e;
      }
      Object.assign(table, natives);
    }
    return natives;
  };
  declared.push(() => {
    try {
      open();
    } catch {
      // the table's first call reports it
    }
  });
  for (const key of Object.keys(symbols)) table[key] = (...args: unknown[]) => open()[key]!(...args);
  return table as unknown as Library<Fns>["symbols"];
}

/**
 * Opens now every table lazyShim has made so far (those of the ffi/ modules imported so far),
 * as they were opened before start-up made them lazy, and runs the loaders given to
 * loadBeforeSandbox (tables the modules they load declare are opened too). For a process about
 * to restrict itself: dlopen, and reading a module's file, need system calls a seccomp filter
 * refuses (ffi/sandbox.ts installSeccomp calls this first). A shim that cannot be opened is
 * skipped; its table's first call reports why.
 */
export function openDeclaredShims(): void {
  // An index loop: a loader's modules append their own tables while this runs.
  for (let i = 0; i < declared.length; i++) declared[i]!();
}

/**
 * Registers code that is loaded on first use (a `require` in a function) but that a sandboxed
 * process may still need: openDeclaredShims runs `load` before the sandbox shuts file access.
 * A load that fails is left for the first use to report.
 */
export function loadBeforeSandbox(load: () => void): void {
  let done = false;
  declared.push(() => {
    if (done) return;
    done = true;
    try {
      load();
    } catch {
      // the first use reports it
    }
  });
}

/**
 * A native library the code can do without (it keeps a JS path): `get()` loads it once with
 * `load` and returns it, or null when `disableEnv` is set to "1" or `load` throws; `error()`
 * says why it is null (null when it loaded or was not tried yet).
 */
export function optionalLibrary<T>(disableEnv: string, load: () => T): { get(): T | null; error(): string | null } {
  let loaded: T | null | undefined;
  let why: string | null = null;
  return {
    get(): T | null {
      if (loaded !== undefined) return loaded;
      loaded = null;
      if (process.env[disableEnv] === "1") why = `disabled by ${disableEnv}=1`;
      else {
        try {
          loaded = load();
        } catch (e) {
          why = e instanceof Error ? e.message : String(e);
        }
      }
      return loaded;
    },
    error: () => why,
  };
}

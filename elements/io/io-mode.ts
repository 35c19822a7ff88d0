/**
 * The I/O engine settings filesrc and filesink share (their `io-mode` and `queue-depth`
 * properties), apart from the engine itself: elements/io/uring-io.ts and the io_uring and
 * fdpass bindings it needs are loaded only by an element that does I/O from memory (a pipe, a
 * device, use-mmap=false, a write of bytes that are not a view of a file). Mapped reads and
 * kernel copies, the default for regular files, never load them: ≈ 1 ms less of a file
 * pipeline's start-up in the compiled executable (measured by importing each module in turn).
 */
import { loadBeforeSandbox } from "../../ffi/lib.ts";
import type * as UringIoModule from "./uring-io.ts";

export type IoMode = "auto" | "io-uring" | "sync";
export const IO_MODES: IoMode[] = ["auto", "io-uring", "sync"];
/** Default reads/writes kept in flight by filesrc/filesink. */
export const DEFAULT_QUEUE_DEPTH = 4;
/** Upper bound on the queue-depth property. */
export const MAX_QUEUE_DEPTH = 256;

/** The io_uring engine (elements/io/uring-io.ts), loaded on first call. */
export function uringIo(): typeof UringIoModule {
  return require("./uring-io.ts") as typeof UringIoModule;
}

// An isolated file element cannot read the module once its host is sandboxed: load it before.
loadBeforeSandbox(uringIo);

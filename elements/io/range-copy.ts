/**
 * RangeCopy: how filesink writes buffers that are views of a mapped file (filesrc's default for
 * regular files, src/memory/file-memory.ts) without the bytes entering the process: the kernel
 * copies the file range into the output file (copy_file_range), as `cp` does.
 *
 * Consecutive buffers of one mapping that land consecutively in the output are collected into
 * one run (holding a reference to each) and copied with one page-table check and one copy per
 * run, up to RUN_BYTES: per-buffer system calls would otherwise cost a few percent of the copy
 * at the default block size. Runs are large because fewer, longer copies measured faster
 * (copy of 512 MiB, first to last copy_file_range, 2-vCPU VM, 5–6 runs each: 16 MiB runs with
 * 2 in flight 150–167 ms, 64 MiB 130–143 ms, 256 MiB with 4 in flight 110–125 ms, against
 * 106–109 ms for `cp`'s single call): the sink's thread then wakes a few times per file
 * instead of every few milliseconds, and leaves both cores to the copy. Holding a run costs no
 * memory (its buffers are views of the file nobody touched), but delays the output; so a run
 * also goes once its first buffer is RUN_MAX_AGE_MS old, and a slow stream lands promptly.
 * When the check finds that something wrote into the run, each buffer is decided on its own:
 * untouched ones are still copied by the kernel, written ones go to the sink's ordinary write,
 * at their own offsets. The sink flushes the run before anything else it writes, at EOS and
 * when stopping.
 *
 * Overlap. A full run is copied on a helper thread (ffi/fileio.ts Copier), not on the sink's:
 * while the kernel copies it, the pipeline cuts, pushes and collects the next run, so the
 * per-buffer work costs no wall time beyond the copy (`cp` has none to hide). At most
 * RUNS_IN_FLIGHT runs are out at once; a further one waits for the oldest. A run's buffers are
 * held until its copy has finished (they keep the source file open), and what the helper could
 * not copy is finished on the sink's thread as before (the rest copied, or, when the kernel
 * refuses these files, the buffers written). `flush` returns only once every run is done.
 * Without the helper thread (it could not be started) runs are copied synchronously.
 *
 * Thread: the sink's (the event loop of its process).
 */
import type { Buffer } from "../../src/buffer.ts";
import { Flow, type FlowReturn } from "../../src/flow.ts";
import { FileChunk, type FileWindow } from "../../src/memory/file-memory.ts";
import { errnoName } from "../../ffi/errno.ts";
import * as fileio from "../../ffi/fileio.ts";

/** Bytes of consecutive buffers copied in one call (and held until then), at most. */
export const RUN_BYTES = 256 * 1024 * 1024;
/** A run whose first buffer came this long ago goes at the next buffer, full or not. */
export const RUN_MAX_AGE_MS = 50;
/** Runs being copied on the helper thread at once (see the header). */
export const RUNS_IN_FLIGHT = 4;

/** Run sizes and age (tests use small ones), and the clock the age is read from. */
export interface RunOptions {
  /** The largest run (RUN_BYTES). */
  runBytes?: number;
  /** The first run's size (runBytes / 16): runs then double, so the kernel starts copying soon
   * instead of waiting for a full run to be cut and pushed. */
  firstRunBytes?: number;
  maxAgeMs?: number;
  now?: () => number;
}
const EINTR = 4;

/** A run handed to the helper thread: its buffers are held until the copy has finished. */
interface Run {
  seq: number;
  held: Buffer[];
  window: FileWindow;
  inFd: number;
  outFd: number;
  src: number;
  dst: number;
  n: number;
}

/** What RangeCopy needs from its sink. */
export interface RangeCopyTarget {
  /** Writes a buffer the kernel cannot copy, at output offset `at` (the callee clones it if it
   * keeps it). */
  write(buf: Buffer, at: number): FlowReturn;
  /** Reports a failed copy (posts the error); returns the flow to pass on. */
  fail(message: string, debug: string): FlowReturn;
  /** Copy_file_range is refused for this output: say so once. */
  refused(why: string): void;
}

export class RangeCopy {
  /** Bytes the kernel copied, and in how many copy_file_range calls. */
  copied = 0;
  copyCalls = 0;
  /** False once copy_file_range was refused for this output: then everything is written. */
  enabled = true;
  /** Runs that were copied on the helper thread. */
  asyncRuns = 0;
  #held: Buffer[] = [];
  /** Runs on the helper thread, oldest first. */
  #inFlight: Run[] = [];
  #copier: fileio.Copier | null = null;
  /** The helper thread could not be started: copy synchronously. */
  #noCopier = false;
  readonly #runBytes: number;
  readonly #firstRunBytes: number;
  readonly #maxAgeMs: number;
  readonly #now: () => number;
  /** Size at which the run being collected goes to the helper (firstRunBytes, doubling). */
  #runLimit: number;
  /** When the run being collected got its first buffer (#now's clock). */
  #runStarted = 0;
  #window: FileWindow | null = null;
  #srcStart = 0;
  #srcEnd = 0;
  #dstStart = 0;

  constructor(
    private readonly target: RangeCopyTarget,
    opts: RunOptions = {},
  ) {
    this.#runBytes = opts.runBytes ?? RUN_BYTES;
    this.#firstRunBytes = Math.min(opts.firstRunBytes ?? this.#runBytes / 16, this.#runBytes);
    this.#maxAgeMs = opts.maxAgeMs ?? RUN_MAX_AGE_MS;
    this.#now = opts.now ?? performance.now.bind(performance);
    this.#runLimit = this.#firstRunBytes;
  }

  /** Bytes held for the next flush. */
  get pending(): number {
    return this.#srcEnd - this.#srcStart;
  }

  /** Whether anything is held or being copied (flush before EOS). */
  get busy(): boolean {
    return this.#held.length > 0 || this.#inFlight.length > 0;
  }

  /**
   * Whether `buf` is a view of a mapped file (no system call). Buffers that are not go to the
   * sink's ordinary write, after a flush.
   */
  accepts(buf: Buffer): boolean {
    const m = buf.memory;
    return this.enabled && m instanceof FileChunk && !m.window.closed && buf.data.buffer === m.window.buffer;
  }

  /**
   * Adds an accepted buffer that goes to output offset `at` (taking a reference; the caller
   * keeps its own). Flushes first when it does not continue the run; hands the run to the helper
   * thread once it is full (the first run's size, doubling up to the largest) or its first
   * buffer is older than the age bound. Returns the flow (a failure of an earlier run may show
   * here).
   */
  add(outFd: number, buf: Buffer, at: number): FlowReturn {
    const w = (buf.memory as FileChunk).window;
    const src = w.fileOffset + buf.data.byteOffset;
    let flow: FlowReturn = Flow.OK;
    if (this.#held.length > 0 && (w !== this.#window || src !== this.#srcEnd || at !== this.#dstStart + this.pending)) flow = this.flush(outFd);
    if (flow !== Flow.OK) return flow;
    const now = this.#now();
    if (this.#held.length === 0) {
      this.#window = w;
      this.#srcStart = this.#srcEnd = src;
      this.#dstStart = at;
      this.#runStarted = now;
    }
    this.#held.push(buf.clone());
    this.#srcEnd += buf.data.byteLength;
    return this.pending >= this.#runLimit || now - this.#runStarted >= this.#maxAgeMs ? this.#submit(outFd) : Flow.OK;
  }

  /**
   * Copies (or writes) everything held and waits for the runs being copied; lets the buffers
   * go. Returns the flow (the first failure's, if one failed).
   */
  flush(outFd: number): FlowReturn {
    const flow = this.#drain();
    if (flow !== Flow.OK) {
      this.#releaseHeld();
      return flow;
    }
    return this.#flushNow(outFd);
  }

  /** A full run: to the helper thread when it is untouched, else as flush. */
  #submit(outFd: number): FlowReturn {
    if (this.#runLimit < this.#runBytes) this.#runLimit = Math.min(this.#runBytes, this.#runLimit * 2);
    let flow = this.#reap();
    if (flow !== Flow.OK) {
      this.#releaseHeld();
      return flow;
    }
    const w = this.#window!;
    const copier = this.#startCopier();
    if (copier === null || w.closed || fileio.pagesWritten(w.file.pagemapFd, w.address + (this.#srcStart - w.fileOffset), this.pending)) {
      return this.#flushNow(outFd);
    }
    while (this.#inFlight.length >= RUNS_IN_FLIGHT) {
      const run = this.#inFlight.shift()!;
      flow = this.#finish(run, copier.wait(run.seq));
      if (flow !== Flow.OK) {
        this.#releaseHeld();
        return flow;
      }
    }
    const n = this.pending;
    const seq = copier.submit(w.file.fd, this.#srcStart, outFd, this.#dstStart, n);
    this.copyCalls++;
    this.asyncRuns++;
    this.#inFlight.push({ seq, held: this.#held, window: w, inFd: w.file.fd, outFd, src: this.#srcStart, dst: this.#dstStart, n });
    this.#held = [];
    this.#window = null;
    this.#srcStart = this.#srcEnd = 0;
    return Flow.OK;
  }

  /** The helper thread, started on first use; null if it cannot be (then copies are synchronous). */
  #startCopier(): fileio.Copier | null {
    if (this.#copier !== null || this.#noCopier || !this.enabled) return this.#copier;
    try {
      this.#copier = new fileio.Copier();
    } catch {
      this.#noCopier = true;
    }
    return this.#copier;
  }

  /** Finishes the runs the helper is done with, without waiting. */
  #reap(): FlowReturn {
    const c = this.#copier;
    while (c !== null && this.#inFlight.length > 0 && c.done(this.#inFlight[0]!.seq)) {
      const run = this.#inFlight.shift()!;
      const flow = this.#finish(run, c.wait(run.seq));
      if (flow !== Flow.OK) return flow;
    }
    return Flow.OK;
  }

  /** Waits for every run on the helper and finishes it. Returns the first failure's flow. */
  #drain(): FlowReturn {
    let flow: FlowReturn = Flow.OK;
    while (this.#inFlight.length > 0) {
      const run = this.#inFlight.shift()!;
      const r = this.#finish(run, this.#copier!.wait(run.seq));
      if (flow === Flow.OK) flow = r;
    }
    return flow;
  }

  /**
   * A run the helper finished with `result` (bytes copied, or -errno): done if every byte went;
   * else the rest is copied here, or written when the kernel refuses these files (every buffer
   * not wholly copied: rewriting copied bytes writes the same bytes). Lets the buffers go.
   */
  #finish(run: Run, result: number): FlowReturn {
    let flow: FlowReturn = Flow.OK;
    if (result === run.n) this.copied += run.n;
    else {
      const done = Math.max(0, result);
      this.copied += done;
      let r: FlowReturn | null;
      if (result < 0 && fileio.COPY_UNSUPPORTED.has(-result)) {
        if (this.enabled) {
          this.enabled = false;
          this.target.refused(errnoName(-result));
        }
        r = null;
      } else r = this.#copy(run.inFd, run.src + done, run.outFd, run.dst + done, run.n - done);
      if (r === null) {
        for (const b of run.held) {
          const at = run.dst + (run.window.fileOffset + b.data.byteOffset - run.src);
          if (at + b.data.byteLength <= run.dst + done) continue;
          flow = this.target.write(b, at);
          if (flow !== Flow.OK) break;
        }
      } else flow = r;
    }
    for (const b of run.held) b.release();
    return flow;
  }

  /** Copies (or writes) the run held now, on this thread, and lets its buffers go. */
  #flushNow(outFd: number): FlowReturn {
    const held = this.#held;
    if (held.length === 0) return Flow.OK;
    const w = this.#window!;
    let flow: FlowReturn | null = null;
    if (!w.closed && !fileio.pagesWritten(w.file.pagemapFd, w.address + (this.#srcStart - w.fileOffset), this.pending)) {
      flow = this.#copy(w.file.fd, this.#srcStart, outFd, this.#dstStart, this.pending);
    }
    if (flow === null) {
      // Something wrote into the run (or the kernel refused): decide buffer by buffer.
      flow = Flow.OK;
      for (let i = 0; i < held.length && flow === Flow.OK; i++) {
        const b = held[i]!;
        const at = this.#dstStart + (w.fileOffset + b.data.byteOffset - this.#srcStart);
        const off = this.enabled ? (b.memory as FileChunk).untouchedOffset(b.data) : -1;
        const r = off >= 0 ? this.#copy(w.file.fd, off, outFd, at, b.data.byteLength) : null;
        flow = r ?? this.target.write(b, at);
      }
    }
    this.#releaseHeld();
    return flow;
  }

  #releaseHeld(): void {
    for (const b of this.#held) b.release();
    this.#held.length = 0;
    this.#window = null;
    this.#srcStart = this.#srcEnd = 0;
  }

  /** Lets held buffers go without writing them (teardown after an error). Runs being copied
   * are waited for first: their buffers keep the source file open until the copy is done. */
  drop(): void {
    for (const run of this.#inFlight) {
      this.#copier!.wait(run.seq);
      for (const b of run.held) b.release();
    }
    this.#inFlight.length = 0;
    this.#releaseHeld();
  }

  /** drop(), then stops the helper thread (a later run starts another). */
  close(): void {
    this.drop();
    this.#copier?.close();
    this.#copier = null;
    this.#noCopier = false;
    this.#runLimit = this.#firstRunBytes;
  }

  /**
   * Has the kernel copy `n` bytes of `inFd` at `src` to `outFd` at `dst`, blocking until done.
   * Returns the flow, or null when copy_file_range is refused for these files and nothing was
   * copied (then write the bytes).
   */
  #copy(inFd: number, src: number, outFd: number, dst: number, n: number): FlowReturn | null {
    let done = 0;
    while (done < n) {
      const r = fileio.copyRange(inFd, src + done, outFd, dst + done, n - done);
      this.copyCalls++;
      if (r > 0) {
        done += r;
        continue;
      }
      if (r === -EINTR) continue;
      if (done === 0 && r < 0 && fileio.COPY_UNSUPPORTED.has(-r)) {
        this.enabled = false;
        this.target.refused(errnoName(-r));
        return null;
      }
      this.copied += done;
      // 0: the source ended before the buffer did — the file was truncated under the pipeline.
      const why = r === 0 ? "the source file is shorter than when the buffer was made (was it truncated?)" : errnoName(-r);
      return this.target.fail(why, `copy_file_range of ${n - done} bytes from offset ${src + done} returned ${r}`);
    }
    this.copied += n;
    return Flow.OK;
  }
}

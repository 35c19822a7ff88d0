/**
 * RangeCopy: how filesink writes buffers that are views of a mapped file (filesrc's default for
 * regular files, src/memory/file-memory.ts) without the bytes entering the process: the kernel
 * copies the file range into the output file (copy_file_range), as `cp` does.
 *
 * Consecutive buffers of one mapping that land consecutively in the output are collected into
 * one run (holding a reference to each) and copied with one page-table check and one copy per
 * run, up to RUN_BYTES: per-buffer system calls would otherwise cost a few percent of the copy
 * at the default block size. When the check finds that something wrote into the run, each
 * buffer is decided on its own: untouched ones are still copied by the kernel, written ones go
 * to the sink's ordinary write, at their own offsets. The sink flushes the run before anything
 * else it writes, at EOS and when stopping.
 *
 * Thread: the sink's (the event loop of its process).
 */
import type { Buffer } from "../../src/buffer.ts";
import { Flow, type FlowReturn } from "../../src/flow.ts";
import { FileChunk, type FileWindow } from "../../src/memory/file-memory.ts";
import { errnoName } from "../../ffi/errno.ts";
import * as fileio from "../../ffi/fileio.ts";

/** Bytes of consecutive buffers copied in one call (and held until then). */
export const RUN_BYTES = 16 * 1024 * 1024;
const EINTR = 4;

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
  #held: Buffer[] = [];
  #window: FileWindow | null = null;
  #srcStart = 0;
  #srcEnd = 0;
  #dstStart = 0;

  constructor(private readonly target: RangeCopyTarget) {}

  /** Bytes held for the next flush. */
  get pending(): number {
    return this.#srcEnd - this.#srcStart;
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
   * keeps its own). Flushes first when it does not continue the run, and after it when the run
   * is full. Returns the flow.
   */
  add(outFd: number, buf: Buffer, at: number): FlowReturn {
    const w = (buf.memory as FileChunk).window;
    const src = w.fileOffset + buf.data.byteOffset;
    let flow: FlowReturn = Flow.OK;
    if (this.#held.length > 0 && (w !== this.#window || src !== this.#srcEnd || at !== this.#dstStart + this.pending)) flow = this.flush(outFd);
    if (flow !== Flow.OK) return flow;
    if (this.#held.length === 0) {
      this.#window = w;
      this.#srcStart = this.#srcEnd = src;
      this.#dstStart = at;
    }
    this.#held.push(buf.clone());
    this.#srcEnd += buf.data.byteLength;
    return this.pending >= RUN_BYTES ? this.flush(outFd) : Flow.OK;
  }

  /** Copies (or writes) everything held and lets the buffers go. Returns the flow. */
  flush(outFd: number): FlowReturn {
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
    for (const b of held) b.release();
    held.length = 0;
    this.#window = null;
    this.#srcStart = this.#srcEnd = 0;
    return flow;
  }

  /** Lets held buffers go without writing them (teardown after an error). */
  drop(): void {
    for (const b of this.#held) b.release();
    this.#held.length = 0;
    this.#window = null;
    this.#srcStart = this.#srcEnd = 0;
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

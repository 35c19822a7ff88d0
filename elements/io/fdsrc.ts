/**
 * fdsrc: reads from a file descriptor the process already has (GStreamer's fdsrc): `fd=0`
 * (stdin, the default), a pipe or socket handed over by a parent, a file opened by the
 * application. The fd is borrowed: fdsrc never closes it and never changes its flags.
 *
 * Two ways of reading, chosen from fstat when the element is prepared:
 *  - regular files and block devices: synchronous reads of up to `blocksize` bytes into pooled
 *    memory, from the fd's current position (memory speed from the page cache);
 *  - pipes, sockets, terminals: Bun's non-blocking reader on the fd (it reads through a dup,
 *    closed at end of file or stop), so waiting for data never blocks the event loop; each
 *    chunk that arrives (up to 64 KiB) becomes a buffer, cut to `blocksize` if larger.
 *    Stopping cancels the pending read.
 *
 * End of file (or the writer closing the pipe) ends the stream. `num-buffers` stops early.
 * `do-timestamp` stamps each buffer with the pipeline clock's running time on arrival. With
 * `timeout` (µs, as GStreamer), the element message "fdsrc-timeout" is posted each time no
 * data has come for that long (pipe/socket mode).
 */
import { Buffer, TIME_NONE } from "../../src/buffer.ts";
import * as fileio from "../../ffi/fileio.ts";
import { type ElementMeta, template } from "../../src/graph/element.ts";
import { PropertyError, Type, type Static } from "../../src/graph/properties.ts";
import { type CreateResult, errorText, Source, WAIT } from "../../src/graph/source.ts";
import { Allocator } from "../../src/runtime/allocator.ts";

export const DEFAULT_FD = 0;
export const DEFAULT_BLOCKSIZE = 4096;
export const DEFAULT_TIMEOUT_US = 0;

const Props = Type.Object({
  fd: Type.Integer({ default: DEFAULT_FD, minimum: 0, description: "File descriptor to read (0 = stdin); it is not closed" }),
  blocksize: Type.Integer({ default: DEFAULT_BLOCKSIZE, minimum: 1, description: "Most bytes per buffer" }),
  numBuffers: Type.Integer({ default: -1, minimum: -1, description: "Buffers before EOS (-1 = until end of file)" }),
  doTimestamp: Type.Boolean({ default: false, description: "Stamp buffers with the pipeline clock's running time on arrival" }),
  timeout: Type.Integer({ default: DEFAULT_TIMEOUT_US, minimum: 0, description: "Post fdsrc-timeout after this many µs without data (0 = never)" }),
});
type P = Static<typeof Props>;

export class FdSrc extends Source<P> {
  static override meta: ElementMeta = {
    name: "fdsrc",
    category: "io",
    description: "Reads from a file descriptor (stdin by default; pipes, sockets, files)",
    pads: [template.src("ANY")],
    properties: Props,
    scheduling: { affinity: "async", rtSafe: false },
    authority: "the file descriptor given by fd (inherited or passed in)",
  };

  #regular = false;
  #alloc: Allocator | null = null;
  #reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  #inFlight = false;
  /** What the pending read delivered: a chunk, EOF, or a failure; consumed by create(). */
  #ready: Uint8Array | null | Error | undefined = undefined;
  /** The rest of a chunk longer than blocksize. */
  #rest: Uint8Array | null = null;
  #count = 0;
  #offset = 0;
  #cancelTimeout: (() => void) | null = null;

  /** True when the fd is read with synchronous reads (regular file or block device). */
  get regular(): boolean {
    return this.#regular;
  }

  override prepare(): void {
    const fd = this.props.fd;
    let st;
    try {
      st = fileio.fstat(fd);
    } catch (err) {
      throw new PropertyError(this.name, "fd", `${this.name}: fd ${fd} cannot be read: ${errorText(err)}`, "give fd= a descriptor this process has open");
    }
    this.#regular = st.isFile || st.isBlockDevice;
    if (this.#regular) this.#alloc = new Allocator(this.props.blocksize, this.name, 64);
  }

  override start(): void {
    super.start();
    this.#count = 0;
    this.#offset = 0;
    this.#ready = undefined;
    this.#rest = null;
  }

  override stop(): void {
    super.stop();
    this.#clearTimeout();
    const r = this.#reader;
    this.#reader = null;
    if (r) {
      // Ends the pending read (it resolves done); the fd stays open.
      r.cancel().catch(() => {});
      try {
        r.releaseLock();
      } catch {
        // A read still pending keeps the lock on some engines; the cancel above ends it.
      }
    }
    this.#inFlight = false;
  }

  override unprepare(): void {
    this.#alloc?.close();
    this.#alloc = null;
  }

  create(): CreateResult {
    const p = this.props;
    if (p.numBuffers >= 0 && this.#count >= p.numBuffers) return null;
    const buf = this.#regular ? this.#readRegular() : this.#readStream();
    if (buf === null || typeof buf === "number") return buf;
    if (p.doTimestamp) buf.pts = this.ctx!.runningTime();
    buf.offset = this.#offset;
    buf.offsetEnd = this.#offset + buf.size;
    buf.sequence = this.#count++;
    this.#offset += buf.size;
    return buf;
  }

  #readRegular(): Buffer | null | CreateResult {
    const bs = this.props.blocksize;
    const buf = this.#alloc!.acquire(bs, this.task);
    if (buf === null) return WAIT;
    let n: number;
    try {
      n = fileio.read(this.props.fd, buf.data, 0, bs, null);
    } catch (err) {
      buf.release();
      return this.error("resource", `${this.name}: could not read fd ${this.props.fd}: ${errorText(err)}`);
    }
    if (n === 0) {
      buf.release();
      return null;
    }
    if (n < bs) buf.data = buf.data.subarray(0, n);
    return buf;
  }

  #readStream(): Buffer | null | CreateResult {
    if (this.#rest !== null) return this.#cut(this.#rest);
    const got = this.#ready;
    if (got !== undefined) {
      this.#ready = undefined;
      if (got === null) return null;
      if (got instanceof Error) return this.error("resource", `${this.name}: could not read fd ${this.props.fd}: ${got.message}`, undefined, got);
      return this.#cut(got);
    }
    if (this.#inFlight) return WAIT;
    this.#reader ??= Bun.file(this.props.fd).stream().getReader() as ReadableStreamDefaultReader<Uint8Array>;
    const reader = this.#reader;
    const task = this.task!;
    this.#inFlight = true;
    task.block();
    this.#armTimeout();
    reader.read().then(
      (r) => this.#delivered(reader, r.done ? null : r.value),
      (err: unknown) => this.#delivered(reader, err instanceof Error ? err : new Error(String(err))),
    );
    return WAIT;
  }

  #delivered(reader: ReadableStreamDefaultReader<Uint8Array>, v: Uint8Array | null | Error): void {
    if (reader !== this.#reader) return; // stopped meanwhile
    this.#inFlight = false;
    if (v === null) {
      // End of file: Bun's reader works on a dup of the fd; cancelling closes it now.
      this.#reader = null;
      reader.cancel().catch(() => {});
    }
    this.#clearTimeout();
    this.#ready = v;
    this.task?.unblock();
  }

  /** A buffer of at most blocksize bytes from `chunk`; the rest waits for the next create(). */
  #cut(chunk: Uint8Array): Buffer {
    const bs = this.props.blocksize;
    if (chunk.length <= bs) {
      this.#rest = null;
      return new Buffer(chunk);
    }
    this.#rest = chunk.subarray(bs);
    return new Buffer(chunk.subarray(0, bs));
  }

  #armTimeout(): void {
    const us = this.props.timeout;
    const ctx = this.ctx;
    if (us === 0 || !ctx) return;
    const since = ctx.runningTime();
    const fire = (at: number) => {
      this.#cancelTimeout = ctx.clock.schedule(ctx.baseTime + at, () => {
        this.postMessage("fdsrc-timeout", { since, fd: this.props.fd });
        fire(at + us * 1000);
      });
    };
    fire(since + us * 1000);
  }

  #clearTimeout(): void {
    this.#cancelTimeout?.();
    this.#cancelTimeout = null;
  }
}

export { TIME_NONE };

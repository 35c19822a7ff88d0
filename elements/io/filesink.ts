/**
 * filesink: writes every buffer to a file (GStreamer's filesink). `location` names the file;
 * `append` adds to it instead of truncating it.
 *
 * I/O: with io_uring (see uring-io.ts) the sink writes straight from the buffer's memory — no
 * copy — keeping up to `queue-depth` writes in flight: it holds a reference to each buffer
 * until its write completes, then releases it (a pooled slot goes back to its source). Writes
 * go straight to the kernel's worker threads (IOSQE_ASYNC): ext4 cannot take a buffered write
 * without blocking, and its non-blocking attempt costs, for large writes, as much again as the
 * write. So they overlap with the reading upstream, and complete in any order. When the queue
 * is full the sink waits in the kernel for a write to finish, and while writes remain in flight
 * their completions are also reaped from the event loop, so upstream never waits for a slot
 * that only a reap would free. EOS is passed on only after every write has
 * completed and the file has been closed (with `fsync=true`, synced first). Without io_uring
 * (or for pipes and devices) writes are synchronous pwrite/write calls.
 *
 * The ring is set up at the first write from memory, not at prepare: a copy whose buffers all
 * go through copy_file_range (below) never sets one up, nor probes for io_uring (each costs
 * system calls and a shim load on a path where `cp` pays none). With `io-mode=io-uring` the
 * engine is checked at prepare, so a missing io_uring still fails there.
 *
 * Copies in the kernel. A buffer that is an untouched view of a mapped file (filesrc's default for
 * regular files: src/memory/file-memory.ts) is not written from memory: the kernel copies that
 * file range into this file (copy_file_range), as `cp` does — one copy instead of
 * two, and the bytes never enter this process. Consecutive such buffers are copied together,
 * up to 16 MiB at a time, on a helper thread so that the next run is collected meanwhile (see
 * range-copy.ts). "Untouched" is checked in the page tables: a
 * buffer a transform wrote into, or one that is not a view of its mapping any more, is written
 * from its bytes like any other. When the two files cannot be copied between (another kind of
 * output, a sandbox that forbids the call) the sink says so once at debug level and writes
 * bytes from then on. `kernelCopiedBytes` counts what went this way.
 *
 * With `append=true` writes go at explicit offsets starting at the file's size when it was
 * opened, so several writes can be in flight; another process appending to the same file at the
 * same time would interleave badly (as it would with GStreamer's filesink).
 */
import { openFile } from "../../src/isolation/authority.ts";
import type { Buffer } from "../../src/buffer.ts";
import type { Event } from "../../src/events.ts";
import { Flow, type FlowReturn } from "../../src/flow.ts";
import { type ElementMeta, template } from "../../src/graph/element.ts";
import type { Pad } from "../../src/graph/pad.ts";
import { PropertyError, Type, type Static } from "../../src/graph/properties.ts";
import { Sink } from "../../src/graph/sink.ts";
import { errnoName } from "../../ffi/errno.ts";
import * as fileio from "../../ffi/fileio.ts";
import { RangeCopy } from "./range-copy.ts";
import { DEFAULT_QUEUE_DEPTH, IO_MODES, type IoMode, MAX_QUEUE_DEPTH, uringIo } from "./io-mode.ts";
import type { UringIo } from "./uring-io.ts";

const Props = Type.Object({
  location: Type.String({ default: "", description: "Path of the file to write" }),
  append: Type.Boolean({ default: false, description: "Append instead of truncating" }),
  sync: Type.Boolean({ default: false, description: "Render buffers at their running time" }),
  fsync: Type.Boolean({ default: false, description: "fsync the file at EOS" }),
  queueDepth: Type.Integer({
    default: DEFAULT_QUEUE_DEPTH,
    minimum: 1,
    maximum: MAX_QUEUE_DEPTH,
    description: "Writes kept in flight before the pushing task waits (io_uring only)",
  }),
  ioMode: Type.Enum(IO_MODES, { default: "auto", description: "auto: io_uring when available, else pwrite; io-uring: require it; sync: pwrite/write only" }),
});
type P = Static<typeof Props>;

export class FileSink extends Sink<P> {
  static override meta: ElementMeta = {
    name: "filesink",
    category: "io",
    description: "Writes buffers to a file",
    pads: [template.sink("ANY")],
    properties: Props,
    scheduling: { affinity: "async", rtSafe: false },
    authority: "write access to the file named by location (given as an open fd when isolated)",
  };

  #fd = -1;
  #positioned = false;
  /** File offset of the next write. */
  #position = 0;
  #io: UringIo | null = null;
  // Writes in flight, one entry each; userData is the entry's index. The kernel's workers
  // complete writes in any order, so entries come from a free stack, not from a sequence.
  #free = new Int32Array(0);
  #top = 0;
  #bufs: (Buffer | null)[] = [];
  #offs = new Float64Array(0);
  #done = new Int32Array(0);
  #failed = false;
  #pumping = false;
  #eos: { pad: Pad; ev: Event } | null = null;
  /** Whether file-backed buffers may be copied in the kernel into this file (see the header). */
  #copyRanges = false;
  readonly #ranges = new RangeCopy({
    write: (buf, at) => this.#write(buf, at),
    fail: (why, debug) => {
      this.#failed = true;
      return this.error("resource", `could not write "${this.props.location}" (${why}): check free space and permissions`, debug);
    },
    refused: (why) => this.ctx?.bus.post({ type: "info", source: this.name, message: `copy_file_range refused (${why}): writing buffers from memory instead` }),
  });

  /** The engine for writes from memory, decided at the first such write (or at prepare with
   * io-mode=io-uring); null until then. */
  #engine: "io-uring" | "sync" | null = null;

  /** "io-uring" or "sync" while the file is open: the engine writes from memory use (asking
   * decides it, if no write has yet; the ring itself is still set up at the first write). */
  get ioEngine(): "io-uring" | "sync" | null {
    return this.#fd < 0 ? null : this.#chooseEngine();
  }

  /** Bytes the kernel copied file to file (copy_file_range) instead of writing them. */
  get kernelCopiedBytes(): number {
    return this.#ranges.copied;
  }

  /** Writes submitted and not completed yet. */
  get inFlight(): number {
    return this.#bufs.length - this.#top;
  }

  override prepare(): void {
    const p = this.props;
    if (!p.location) {
      throw new PropertyError(this.name, "location", `${this.name}: no file to write`, "set location=PATH");
    }
    this.#open(!p.append);
    this.#engine = null;
    if (p.ioMode !== "io-uring") return;
    // Asked for explicitly: fail now if it cannot be had.
    try {
      this.#chooseEngine();
      this.#startRing();
    } catch (err) {
      this.unprepare();
      throw err;
    }
  }

  /** Decides the engine for writes from memory once per prepare (see the header). */
  #chooseEngine(): "io-uring" | "sync" {
    return (this.#engine ??= uringIo().chooseEngine(this.props.ioMode as IoMode, this.#fd, this.ctx?.bus, this.name));
  }

  /** The ring for writes from memory, set up on first use; null when writing synchronously. */
  #startRing(): UringIo | null {
    if (this.#io !== null) return this.#io;
    if (this.#chooseEngine() !== "io-uring") return null;
    // One entry more than the queue depth: render() submits before it waits.
    const cap = this.props.queueDepth + 1;
    let io: UringIo;
    try {
      io = new (uringIo().UringIo)(cap);
    } catch (err) {
      // The probe passed but this ring was refused (a limit on locked memory, a sandbox
      // applied since): write synchronously rather than fail the stream, unless asked for.
      if (this.props.ioMode === "io-uring") throw err;
      this.#engine = "sync";
      this.ctx?.bus.post({ type: "info", source: this.name, message: `io_uring ring refused (${(err as Error).message}): writing with pwrite instead` });
      return null;
    }
    this.#bufs = new Array(cap).fill(null);
    this.#offs = new Float64Array(cap);
    this.#done = new Int32Array(cap);
    this.#free = new Int32Array(cap);
    for (let i = 0; i < cap; i++) this.#free[i] = cap - 1 - i;
    this.#top = cap;
    // Writes to one file only contend for its lock when several workers run them: one
    // worker writes while this thread reads (refused on kernels before 5.15: harmless).
    io.ring.setMaxWorkers(1, 0);
    this.#io = io;
    return io;
  }

  #open(truncate: boolean): void {
    const p = this.props;
    try {
      this.#fd = openFile(p.location, fileio.O.WRONLY | fileio.O.CREAT | (truncate ? fileio.O.TRUNC : 0), 0o666);
    } catch (err) {
      throw new Error(`${this.name}: cannot open "${p.location}" for writing: ${(err as Error).message}`);
    }
    const st = fileio.fstat(this.#fd);
    this.#positioned = st.isFile || st.isBlockDevice;
    this.#copyRanges = st.isFile;
    this.#position = truncate || !st.isFile ? 0 : st.size;
  }

  override start(): void {
    super.start();
    this.#failed = false;
    this.#eos = null;
  }

  render(buf: Buffer): FlowReturn {
    if (this.#failed) return Flow.ERROR;
    const n = buf.data.byteLength;
    if (n === 0) return Flow.OK;
    if (this.#fd < 0) this.#reopen();
    const at = this.#position;
    this.#position += n;
    if (this.#copyRanges && this.#ranges.accepts(buf)) return this.#ranges.add(this.#fd, buf, at);
    if (this.#ranges.busy) {
      const flow = this.#ranges.flush(this.#fd);
      if (flow !== Flow.OK) return flow;
    }
    return this.#write(buf, at);
  }

  /** Writes `buf`'s bytes at file offset `at` (or, for pipes and devices, next). */
  #write(buf: Buffer, at: number): FlowReturn {
    const io = this.#io ?? (this.#engine === "sync" ? null : this.#startRingOrFail());
    const n = buf.data.byteLength;
    if (io === null) return this.#failed ? Flow.ERROR : this.#writeSync(buf.data, at);
    // Keep our own reference until the kernel is done with the bytes; the base releases `buf`.
    const mine = buf.clone();
    const i = this.#free[--this.#top]!;
    this.#bufs[i] = mine;
    this.#offs[i] = at;
    this.#done[i] = 0;
    io.prepWrite(this.#fd, mine.data, n, at, i);
    io.ring.submit();
    this.#reap(io);
    // Queue full: wait in the kernel for the oldest write. A buffered write to a file takes
    // tens to hundreds of microseconds; waking through the event loop would cost more than that.
    while (this.inFlight >= this.props.queueDepth && !this.#failed) io.drain(1, this.#complete);
    // Writes still in flight hold their buffers, which upstream may be waiting for (a pool
    // slot): reap them from the event loop if no further buffer comes to do it.
    if (this.inFlight > 0) this.#arm(io);
    return this.#failed ? Flow.ERROR : Flow.OK;
  }

  /** #startRing for the data path: a failure to set up the ring fails the stream (io-mode=io-uring
   * only; auto falls back inside #startRing). */
  #startRingOrFail(): UringIo | null {
    try {
      return this.#startRing();
    } catch (err) {
      this.#failed = true;
      this.error("resource", `could not write "${this.props.location}": ${(err as Error).message}`);
      return null;
    }
  }

  #writeSync(d: Uint8Array, at: number): FlowReturn {
    try {
      let off = 0;
      while (off < d.length) {
        off += fileio.write(this.#fd, d, off, d.length - off, this.#positioned ? at + off : null);
      }
    } catch (err) {
      return this.error("resource", `could not write "${this.props.location}": ${(err as Error).message}; check free space and permissions`);
    }
    return Flow.OK;
  }

  /** Reaps every ready completion without waiting. */
  #reap(io: UringIo): void {
    const done = io.done;
    for (let n = io.ring.reap(done); n > 0; n = io.ring.reap(done)) {
      for (let k = 0; k < n; k++) this.#complete(done.userData(k), done.res(k));
    }
  }

  /** One write finished: release its buffer, or resubmit the rest of a short write. */
  readonly #complete = (i: number, res: number): void => {
    const buf = this.#bufs[i];
    if (buf === null || buf === undefined) return;
    if (res <= 0) {
      if (!this.#failed) {
        this.#failed = true;
        const why = res < 0 ? errnoName(-res) : "no bytes written";
        this.error("resource", `could not write "${this.props.location}" (${why}): check free space and permissions`, `write of ${buf.data.byteLength} bytes at offset ${this.#offs[i]} returned ${res}`);
      }
    } else if (this.#done[i]! + res < buf.data.byteLength && this.#io !== null) {
      // Short write (rare: a signal, a full quota): write the rest at the right offset.
      const doneBytes = (this.#done[i] = this.#done[i]! + res);
      const rest = buf.data.subarray(doneBytes);
      this.#io.prepWrite(this.#fd, rest, rest.byteLength, this.#offs[i]! + doneBytes, i);
      this.#io.ring.submit();
      return;
    }
    this.#bufs[i] = null;
    this.#free[this.#top++] = i;
    buf.release();
  };

  /** Watches for completions while writes are in flight (see #pump). */
  #arm(io: UringIo): void {
    if (this.#pumping) return;
    this.#pumping = true;
    io.onCompletion(this.#pump);
  }

  /** Runs on the event loop when completions arrived: reaps them (releasing their buffers),
   * and passes EOS on once nothing is in flight. Re-arms while writes remain. */
  readonly #pump = (): void => {
    this.#pumping = false;
    const io = this.#io;
    if (io === null) return;
    this.#reap(io);
    const e = this.#eos;
    if (e !== null && (this.inFlight === 0 || this.#failed)) {
      this.#eos = null;
      // After a write error the pipeline is failing: the error, not EOS, ends it.
      if (!this.#failed) super.event(e.pad, e.ev);
    }
    if (this.inFlight > 0 && !this.#failed) this.#arm(io);
  };

  override event(pad: Pad, ev: Event): boolean {
    // Buffers collected for a kernel copy go out before EOS (the copy may fall back to writes).
    if (ev.type === "eos" && this.#ranges.busy && this.#fd >= 0 && this.#ranges.flush(this.#fd) !== Flow.OK) return true;
    if (ev.type === "eos" && this.#io !== null && this.inFlight > 0) {
      // EOS goes on once the file holds every byte (handleEvent then closes it).
      this.#eos = { pad, ev };
      this.#arm(this.#io);
      return true;
    }
    return super.event(pad, ev);
  }

  protected override handleEvent(_pad: Pad, ev: Event): boolean {
    if (ev.type === "eos") {
      // Normally nothing is in flight here; a buffer held for sync=true may just have gone out.
      this.#drainAll();
      this.#close();
    }
    return true;
  }

  #reopen(): void {
    // Data after EOS (a new stream): carry on at the end of what was written.
    const pos = this.#position;
    this.#open(false);
    this.#position = pos;
  }

  #close(): void {
    if (this.#fd < 0) return;
    const fd = this.#fd;
    this.#fd = -1;
    try {
      if (this.props.fsync) fileio.fsync(fd);
    } finally {
      fileio.close(fd);
    }
  }

  override stop(): void {
    super.stop();
    this.#eos = null;
    // What was rendered is written, as on EOS, unless writing already failed.
    if (this.#failed || this.#fd < 0) this.#ranges.drop();
    else this.#ranges.flush(this.#fd);
    this.#drainAll();
  }

  /** Waits in the kernel until no write is in flight (a short write is resubmitted, so this
   * counts entries, not completions). */
  #drainAll(): void {
    const io = this.#io;
    if (io === null) return;
    while (this.inFlight > 0) io.drain(1, this.#complete);
  }

  override unprepare(): void {
    const io = this.#io;
    this.#ranges.close();
    this.#drainAll();
    for (let i = 0; i < this.#bufs.length; i++) {
      const b = this.#bufs[i];
      if (b === null || b === undefined) continue;
      this.#bufs[i] = null;
      this.#free[this.#top++] = i;
      b.release();
    }
    io?.close();
    this.#io = null;
    this.#bufs = [];
    this.#top = 0;
    this.#engine = null;
    this.#close();
  }
}

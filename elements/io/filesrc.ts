/**
 * filesrc: reads a file in blocks (GStreamer's filesrc). `location` names the file,
 * `blocksize` the bytes per buffer (by default 1 MiB when mapping and 256 KiB when reading, not
 * GStreamer's 4 KiB: see MAPPED_BLOCKSIZE and DEFAULT_BLOCKSIZE); the last buffer may be
 * shorter. Buffers carry their byte offset (`offset`, `offsetEnd`).
 *
 * Regular files are mapped, not read (`use-mmap=true`, the default): each buffer is a view of
 * the file mapped copy-on-write (src/memory/file-memory.ts), so making it copies nothing, and a
 * page comes in from the page cache only if something touches it. Every consumer sees the
 * file's bytes; one that writes into a buffer in place gets private copies of those pages (the
 * file never changes). filesink recognises buffers nobody wrote to and has the kernel copy them
 * file to file (copy_file_range, as `cp` does): `filesrc ! filesink` copies once, in the kernel,
 * instead of twice through user space, and the copy itself runs at cp's speed (bench/files.ts;
 * a whole `parallax launch` also pays its start-up). Why not read into pool buffers by default:
 * that costs a copy per byte even when nothing looks at the bytes, and measured 45–62% of cp. The price: if another process truncates the file while the
 * pipeline runs, an element that reads a buffer over the lost part gets SIGBUS, which kills the
 * process (ripgrep and GStreamer's former use-mmap carry the same warning); use-mmap=false
 * reads instead and ends the stream at the new end. Buffers cross into other processes
 * (ipcsink, isolation) and Worker partitions as copies, like any memory that is not a memfd slot.
 *
 * Reading (use-mmap=false, and pipes and devices always): buffers come from a memfd pool, so
 * they can cross into another process by reference (ipcsink) and be written out without a copy
 * (filesink). With io_uring (see uring-io.ts) the source keeps `queue-depth` reads in flight ahead of
 * the one it delivers, each into its own pool slot, and submits new reads in one system call
 * per batch; buffers are delivered in file order. Cached data completes inside the submit, so
 * nothing waits; a cold read blocks the source's task until its completion arrives (the event
 * loop keeps running). Without io_uring (or for pipes and devices) it reads synchronously with
 * pread/read, one block at a time.
 */
import { openFile } from "../../src/isolation/authority.ts";
import type { Buffer } from "../../src/buffer.ts";
import { type ElementMeta, template } from "../../src/graph/element.ts";
import { PropertyError, Type, type Static } from "../../src/graph/properties.ts";
import { type CreateResult, Source, WAIT } from "../../src/graph/source.ts";
import { Allocator, DEFAULT_POOL_SLOTS as MAX_POOL_SLOTS, MIN_POOL_SLOTS } from "../../src/runtime/allocator.ts";
import { MappedFile } from "../../src/memory/file-memory.ts";
import { Flow } from "../../src/flow.ts";
import { errnoName } from "../../ffi/errno.ts";
import * as fileio from "../../ffi/fileio.ts";
import { IO_MODES, type IoMode, MAX_QUEUE_DEPTH, uringIo } from "./io-mode.ts";
import type { UringIo } from "./uring-io.ts";

/**
 * Bytes per buffer by default. GStreamer's filesrc reads 4 KiB blocks; at that size a copy is
 * bound by system calls (a 512 MiB file is 131 072 reads and writes, ten times slower than
 * `cp`). 256 KiB blocks run at memory speed and still fit a core's L2 cache, so the bytes just
 * read are still cached when they are written out.
 */
export const DEFAULT_BLOCKSIZE = 256 * 1024;
/**
 * Bytes per buffer by default when mapping (use-mmap): a mapped buffer costs nothing per byte,
 * only per buffer, so fewer larger ones do better (a 1 GiB copy: 1024 buffers instead of 4096,
 * a few percent of cp's time in a fresh process).
 */
export const MAPPED_BLOCKSIZE = 1024 * 1024;
/** Reads kept in flight by default: cached reads complete at once, so more only spreads the
 * working set over more cache; cold reads of a disk overlap with two. */
export const DEFAULT_READ_AHEAD = 2;
/** The source's pool aims at this many bytes (a few blocks in flight on each side of a copy). */
export const POOL_BYTES = 4 * 1024 * 1024;
/** Regular files are mapped rather than read unless use-mmap=false (see the header). */
export const DEFAULT_USE_MMAP = true;
/** Marks a read whose completion has not been reaped yet. */
const PENDING = -0x7fffffff;

const Props = Type.Object({
  location: Type.String({ default: "", description: "Path of the file to read" }),
  blocksize: Type.Integer({
    default: 0,
    minimum: 0,
    maximum: 0x7fffffff,
    description: `Bytes per buffer (0 = automatic: ${MAPPED_BLOCKSIZE} when mapping, ${DEFAULT_BLOCKSIZE} when reading)`,
  }),
  numBuffers: Type.Integer({ default: -1, minimum: -1, description: "Stop after this many buffers (-1 = whole file)" }),
  queueDepth: Type.Integer({
    default: DEFAULT_READ_AHEAD,
    minimum: 1,
    maximum: MAX_QUEUE_DEPTH,
    description: "Reads kept in flight ahead of the buffer being delivered (io_uring only)",
  }),
  ioMode: Type.Enum(IO_MODES, {
    default: "auto",
    description: "How to read when not mapping (use-mmap=false, pipes, devices): auto: io_uring when available, else pread; io-uring: require it; sync: pread/read only",
  }),
  useMmap: Type.Boolean({
    default: DEFAULT_USE_MMAP,
    description:
      "Regular files: buffers are views of the file mapped copy-on-write (no copy; filesink copies them file to file in the kernel). " +
      "The file must not be truncated meanwhile: reading a mapped page past its new end kills the process (SIGBUS). false: read into pool buffers",
  }),
});
type P = Static<typeof Props>;

export class FileSrc extends Source<P> {
  static override meta: ElementMeta = {
    name: "filesrc",
    category: "io",
    description: "Reads a file in blocks",
    pads: [template.src("ANY")],
    properties: Props,
    scheduling: { affinity: "async", rtSafe: false },
    authority: "read access to the file named by location (given as an open fd when isolated)",
  };

  #fd = -1;
  #positioned = false;
  /** The mapped file (use-mmap on a regular file), which then owns #fd. */
  #file: MappedFile | null = null;
  /** The file's size as last seen (mapped mode). */
  #size = 0;
  /** Bytes per buffer, resolved at prepare (blocksize=0 picks by mode). */
  #blocksize = DEFAULT_BLOCKSIZE;
  #offset = 0;
  #count = 0;
  #alloc: Allocator | null = null;
  #io: UringIo | null = null;
  #eof = false;
  // Reads in flight, indexed by sequence number & #mask; userData is the sequence number.
  #issued = 0;
  #head = 0;
  #mask = 0;
  #bufs: (Buffer | null)[] = [];
  #offs = new Float64Array(0);
  #res = new Int32Array(0);

  /** "mmap" (mapped, not read), "io-uring" or "sync", once prepared. */
  get ioEngine(): "mmap" | "io-uring" | "sync" | null {
    return this.#fd < 0 ? null : this.#file !== null ? "mmap" : this.#io !== null ? "io-uring" : "sync";
  }

  override prepare(): void {
    const p = this.props;
    if (!p.location) {
      throw new PropertyError(this.name, "location", `${this.name}: no file to read`, "set location=PATH");
    }
    try {
      this.#fd = openFile(p.location, fileio.O.RDONLY);
    } catch (err) {
      throw new Error(`${this.name}: cannot open "${p.location}" for reading: ${(err as Error).message}`);
    }
    try {
      const st = fileio.fstat(this.#fd);
      this.#positioned = st.isFile || st.isBlockDevice;
      const mapped = p.useMmap && st.isFile;
      this.#blocksize = p.blocksize > 0 ? p.blocksize : mapped ? MAPPED_BLOCKSIZE : DEFAULT_BLOCKSIZE;
      if (mapped) {
        const fd = this.#fd;
        this.#fd = -1; // the MappedFile owns it from here, even if it throws
        this.#file = new MappedFile(fd);
        this.#fd = fd;
        return;
      }
      const engine = uringIo().chooseEngine(p.ioMode as IoMode, this.#fd, this.ctx?.bus, this.name);
      // Enough slots for the reads in flight, the buffer being delivered and what downstream
      // holds (a filesink's writes in flight), without pre-faulting more memory than that needs.
      const slots = Math.min(MAX_POOL_SLOTS, Math.max(MIN_POOL_SLOTS, p.queueDepth + 6, Math.floor(POOL_BYTES / this.#blocksize)));
      this.#alloc = new Allocator(this.#blocksize, this.name, slots);
      if (engine === "io-uring") {
        let cap = 1;
        while (cap < p.queueDepth) cap <<= 1;
        this.#mask = cap - 1;
        this.#bufs = new Array(cap).fill(null);
        this.#offs = new Float64Array(cap);
        this.#res = new Int32Array(cap);
        this.#io = new (uringIo().UringIo)(cap);
      }
    } catch (err) {
      this.unprepare();
      throw err;
    }
  }

  override start(): void {
    super.start();
    this.#file?.release();
    this.#size = 0;
    this.#offset = 0;
    this.#count = 0;
    this.#eof = false;
  }

  override unprepare(): void {
    this.#cancelReads();
    this.#io?.close();
    this.#io = null;
    // A mapped file owns the fd: it stays open while buffers over it are held downstream.
    if (this.#file !== null) this.#file.close();
    else if (this.#fd >= 0) fileio.close(this.#fd);
    this.#file = null;
    this.#fd = -1;
    this.#alloc?.close();
    this.#alloc = null;
  }

  create(): CreateResult {
    const p = this.props;
    if (p.numBuffers >= 0 && this.#count >= p.numBuffers) return null;
    if (this.#file !== null) return this.#createMapped(this.#file);
    return this.#io !== null ? this.#createUring(this.#io) : this.#createSync();
  }

  /** Mapped mode: the next block as a view of the file. No I/O; an mmap per window (1 GiB). */
  #createMapped(file: MappedFile): CreateResult {
    const off = this.#offset;
    let n = Math.min(this.#blocksize, this.#size - off);
    try {
      if (n <= 0) {
        // The end of the file as last seen: look at the size again, so a file that grows is
        // followed (as reads would) — one fstat at the start and one at the end.
        this.#size = file.size();
        n = Math.min(this.#blocksize, this.#size - off);
        if (n <= 0) return null;
      }
      return this.#deliver(file.slice(off, n, this.#size), n, off);
    } catch (err) {
      return this.error("resource", `could not map "${this.props.location}": ${(err as Error).message}; check the file is readable, or set use-mmap=false`);
    }
  }

  #createSync(): CreateResult {
    const p = this.props;
    const buf = this.#alloc!.acquire(this.#blocksize, this.task);
    if (buf === null) return WAIT;
    let n: number;
    try {
      n = fileio.read(this.#fd, buf.data, 0, this.#blocksize, this.#positioned ? this.#offset : null);
    } catch (err) {
      buf.release();
      return this.error("resource", `could not read "${p.location}": ${(err as Error).message}; check the file is readable`);
    }
    if (n === 0) {
      buf.release();
      return null;
    }
    return this.#deliver(buf, n, this.#offset);
  }

  #deliver(buf: Buffer, n: number, offset: number): Buffer {
    if (n < buf.data.byteLength) buf.data = buf.data.subarray(0, n);
    buf.offset = offset;
    buf.offsetEnd = offset + n;
    buf.sequence = this.#count++;
    this.#offset = offset + n;
    return buf;
  }

  #createUring(io: UringIo): CreateResult {
    this.#issue(io);
    this.#reap(io);
    if (this.#head === this.#issued) {
      if (this.#eof) return null;
      // Nothing in flight: the pool is exhausted. Block until a slot returns, then read.
      const buf = this.#alloc!.acquire(this.#blocksize, this.task);
      if (buf === null) return WAIT;
      this.#queueRead(io, buf);
      io.ring.submit();
      this.#reap(io);
    }
    const i = this.#head & this.#mask;
    const r = this.#res[i]!;
    if (r === PENDING) {
      const task = this.task!;
      task.block();
      io.onCompletion(() => task.unblock());
      return WAIT;
    }
    this.#head++;
    const buf = this.#bufs[i]!;
    this.#bufs[i] = null;
    if (r < 0) {
      buf.release();
      return this.error("resource", `could not read "${this.props.location}" (${errnoName(-r)}): check the file is readable`, `read at offset ${this.#offs[i]} returned ${r}`);
    }
    if (r === 0) {
      buf.release();
      this.#eof = true;
      return null;
    }
    // A short read of a regular file is its end: reads queued behind it will return 0.
    if (r < buf.data.byteLength) this.#eof = true;
    return this.#deliver(buf, r, this.#offs[i]!);
  }

  /** Queues reads for free pool slots up to the queue depth, then submits them in one call. */
  #issue(io: UringIo): void {
    const p = this.props;
    let queued = 0;
    while (!this.#eof && this.#issued - this.#head < p.queueDepth) {
      if (p.numBuffers >= 0 && this.#count + (this.#issued - this.#head) >= p.numBuffers) break;
      const buf = this.#alloc!.acquire(this.#blocksize, null);
      if (buf === null) break;
      this.#queueRead(io, buf);
      queued++;
    }
    if (queued > 0) io.ring.submit();
  }

  #queueRead(io: UringIo, buf: Buffer): void {
    const seq = this.#issued++;
    const i = seq & this.#mask;
    // Reads are issued back to back: the next offset follows the last one queued.
    const off = seq === this.#head ? this.#offset : this.#offs[(seq - 1) & this.#mask]! + this.#blocksize;
    this.#bufs[i] = buf;
    this.#offs[i] = off;
    this.#res[i] = PENDING;
    io.prepRead(this.#fd, buf.data, buf.data.byteLength, off, seq);
  }

  #reap(io: UringIo): void {
    const done = io.done;
    for (let n = io.ring.reap(done); n > 0; n = io.ring.reap(done)) {
      for (let k = 0; k < n; k++) this.#res[done.userData(k) & this.#mask] = done.res(k);
    }
  }

  /** Waits out reads still in flight (the kernel writes into their slots) and releases them. */
  #cancelReads(): void {
    const io = this.#io;
    if (io === null) return;
    let pending = 0;
    for (let s = this.#head; s < this.#issued; s++) if (this.#res[s & this.#mask] === PENDING) pending++;
    if (pending > 0) io.drain(pending, () => {});
    for (let s = this.#head; s < this.#issued; s++) {
      const i = s & this.#mask;
      this.#bufs[i]?.release();
      this.#bufs[i] = null;
    }
    this.#head = this.#issued = 0;
  }

  override stop(): void {
    super.stop();
    this.#cancelReads();
    this.#file?.release();
  }
}

export { Flow };

/**
 * Consumer: the receiving end of a Parallax ipc channel (see producer.ts for the other end).
 *
 *   const c = await Consumer.connect("/run/user/1000/cam.sock", { timeoutMs: 5000 });
 *   for (;;) {
 *     const item = c.receive();                 // Buffer | Event | Disconnected | null
 *     if (item === null) { await new Promise<void>((r) => c.onReadable(r)); continue; }
 *     if (item instanceof Buffer) { use(item.data); item.release(); }   // slot goes home
 *     else if (item.type === "disconnected") break;
 *     else handle(item);                       // caps, segment, eos, …
 *   }
 *   await c.close();
 *
 * Connecting. `connect` retries every `retryIntervalMs` until a producer listens at the path
 * (so a consumer may start first), says hello, and waits for the welcome that carries the ring
 * memfd, the two doorbell eventfds and the liveness socket — all within `timeoutMs` (-1: wait
 * for ever). While another consumer is being served the connection waits in the producer's
 * backlog and is welcomed when that one leaves. Aborting the signal rejects with the reason.
 *
 * Receiving. `receive()` is synchronous and never blocks: it reads the next descriptor from
 * the ring and returns a Buffer whose bytes are the producer's memory (mapped here once per
 * pool, so no copy), or an Event, in the producer's order. The caller owns the buffer; when its
 * last clone is released the handle goes back to the producer, which releases the slot. With
 * nothing to read it returns null; `onReadable(cb)` then arms the data doorbell and calls `cb`
 * once from the event loop when a descriptor arrives or the producer goes away. Worker threads
 * may block instead with `waitReadable(timeoutMs)` (a futex wait).
 *
 * Ending. When the producer goes (its liveness socket hangs up), whatever it had published is
 * still read in order; then `receive()` returns `{ type: "disconnected", reason }`: "closed"
 * if it said bye, "died" if it vanished, "error" if it broke the protocol. Buffers already
 * received stay valid (the memory is mapped here), even after close(): the mappings go when
 * the last received buffer is released (at once if none is held).
 */
import { Buffer } from "../buffer.ts";
import type { Event } from "../events.ts";
import { Arena } from "../memory/arena.ts";
import * as fdpass from "../../ffi/fdpass.ts";
import { ErrnoError } from "../../ffi/errno.ts";
import * as protocol from "./protocol.ts";
import { closeFd, DESC, DescriptorRing, Kind, Wake } from "./ring.ts";
import { type ImportedPool, RemoteSlotMemory } from "./shared-slot.ts";
import { FdWatch } from "./watch.ts";

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
export const DEFAULT_RETRY_INTERVAL_MS = 20;
/** How often a connected-but-not-welcomed consumer looks for the welcome. */
const WELCOME_POLL_MS = 2;

export interface ConsumerOptions {
  /** Shown to the producer. */
  name?: string;
  /** Give up connecting after this many ms (default 10 s; -1 = never). */
  timeoutMs?: number;
  retryIntervalMs?: number;
  signal?: AbortSignal;
}

export type Disconnected = { type: "disconnected"; reason: "closed" | "died" | "error"; detail?: string };
export type Received = Buffer | Event | Disconnected;

export interface ConsumerStats {
  buffers: number;
  events: number;
  pools: number;
  /** Buffers received and not yet released here. */
  held: number;
}

/** Thrown by connect() when the producer refuses us or the time runs out. */
export class ConnectError extends Error {
  override readonly name = "ConnectError";
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

export class Consumer {
  readonly path: string;
  readonly producerPid: number;
  readonly producerName: string;

  #sock: number;
  #ring: DescriptorRing;
  #liveness: number;
  #dataWatch: FdWatch;
  #liveWatch: FdWatch;
  #pools: (ImportedPool | undefined)[] = [];
  #memories: (RemoteSlotMemory | undefined)[] = [];
  #readable: (() => void)[] = [];
  #notifyQueued = false;
  #gone = false;
  #ended: Disconnected | null = null;
  #closed = false;
  #stats: ConsumerStats = { buffers: 0, events: 0, pools: 0, held: 0 };
  #unmapped = false;
  readonly #giveBack = (handle: number): void => {
    this.#stats.held--;
    if (!this.#closed) this.#ring.pushReturn(handle);
    else if (this.#stats.held === 0) this.#unmap();
  };

  private constructor(path: string, sock: number, welcome: protocol.Welcome, fds: number[]) {
    this.path = path;
    this.producerPid = welcome.pid;
    this.producerName = String(welcome.name);
    this.#sock = sock;
    const [ringFd, dataBell, spaceBell, liveness] = fds as [number, number, number, number];
    this.#liveness = liveness;
    try {
      this.#ring = DescriptorRing.open(ringFd);
    } catch (e) {
      for (const fd of [dataBell, spaceBell, liveness, sock]) closeFd(fd);
      throw e;
    }
    this.#ring.dataBell = dataBell;
    this.#ring.spaceBell = spaceBell;
    this.#dataWatch = new FdWatch(dataBell, () => this.#notify(), () => {});
    this.#liveWatch = new FdWatch(liveness, () => {}, () => {
      this.#gone = true;
      this.#notify();
    });
  }

  /**
   * Connects to the producer at `path`, retrying until it listens, and completes the
   * hand-shake. Rejects with ConnectError on refusal or timeout, or with the signal's reason
   * when aborted. The caller must close() the consumer.
   */
  static async connect(path: string, opts: ConsumerOptions = {}): Promise<Consumer> {
    const timeout = opts.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    const retry = opts.retryIntervalMs ?? DEFAULT_RETRY_INTERVAL_MS;
    const deadline = timeout < 0 ? Infinity : performance.now() + timeout;
    let lastError = "no producer is listening";
    for (;;) {
      if (opts.signal?.aborted) throw opts.signal.reason;
      let sock = -1;
      try {
        sock = fdpass.unixConnect(path);
      } catch (e) {
        if (!(e instanceof ErrnoError) || !["ENOENT", "ECONNREFUSED", "EAGAIN"].includes(e.code)) throw e;
        lastError = e.code === "ENOENT" ? `${path} does not exist` : `nobody accepts on ${path} (${e.code})`;
      }
      if (sock >= 0) {
        // Connected (perhaps only into the backlog): say hello, wait for the welcome.
        const r = await Consumer.#handshake(sock, path, deadline, timeout, opts);
        if (r !== null) return r;
        lastError = "the producer closed the connection before welcoming us";
      }
      if (performance.now() + retry > deadline) {
        throw new ConnectError(`${path}: no producer within ${timeout} ms (${lastError}); start the producer (ipcsink path=${path}) or raise the timeout`);
      }
      await sleep(retry, opts.signal);
    }
  }

  /**
   * Completes the hand-shake on an already connected SEQPACKET socket (the other end of a
   * socketpair whose first end a Producer.attach()ed). Takes ownership of `sock`. Rejects with
   * ConnectError if no welcome comes within `timeoutMs`.
   */
  static async attach(sock: number, opts: ConsumerOptions = {}): Promise<Consumer> {
    const timeout = opts.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    const r = await Consumer.#handshake(sock, "(attached socket)", timeout < 0 ? Infinity : performance.now() + timeout, timeout, opts);
    if (r === null) throw new ConnectError("the producer closed the attached socket before welcoming us");
    return r;
  }

  /** Sends hello and waits for the welcome. Takes `sock`: it is closed unless a Consumer is
   * returned. Null when the producer closed the connection first (worth retrying). */
  static async #handshake(sock: number, path: string, deadline: number, timeout: number, opts: ConsumerOptions): Promise<Consumer | null> {
    const hello: protocol.Hello = { type: "hello", version: protocol.PROTOCOL_VERSION, pid: process.pid, name: opts.name ?? `consumer-${process.pid}` };
    try {
      fdpass.setNonblocking(sock, true);
      protocol.send(sock, hello);
    } catch (e) {
      closeFd(sock);
      if (e instanceof ErrnoError && ["EPIPE", "ECONNRESET", "EAGAIN"].includes(e.code)) return null;
      throw e;
    }
    for (;;) {
      let r: ReturnType<typeof protocol.receive>;
      try {
        r = protocol.receive(sock);
      } catch (e) {
        closeFd(sock);
        throw e;
      }
      if (r !== null) {
        const msg = r.msg;
        if (msg !== null && msg.type === "welcome" && r.fds.length === 4) return new Consumer(path, sock, msg, r.fds);
        for (const fd of r.fds) closeFd(fd);
        closeFd(sock);
        if (msg !== null && msg.type === "refuse") throw new ConnectError(`${path}: the producer refused the connection: ${msg.reason}`);
        if (msg !== null) throw new ConnectError(`${path}: expected a welcome, got "${msg.type}"`);
        return null;
      }
      if (performance.now() > deadline) {
        closeFd(sock);
        throw new ConnectError(`${path}: connected, but the producer did not welcome us within ${timeout} ms (is it serving another consumer?)`);
      }
      try {
        await sleep(WELCOME_POLL_MS, opts.signal);
      } catch (e) {
        closeFd(sock);
        throw e;
      }
    }
  }

  get closed(): boolean {
    return this.#closed;
  }

  stats(): ConsumerStats {
    return { ...this.#stats };
  }

  /**
   * The next item, without waiting: a Buffer (the caller owns it), an Event, a Disconnected
   * record (final: returned again by every later call), or null when nothing is there yet.
   */
  receive(): Received | null {
    if (this.#ended !== null) return this.#ended;
    if (this.#closed) return (this.#ended = { type: "disconnected", reason: "closed", detail: "this consumer was closed" });
    const ring = this.#ring;
    const w = ring.words;
    for (;;) {
      const d = ring.peek();
      if (d < 0) return this.#gone ? this.#end() : null;
      const kind = w[d + (DESC.KIND >> 2)];
      if (kind === Kind.BUFFER) {
        const b = this.#buffer(d);
        ring.advance();
        if (b === null) return this.#fail("a buffer descriptor names a pool, slot, range or handle it may not");
        return b;
      }
      if (kind !== Kind.CONTROL) return this.#fail(`unknown descriptor kind ${kind}`);
      let r: ReturnType<typeof protocol.receive>;
      try {
        r = protocol.receive(this.#sock);
      } catch (e) {
        return this.#fail((e as Error).message);
      }
      ring.advance();
      if (r === null || r.msg === null) return this.#fail("a control descriptor arrived without its message");
      const msg = r.msg;
      if (msg.type === "pool") {
        const err = this.#importPool(msg.id, r.fds);
        if (err !== null) return this.#fail(err);
        continue;
      }
      for (const fd of r.fds) closeFd(fd);
      if (msg.type === "event") {
        try {
          const ev = protocol.decodeEvent(msg.event);
          this.#stats.events++;
          return ev;
        } catch (e) {
          return this.#fail((e as Error).message);
        }
      }
      if (msg.type !== "bye") return this.#fail(`unexpected "${msg.type}" message`);
    }
  }

  #buffer(d: number): Buffer | null {
    const w = this.#ring.words;
    const f = this.#ring.floats;
    const pool = this.#pools[w[d + (DESC.POOL >> 2)]!];
    if (pool === undefined) return null;
    const slot = w[d + (DESC.SLOT >> 2)]!;
    const offset = w[d + (DESC.OFFSET >> 2)]!;
    const length = w[d + (DESC.LENGTH >> 2)]!;
    const handle = w[d + (DESC.HANDLE >> 2)]!;
    const size = pool.arena.slotSize;
    if (!(slot >= 0 && slot < pool.views.length && offset >= 0 && length >= 0 && offset + length <= size)) return null;
    if (!(handle >= 0 && handle < this.#ring.returnCapacity)) return null;
    let mem = this.#memories[handle];
    if (mem === undefined) mem = this.#memories[handle] = new RemoteSlotMemory(handle, this.#giveBack);
    if (mem.refs !== 0) return null; // the producer lent a handle we still hold
    mem.refs = 1;
    mem.pool = pool;
    mem.slot = slot;
    const view = pool.views[slot]!;
    const b = new Buffer(offset === 0 && length === size ? view : view.subarray(offset, offset + length), mem);
    const d8 = d >> 1;
    b.flags = w[d + (DESC.FLAGS >> 2)]!;
    b.streamId = w[d + (DESC.STREAM_ID >> 2)]!;
    b.pts = f[d8 + (DESC.PTS >> 3)]!;
    b.dts = f[d8 + (DESC.DTS >> 3)]!;
    b.duration = f[d8 + (DESC.DURATION >> 3)]!;
    b.offset = f[d8 + (DESC.MEDIA_OFFSET >> 3)]!;
    b.offsetEnd = f[d8 + (DESC.MEDIA_OFFSET_END >> 3)]!;
    b.sequence = f[d8 + (DESC.SEQUENCE >> 3)]!;
    this.#stats.buffers++;
    this.#stats.held++;
    return b;
  }

  #importPool(id: number, fds: number[]): string | null {
    if (fds.length !== 1 || !(id >= 0 && id < 1 << 16) || this.#pools[id] !== undefined) {
      for (const fd of fds) closeFd(fd);
      return `a pool announcement (id ${id}) with ${fds.length} fds`;
    }
    let arena: Arena;
    try {
      arena = Arena.open(fds[0]!);
    } catch (e) {
      return `the producer's pool ${id} cannot be mapped: ${(e as Error).message}`;
    }
    const views: Uint8Array[] = [];
    for (let s = 0; s < arena.slotCount; s++) views.push(arena.slotView(s));
    this.#pools[id] = { id, arena, views };
    this.#stats.pools++;
    return null;
  }

  /** The producer is gone and everything it published has been read. */
  #end(): Disconnected {
    let reason: Disconnected["reason"] = "died";
    try {
      for (let r = protocol.receive(this.#sock); r !== null && r.msg !== null; r = protocol.receive(this.#sock)) {
        for (const fd of r.fds) closeFd(fd);
        if (r.msg.type === "bye") reason = "closed";
      }
    } catch {
      // a broken last message changes nothing: it is gone
    }
    return (this.#ended = { type: "disconnected", reason, detail: reason === "died" ? "the producer went away without closing" : undefined });
  }

  #fail(detail: string): Disconnected {
    this.#ended = { type: "disconnected", reason: "error", detail: `ipc protocol error from ${this.path}: ${detail}` };
    return this.#ended;
  }

  /**
   * Calls `cb` once, from the event loop, when receive() has something: a descriptor arrived,
   * or the producer went away. At once (from a microtask) if that is already so.
   */
  onReadable(cb: () => void): void {
    if (this.#closed) return;
    this.#readable.push(cb);
    if (this.#ended !== null || this.#gone || !this.#ring.armData(Wake.EVENTFD)) this.#notify();
  }

  /** Blocks the thread until a descriptor arrives or `timeoutMs` passes (for Workers that own
   * the consumer). Returns whether one is there. */
  waitReadable(timeoutMs: number): boolean {
    if (this.#closed || this.#ended !== null) return true;
    return this.#ring.waitData(timeoutMs);
  }

  #notify(): void {
    if (this.#notifyQueued || this.#readable.length === 0) return;
    this.#notifyQueued = true;
    queueMicrotask(() => {
      this.#notifyQueued = false;
      const r = this.#readable.splice(0);
      for (const cb of r) cb();
    });
  }

  /**
   * Says bye (so the producer sees "closed", not "died") and closes the connection's fds. The
   * ring and the pools are unmapped now, or — if buffers received here are still held — when
   * the last of them is released (they stay readable until then). Idempotent. Resolves when the
   * fd watchers have stopped.
   */
  close(): Promise<void> {
    if (this.#closed) return Promise.all([this.#dataWatch.done, this.#liveWatch.done]).then(() => {});
    this.#closed = true;
    try {
      protocol.send(this.#sock, { type: "bye" });
    } catch {
      // the producer is gone already
    }
    this.#readable.length = 0;
    const stopped = Promise.all([this.#dataWatch.stop(), this.#liveWatch.stop()]);
    this.#sock = closeFd(this.#sock);
    this.#liveness = closeFd(this.#liveness);
    this.#ring.dataBell = closeFd(this.#ring.dataBell);
    this.#ring.spaceBell = closeFd(this.#ring.spaceBell);
    if (this.#stats.held === 0) this.#unmap();
    return stopped.then(() => {});
  }

  #unmap(): void {
    if (this.#unmapped) return;
    this.#unmapped = true;
    this.#ring.close();
    for (const p of this.#pools) p?.arena.close();
    this.#pools = [];
  }
}

/**
 * Producer: the sending end of a Parallax ipc channel. It listens on a Unix socket path, serves
 * one consumer at a time, and hands it buffers by reference through a descriptor ring (see
 * ring.ts), events through the control socket (protocol.ts), and takes the references back.
 *
 *   const p = Producer.listen("/run/user/1000/cam.sock");
 *   p.onConnect = (c) => …;                  // a consumer finished its hand-shake
 *   const r = p.trySend(buffer);             // "ok" | "full" | "disconnected"
 *   if (r !== "ok") p.onWritable(retry);     // the caller still owns `buffer`
 *   await p.close();                          // removes the socket file
 *
 * `Producer.attach(fd)` serves one consumer on an already connected socket instead (one end
 * of `fdpass.socketpair()`, the other end handed to a child process; see Consumer.attach).
 *
 * Sending. A buffer whose bytes are in a memfd arena slot (every pooled buffer in Parallax; see
 * shared-slot.ts) goes by reference: the first time a connection meets an arena, its memfd is
 * passed once (a `pool` message), then each buffer costs one 128-byte descriptor. Any other
 * buffer is first copied, once, into the producer's own memfd pool (`stats().copied` counts
 * those). The producer parks the buffer it sent in its ledger until the consumer returns the
 * handle, so a pool slot goes back to its pool when the consumer drops the buffer — or when the
 * consumer disconnects or dies, whatever it still held (per-peer accounting, see ledger.ts).
 *
 * Backpressure, tokio style: `trySend`/`trySendEvent` never block and never take the item
 * unless they return "ok"; on "full" (ring, ledger, socket or copy pool exhausted) or
 * "disconnected" the caller keeps it and may wait with `onWritable(cb)`, called once from the
 * event loop when sending may succeed again (the consumer made progress, a consumer connected).
 *
 * Sticky events: the last stream-start, caps and segment sent (or `remember`ed) are replayed
 * to every new consumer before anything else, so a consumer that joins mid-stream — or
 * replaces one that died — knows the format. The first buffer a replacement consumer sees
 * carries BufferFlag.DISCONT.
 *
 * Connections. Set-up is the only place anything polls: the listening socket is checked for a
 * pending connection every `acceptIntervalMs` while no consumer is connected (Bun cannot wait
 * on a listening socket), and a new connection must say hello within `handshakeTimeoutMs`.
 * While one consumer is served, others wait in the socket's backlog. The consumer's end of
 * the connection is watched (FdWatch): its end of stream means it closed (after a `bye`) or
 * died (without one); either way everything it held is reclaimed and the producer accepts the
 * next consumer.
 *
 * Threads and abort: everything runs on the event loop that created the producer. `close()`
 * is idempotent; it says bye, reclaims, unlinks the path and resolves when the watchers have
 * stopped.
 */
import { lstatSync, unlinkSync } from "node:fs";
import { type Buffer, BufferFlag } from "../buffer.ts";
import type { Event } from "../events.ts";
import { BufferPool } from "../memory/pool.ts";
import type { Arena } from "../memory/arena.ts";
import { poolSlotCount } from "../runtime/allocator.ts";
import * as fdpass from "../../ffi/fdpass.ts";
import { ErrnoError, isErrno } from "../../ffi/errno.ts";
import { Ledger } from "./ledger.ts";
import * as protocol from "./protocol.ts";
import {
  closeFd,
  DEFAULT_RETURN_CAPACITY,
  DEFAULT_RING_CAPACITY,
  DESC,
  DescriptorRing,
  Kind,
  Wake,
} from "./ring.ts";
import { sharedSlot } from "./shared-slot.ts";
import { FdWatch } from "./watch.ts";

export const DEFAULT_ACCEPT_INTERVAL_MS = 5;
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 2000;
/** Copy-pool slots are a multiple of this (so a slightly larger buffer reuses the pool). */
const COPY_SLOT_ALIGN = 4096;

export interface ProducerOptions {
  /** Shown to consumers and in /proc/<pid>/maps. */
  name?: string;
  /** Descriptors in flight (power of two, default 256). */
  capacity?: number;
  /** Most buffers lent at once (power of two, default 1024). */
  returnCapacity?: number;
  acceptIntervalMs?: number;
  handshakeTimeoutMs?: number;
}

export type SendResult = "ok" | "full" | "disconnected";

export interface ConnectInfo {
  pid: number;
  name: string;
}

export interface DisconnectInfo {
  pid: number;
  /** "closed": the consumer said bye; "died": it vanished; "error": it broke the protocol. */
  reason: "closed" | "died" | "error";
  detail?: string;
  /** References it still held (or had not read yet), released back to their pools. */
  reclaimed: number;
  /** Descriptors it never read. */
  unread: number;
}

export interface ProducerStats {
  connections: number;
  /** Buffers sent (by reference or copied). */
  sent: number;
  byReference: number;
  /** Buffers copied into the producer's pool because they were not in shareable memory. */
  copied: number;
  copiedBytes: number;
  events: number;
  /** Buffers the current consumer holds (or has not read yet). */
  lent: number;
  /** References released because a consumer went away holding them. */
  reclaimed: number;
}

class Connection {
  readonly ledger: Ledger;
  readonly pools = new Map<Arena, number>();
  watch: FdWatch | null = null;
  spaceWatch: FdWatch | null = null;
  readonly frames = new protocol.FrameReader();
  bye = false;
  armed = false;
  discont: boolean;

  constructor(
    readonly sock: number,
    readonly ring: DescriptorRing,
    readonly liveness: number,
    readonly pid: number,
    readonly name: string,
    discont: boolean,
  ) {
    this.ledger = new Ledger(ring.returnCapacity);
    this.discont = discont;
  }
}

export class Producer {
  readonly path: string;
  readonly name: string;
  /** Called when a consumer finished the hand-shake. */
  onConnect: ((info: ConnectInfo) => void) | null = null;
  /** Called when the consumer went away (after its references were reclaimed). */
  onDisconnect: ((info: DisconnectInfo) => void) | null = null;

  readonly #opts: Required<Omit<ProducerOptions, "name">>;
  #listenFd: number;
  #conn: Connection | null = null;
  #pending: { fd: number; deadline: number }[] = [];
  #timer: ReturnType<typeof setTimeout> | null = null;
  #writable: (() => void)[] = [];
  #notifyQueued = false;
  /** A "full" was returned although the consumer had just made progress: the next
   * onWritable() is notified at once (see #full). */
  #writableOwed = false;
  #sticky = new Map<string, Event>();
  #copyPool: BufferPool | null = null;
  #oldCopyPools: BufferPool[] = [];
  #copyWaiting = false;
  #served = 0;
  #closed = false;
  #stats: ProducerStats = { connections: 0, sent: 0, byReference: 0, copied: 0, copiedBytes: 0, events: 0, lent: 0, reclaimed: 0 };
  #watchers: Promise<void>[] = [];

  private constructor(path: string, fd: number, opts: ProducerOptions) {
    this.path = path;
    this.#listenFd = fd;
    this.name = opts.name ?? `producer-${process.pid}`;
    this.#opts = {
      capacity: opts.capacity ?? DEFAULT_RING_CAPACITY,
      returnCapacity: opts.returnCapacity ?? DEFAULT_RETURN_CAPACITY,
      acceptIntervalMs: opts.acceptIntervalMs ?? DEFAULT_ACCEPT_INTERVAL_MS,
      handshakeTimeoutMs: opts.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS,
    };
  }

  /**
   * Listens on `path` (a socket file it creates; a stale one left by a dead producer is
   * replaced). Throws if another producer is listening there, or the path is some other file.
   * The caller must close() the producer, which removes the socket file.
   */
  static listen(path: string, opts: ProducerOptions = {}): Producer {
    let st: ReturnType<typeof lstatSync> | null = null;
    try {
      st = lstatSync(path);
    } catch {
      // does not exist: fine
    }
    if (st !== null) {
      if (!st.isSocket()) throw new Error(`${path} exists and is not a socket: choose another path (it is not removed)`);
      let live = false;
      try {
        closeFd(fdpass.unixConnect(path));
        live = true;
      } catch {
        // ECONNREFUSED: nobody listens, a stale socket from a producer that died
      }
      if (live) throw new Error(`another producer is listening on ${path}: stop it or choose another path`);
      unlinkSync(path);
    }
    const fd = fdpass.unixListen(path);
    try {
      fdpass.setNonblocking(fd, true);
    } catch (e) {
      closeFd(fd);
      throw e;
    }
    const p = new Producer(path, fd, opts);
    p.#schedule();
    return p;
  }

  /**
   * Serves exactly one consumer on an already connected SEQPACKET socket (one end of a
   * `fdpass.socketpair()`, the other end given to a child process, say) instead of a path.
   * Takes ownership of `sock`. The hand-shake is the same; when that consumer goes, no other
   * can connect. `path` is "".
   */
  static attach(sock: number, opts: ProducerOptions = {}): Producer {
    try {
      fdpass.setNonblocking(sock, true);
    } catch (e) {
      closeFd(sock);
      throw e;
    }
    const p = new Producer("", -1, opts);
    p.#pending.push({ fd: sock, deadline: performance.now() + p.#opts.handshakeTimeoutMs });
    p.#schedule();
    return p;
  }

  get connected(): boolean {
    return this.#conn !== null;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The connected consumer's pid, or null. */
  get consumerPid(): number | null {
    return this.#conn?.pid ?? null;
  }

  stats(): ProducerStats {
    return { ...this.#stats, lent: this.#conn?.ledger.size ?? 0 };
  }

  // ---- sending (event loop, synchronous, never blocks) -----------------------------------

  /**
   * Sends a buffer. On "ok" the producer took it (it releases it once the consumer is done);
   * on "full" or "disconnected" the caller still owns it. O(1), no allocation on the by-
   * reference path.
   */
  trySend(buf: Buffer): SendResult {
    const c = this.#conn;
    if (c === null) return "disconnected";
    this.#reclaim(c);
    const ring = c.ring;
    const head = ring.consumedCount();
    if (ring.space() < 2 || c.ledger.full) return this.#full(c, head);
    let out = buf;
    let ref = sharedSlot(buf);
    let copied = false;
    if (ref === null) {
      const copy = this.#copy(buf);
      if (copy === null) return "full";
      out = copy;
      ref = sharedSlot(copy)!;
      copied = true;
    }
    const slot = ref.slot;
    const offset = ref.offset;
    const length = ref.length;
    let pool = c.pools.get(ref.arena);
    if (pool === undefined) {
      pool = this.#announce(c, ref.arena);
      if (pool < 0) {
        if (copied) out.release();
        return pool === -1 ? this.#full(c, head) : "disconnected";
      }
    }
    const handle = c.ledger.lend(out);
    const w = ring.words;
    const f = ring.floats;
    const d = ring.nextSlot();
    const d8 = d >> 1;
    w[d + (DESC.KIND >> 2)] = Kind.BUFFER;
    w[d + (DESC.POOL >> 2)] = pool;
    w[d + (DESC.SLOT >> 2)] = slot;
    w[d + (DESC.OFFSET >> 2)] = offset;
    w[d + (DESC.LENGTH >> 2)] = length;
    w[d + (DESC.HANDLE >> 2)] = handle;
    let flags = buf.flags;
    if (c.discont) {
      flags |= BufferFlag.DISCONT;
      c.discont = false;
    }
    w[d + (DESC.FLAGS >> 2)] = flags;
    w[d + (DESC.STREAM_ID >> 2)] = buf.streamId;
    f[d8 + (DESC.PTS >> 3)] = buf.pts;
    f[d8 + (DESC.DTS >> 3)] = buf.dts;
    f[d8 + (DESC.DURATION >> 3)] = buf.duration;
    f[d8 + (DESC.MEDIA_OFFSET >> 3)] = buf.offset;
    f[d8 + (DESC.MEDIA_OFFSET_END >> 3)] = buf.offsetEnd;
    f[d8 + (DESC.SEQUENCE >> 3)] = buf.sequence;
    ring.publish();
    if (copied) {
      buf.release();
      this.#stats.copied++;
      this.#stats.copiedBytes += length;
    } else {
      this.#stats.byReference++;
    }
    this.#stats.sent++;
    if (!c.armed) this.#armReturns(c);
    return "ok";
  }

  /**
   * Sends an in-band event, in order with the buffers around it. Same contract as trySend.
   * Stream-start, caps and segment are remembered for consumers that connect later.
   */
  trySendEvent(ev: Event): SendResult {
    const c = this.#conn;
    if (c === null) return "disconnected";
    const head = c.ring.consumedCount();
    if (c.ring.space() < 1) return this.#full(c, head);
    const r = this.#sendControl(c, { type: "event", event: protocol.encodeEvent(ev) }, []);
    if (r !== "ok") return r === "full" ? this.#full(c, head) : r;
    this.remember(ev);
    this.#stats.events++;
    return "ok";
  }

  /** Records a sticky event (stream-start, caps, segment) to replay to the next consumer,
   * without sending it now (for events that arrive while nobody is connected). */
  remember(ev: Event): void {
    if (ev.type === "stream-start" || ev.type === "caps" || ev.type === "segment") this.#sticky.set(ev.type, ev);
  }

  /**
   * Calls `cb` once, from a microtask, when a send may succeed again: the consumer consumed a
   * descriptor or returned a buffer, a consumer connected, or a copy slot came back. Dropped
   * by close().
   */
  onWritable(cb: () => void): void {
    if (this.#closed) return;
    this.#writable.push(cb);
    if (this.#writableOwed) this.#notifyWritable();
  }

  /** Disconnects the current consumer (it sees its producer go away), reclaims what it held
   * and waits for the next one. */
  dropConsumer(): void {
    const c = this.#conn;
    if (c !== null) this.#disconnect(c, "closed", "dropped by the producer");
  }

  // ---- internals ------------------------------------------------------------------------

  #full(c: Connection, headSeen: number): SendResult {
    if (c.ring.armSpace(Wake.EVENTFD, headSeen)) {
      c.armed = true;
      return "full";
    }
    // The consumer moved since headSeen, so the caller should retry rather than wait. armSpace
    // has disarmed the wake word, and with it any earlier arming (#armReturns) whose ring the
    // consumer had not made yet: nothing is armed now, so say so, or no later send re-arms and
    // returns are never reclaimed. And the caller registers onWritable() only after this
    // returns "full": owe it the notification, or it waits for a wake that never comes.
    c.armed = false;
    this.#writableOwed = true;
    this.#notifyWritable();
    return "full";
  }

  /** Keeps a wake armed while buffers are lent, so returns are reclaimed even when nothing is
   * being sent (an upstream source waiting for its pool). */
  #armReturns(c: Connection): void {
    for (let i = 0; i < 8; i++) {
      if (c.ring.armSpace(Wake.EVENTFD, c.ring.consumedCount())) {
        c.armed = true;
        return;
      }
      // Returns arrived meanwhile: take them, and try again.
      this.#reclaim(c);
      this.#notifyWritable();
      if (c.ledger.size === 0) return;
    }
    // A consumer returning as fast as we look: look again on the next turn of the loop.
    setImmediate(() => this.#progress(c));
  }

  /** The consumer rang the space doorbell: take returns, tell senders, re-arm if needed. */
  #progress(c: Connection): void {
    if (this.#conn !== c) return;
    c.armed = false;
    this.#reclaim(c);
    this.#notifyWritable();
    if (c.ledger.size > 0) this.#armReturns(c);
  }

  #reclaim(c: Connection): void {
    const ring = c.ring;
    for (let h = ring.takeReturn(); h >= 0; h = ring.takeReturn()) {
      const b = c.ledger.take(h);
      if (b !== null) b.release();
    }
  }

  #notifyWritable(): void {
    if (this.#writable.length === 0) return;
    this.#writableOwed = false; // the queued notification reaches every waiter, later ones too
    if (this.#notifyQueued) return;
    this.#notifyQueued = true;
    queueMicrotask(() => {
      this.#notifyQueued = false;
      const w = this.#writable.splice(0);
      for (const cb of w) cb();
    });
  }

  /** Copies a buffer that is not in shareable memory into the producer's pool. Null when the
   * pool is exhausted (a writable notification follows when a slot returns). */
  #copy(buf: Buffer): Buffer | null {
    const size = buf.data.byteLength;
    let pool = this.#copyPool;
    if (pool === null || pool.slotSize < size) {
      if (pool !== null) this.#oldCopyPools.push(pool);
      const slotSize = Math.max(COPY_SLOT_ALIGN, Math.ceil(size / COPY_SLOT_ALIGN) * COPY_SLOT_ALIGN);
      pool = this.#copyPool = BufferPool.create({ slotSize, slotCount: poolSlotCount(slotSize), name: `parallax-ipc-copy:${this.name}` });
    }
    const copy = pool.acquire(size);
    if (copy === null) {
      if (!this.#copyWaiting) {
        this.#copyWaiting = true;
        pool.onAvailable(() => {
          this.#copyWaiting = false;
          this.#notifyWritable();
        });
      }
      return null;
    }
    copy.data.set(buf.data);
    return copy;
  }

  /** Passes an arena's memfd to the consumer. Returns the pool id, -1 if the socket is full,
   * -2 if the consumer is gone. */
  #announce(c: Connection, arena: Arena): number {
    const id = c.pools.size;
    const r = this.#sendControl(c, { type: "pool", id }, [arena.segment.fd]);
    if (r !== "ok") return r === "full" ? -1 : -2;
    c.pools.set(arena, id);
    return id;
  }

  /** Sends one control message and publishes its CONTROL descriptor (the caller checked that
   * the ring has room). */
  #sendControl(c: Connection, msg: protocol.ControlMessage, fds: number[]): SendResult {
    try {
      if (!protocol.send(c.sock, msg, fds)) return "full";
    } catch (e) {
      if (e instanceof ErrnoError) {
        this.#disconnect(c, c.bye ? "closed" : "died", e.message);
        return "disconnected";
      }
      throw e;
    }
    const d = c.ring.nextSlot();
    c.ring.words[d + (DESC.KIND >> 2)] = Kind.CONTROL;
    c.ring.publish();
    return "ok";
  }

  #schedule(): void {
    if (this.#closed || this.#timer !== null) return;
    this.#timer = setTimeout(this.#tick, this.#opts.acceptIntervalMs);
  }

  /** While no consumer is connected: accept connections and finish a hand-shake. */
  readonly #tick = (): void => {
    this.#timer = null;
    if (this.#closed || this.#conn !== null) return;
    try {
      for (let fd = this.#listenFd < 0 ? null : fdpass.accept(this.#listenFd); fd !== null; fd = fdpass.accept(this.#listenFd)) {
        fdpass.setNonblocking(fd, true);
        this.#pending.push({ fd, deadline: performance.now() + this.#opts.handshakeTimeoutMs });
      }
    } catch {
      // EMFILE and friends: try again on the next tick
    }
    const now = performance.now();
    for (let i = 0; i < this.#pending.length && this.#conn === null; i++) {
      const p = this.#pending[i]!;
      let r: ReturnType<typeof protocol.receive>;
      try {
        r = protocol.receive(p.fd);
      } catch {
        r = { msg: null, fds: [] };
      }
      if (r === null) {
        if (now < p.deadline) continue;
        r = { msg: null, fds: [] };
      }
      for (const fd of r.fds) closeFd(fd);
      this.#pending.splice(i--, 1);
      const msg = r.msg;
      if (msg === null || msg.type !== "hello") {
        closeFd(p.fd);
        continue;
      }
      if (msg.version !== protocol.PROTOCOL_VERSION) {
        try {
          protocol.send(p.fd, { type: "refuse", reason: `producer speaks ipc protocol ${protocol.PROTOCOL_VERSION}, consumer ${msg.version}: run the same Parallax version on both sides` });
        } catch {
          // it left already
        }
        closeFd(p.fd);
        continue;
      }
      this.#establish(p.fd, msg);
    }
    if (this.#conn !== null) {
      // Latecomers wait in the backlog (and retry) until this consumer is gone.
      for (const p of this.#pending.splice(0)) closeFd(p.fd);
    } else if (this.#listenFd >= 0 || this.#pending.length > 0) {
      this.#schedule();
    }
  };

  #establish(sock: number, hello: protocol.Hello): void {
    let ring: DescriptorRing | null = null;
    let live = [-1, -1];
    try {
      ring = DescriptorRing.create({ capacity: this.#opts.capacity, returnCapacity: this.#opts.returnCapacity }, `parallax-ipc-ring:${this.name}`);
      ring.dataBell = fdpass.eventfd(0, fdpass.Efd.NONBLOCK);
      ring.spaceBell = fdpass.eventfd(0, fdpass.Efd.NONBLOCK);
      live = fdpass.socketpair();
      const welcome: protocol.Welcome = {
        type: "welcome",
        version: protocol.PROTOCOL_VERSION,
        pid: process.pid,
        name: this.name,
        capacity: ring.capacity,
        returnCapacity: ring.returnCapacity,
      };
      if (!protocol.send(sock, welcome, [ring.segment.fd, ring.dataBell, ring.spaceBell, live[1]!])) throw new Error("the consumer's socket is full");
    } catch {
      if (ring !== null) {
        closeFd(ring.dataBell);
        closeFd(ring.spaceBell);
        ring.close();
      }
      closeFd(live[0]!);
      closeFd(live[1]!);
      closeFd(sock);
      return;
    }
    live[1] = closeFd(live[1]!); // the consumer holds that end now
    const c = new Connection(sock, ring, live[0]!, hello.pid, String(hello.name), this.#served > 0);
    this.#conn = c;
    this.#served++;
    this.#stats.connections++;
    c.watch = new FdWatch(
      sock,
      (bytes) => {
        try {
          for (const m of c.frames.push(bytes)) if (m.type === "bye") c.bye = true;
        } catch (e) {
          this.#disconnect(c, "error", (e as Error).message);
        }
      },
      (err) => this.#disconnect(c, c.bye ? "closed" : "died", err ? String(err) : undefined),
    );
    c.spaceWatch = new FdWatch(ring.spaceBell, () => this.#progress(c), () => {});
    // A consumer that joins mid-stream learns the format first.
    for (const t of ["stream-start", "caps", "segment"]) {
      const ev = this.#sticky.get(t);
      if (ev !== undefined) this.#sendControl(c, { type: "event", event: protocol.encodeEvent(ev) }, []);
    }
    this.onConnect?.({ pid: c.pid, name: c.name });
    this.#notifyWritable();
  }

  #disconnect(c: Connection, reason: DisconnectInfo["reason"], detail?: string): void {
    if (this.#conn !== c) return;
    this.#conn = null;
    if (c.watch) this.#watchers.push(c.watch.stop());
    if (c.spaceWatch) this.#watchers.push(c.spaceWatch.stop());
    this.#reclaim(c); // what it gave back before going
    const unread = c.ring.capacity - c.ring.space();
    const reclaimed = c.ledger.releaseAll();
    this.#stats.reclaimed += reclaimed;
    closeFd(c.sock);
    closeFd(c.liveness);
    closeFd(c.ring.dataBell);
    closeFd(c.ring.spaceBell);
    c.ring.close();
    this.onDisconnect?.({ pid: c.pid, reason, detail, reclaimed, unread });
    this.#notifyWritable();
    if (this.#listenFd >= 0) this.#schedule();
  }

  /**
   * Says bye to the consumer, reclaims what it held, stops listening and removes the socket
   * file. Idempotent. Resolves when the fd watchers have stopped.
   */
  close(): Promise<void> {
    if (this.#closed) return Promise.all(this.#watchers).then(() => {});
    const c = this.#conn;
    if (c !== null) {
      try {
        protocol.send(c.sock, { type: "bye" });
      } catch {
        // it is gone already
      }
      this.#disconnect(c, "closed", "the producer closed");
    }
    this.#closed = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    for (const p of this.#pending.splice(0)) closeFd(p.fd);
    if (this.#listenFd >= 0) {
      this.#listenFd = closeFd(this.#listenFd);
      try {
        unlinkSync(this.path);
      } catch (e) {
        if (!isErrno(e, "ENOENT") && (e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
      }
    }
    this.#writable.length = 0;
    for (const p of [this.#copyPool, ...this.#oldCopyPools]) if (p !== null) this.#watchers.push(p.close());
    this.#copyPool = null;
    this.#oldCopyPools = [];
    return Promise.all(this.#watchers).then(() => {});
  }
}

/**
 * Boundary elements: the two ends of a link the executor inserted where the user's graph
 * crosses from one process to another. The user never sees them: `a ! b` with `b` isolated
 * becomes `a ! BoundarySink` in one process and `BoundarySrc ! b` in the other.
 *
 * Data path (per buffer, no await, no system call while both sides keep up):
 *   BoundarySink.chain  — the buffer's bytes are in a memfd arena slot (a pooled buffer, or one
 *     that itself arrived over a link): it goes by reference. The first time the link meets an
 *     arena, its memfd is passed once on the link socket (a `pool` message). Anything else is
 *     copied once into the sink's own pool. The buffer is parked in a Ledger under a handle
 *     (src/ipc/ledger.ts) and a 128-byte descriptor is published in the ring (src/ipc/ring.ts).
 *   BoundarySrc's task — reads the descriptor, checks it (the other end may be compromised:
 *     pool announced, slot and byte range inside it, handle not in use), wraps the slot view in
 *     a Buffer whose Memory (RemoteSlotMemory) returns the handle through the ring's return
 *     ring when the last holder here releases it, and pushes it downstream.
 *   Events travel as `event` messages on the socket, each marked by a CONTROL descriptor, so
 *   they stay in order with the buffers. Downstream flow results (EOS, errors) and upstream
 *   events go back on the socket.
 * Doorbells (eventfds watched on the event loop) are rung only when a side armed its wake
 * word before sleeping: an empty ring (consumer), a full ring or ledger (producer), or — once
 * per event-loop turn while buffers are lent — returns to take back, so that a source waiting
 * for its pool is woken even when nothing else calls the sink.
 *
 * Replacing a dead peer (`relink`): the producer takes back what the dead consumer never read
 * and re-sends it, after the sticky events, on the new link (the first buffer marked DISCONT);
 * what the dead consumer had taken and never returned is reported by sequence number and held
 * in quarantine — a downstream process may still be reading those slots through a buffer the
 * dead one forwarded — until the supervisor says they are free (`releaseQuarantine`). The
 * consumer reads what the dead producer had published before switching to the new link, then
 * reports the last sequence it got from it (`drained`) and, once every buffer from the old link
 * has been released here and downstream, `released`.
 *
 * A violation (a bad descriptor, an oversize or malformed message, a handle returned twice)
 * stops that end at once and is reported to the supervisor, which cuts the offending process
 * off; this process carries on.
 *
 * Thread: the event loop of the partition's process. Ownership: `chain` takes the buffer.
 */
import { Buffer, BufferFlag } from "../buffer.ts";
import { Caps } from "../caps/index.ts";
import { type Event, isSticky } from "../events.ts";
import { Flow, type FlowReturn } from "../flow.ts";
import { Element, NO_PROPERTIES, template, type ElementMeta } from "../graph/element.ts";
import type { PadDirection } from "../graph/pad.ts";
import type { Pad } from "../graph/pad.ts";
import { Arena } from "../memory/arena.ts";
import { BufferPool } from "../memory/pool.ts";
import { poolSlotCount } from "../runtime/allocator.ts";
import { Deque } from "../runtime/deque.ts";
import { Step, type StepResult, type Task } from "../runtime/scheduler.ts";
import * as fdpass from "../../ffi/fdpass.ts";
import { Ledger } from "../ipc/ledger.ts";
import { DESC, DESC_SIZE, DescriptorRing, Kind, RING_HEADER, Wake } from "../ipc/ring.ts";
import { RemoteSlotMemory, sharedSlot, type ImportedPool } from "../ipc/shared-slot.ts";
import { FdWatch } from "../ipc/watch.ts";
import { closeQuietly } from "./fds.ts";
import { closeEnd, type LinkEndFds } from "./link.ts";
import { decodeLink, encodeLink, LinkFrameReader, LinkViolation, MAX_LINK_MESSAGE, type LinkMessage } from "./link-protocol.ts";

/** Word (i32) and float (f64) indices of descriptor fields. */
const K_KIND = DESC.KIND >> 2;
const K_POOL = DESC.POOL >> 2;
const K_SLOT = DESC.SLOT >> 2;
const K_OFFSET = DESC.OFFSET >> 2;
const K_LENGTH = DESC.LENGTH >> 2;
const K_HANDLE = DESC.HANDLE >> 2;
const K_FLAGS = DESC.FLAGS >> 2;
const K_STREAM = DESC.STREAM_ID >> 2;
const K_CONTROL_SEQ = DESC.CONTROL_SEQ >> 2;
const F_PTS = DESC.PTS >> 3;
const F_DTS = DESC.DTS >> 3;
const F_DURATION = DESC.DURATION >> 3;
const F_OFFSET = DESC.MEDIA_OFFSET >> 3;
const F_OFFSET_END = DESC.MEDIA_OFFSET_END >> 3;
const F_SEQUENCE = DESC.SEQUENCE >> 3;
const DESC_WORDS = DESC_SIZE >> 2;
const H_TAIL = RING_HEADER.TAIL >> 2;
const H_HEAD = RING_HEADER.HEAD >> 2;
/** Pool id of a zero-length buffer (no memory, no handle). */
const NO_POOL = 0;
/** Copy-pool slots are rounded up to this. */
const COPY_SLOT_ALIGN = 4096;

/** What a boundary end tells the partition about its link (forwarded to the supervisor). */
export interface BoundaryListener {
  /** The other end broke the protocol: cut its process off. */
  violation(link: string, reason: string): void;
  /** Consumer: the replaced producer's last buffers were read; the last sequence it sent. */
  drained(link: string, lastSequence: number | null, received: number): void;
  /** Consumer: every buffer that came over the replaced link has been released. */
  released(link: string): void;
}

export type BoundaryConfig = {
  /** Link id (the supervisor's name for it). */
  link: string;
  /** The pad on the other side, for messages ("identity0.sink"). */
  peer: string;
  /** What the whole graph allows on the link, and the caps it fixed there. */
  allowed: Caps;
  caps: Caps;
  fds: LinkEndFds;
  listener: BoundaryListener;
};

const META_BASE = {
  category: "isolation",
  properties: NO_PROPERTIES,
  scheduling: { affinity: "async", rtSafe: false },
  authority: "the ring, socket and doorbells of its link, set up by the supervisor",
} as const;

/**
 * Opens an end's ring and makes its socket nonblocking. Takes ownership of all four fds, even
 * on failure (then they are closed).
 */
function openRing(fds: LinkEndFds): DescriptorRing {
  let ring: DescriptorRing;
  try {
    ring = DescriptorRing.open(fds.ring); // takes the ring fd, even on failure
  } catch (e) {
    closeQuietly(fds.socket);
    closeQuietly(fds.dataBell);
    closeQuietly(fds.spaceBell);
    throw e;
  }
  try {
    fdpass.setNonblocking(fds.socket, true);
  } catch (e) {
    ring.close();
    closeQuietly(fds.socket);
    closeQuietly(fds.dataBell);
    closeQuietly(fds.spaceBell);
    throw e;
  }
  return ring;
}

/** Relative order of two u32 counters: > 0 when a is after b. */
function after(a: number, b: number): number {
  return (a - b) | 0;
}

// ---- producer end ---------------------------------------------------------------------------

type Item = Buffer | Event;

function isEvent(x: Item): x is Event {
  return !(x instanceof Buffer);
}

/** One incarnation of the producer side of a link. */
class Outbound {
  readonly ring: DescriptorRing;
  readonly sock: number;
  readonly dataBell: number;
  readonly spaceBell: number;
  readonly ledger: Ledger;
  /** Sequence and descriptor counter of each lent handle. */
  readonly handleSeq: Float64Array;
  readonly handleIdx: Int32Array;
  readonly pools = new Map<Arena, number>();
  nextPool = 1;
  /** Events sent, by descriptor counter, until the consumer took them (for re-sending). */
  readonly events = new Map<number, Event>();
  controlSeq = 0;
  spaceWatch: FdWatch | null = null;
  sockWatch: FdWatch | null = null;
  readonly reader = new LinkFrameReader();
  closed = false;

  /** 1 while a handle is lent (the ledger keeps the buffers; this keeps the answer cheap). */
  readonly lentFlag: Uint8Array;

  /** Takes ownership of the fds, even on failure. */
  constructor(fds: LinkEndFds) {
    this.ring = openRing(fds);
    this.sock = fds.socket;
    this.dataBell = fds.dataBell;
    this.spaceBell = fds.spaceBell;
    this.ring.dataBell = fds.dataBell;
    this.ring.spaceBell = fds.spaceBell;
    this.ledger = new Ledger(this.ring.returnCapacity);
    this.handleSeq = new Float64Array(this.ring.returnCapacity);
    this.handleIdx = new Int32Array(this.ring.returnCapacity);
    this.lentFlag = new Uint8Array(this.ring.returnCapacity);
  }

  get tail(): number {
    return this.ring.header[H_TAIL]!;
  }

  get head(): number {
    return Atomics.load(this.ring.header, H_HEAD);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const w = [this.spaceWatch?.stop(), this.sockWatch?.stop()];
    this.spaceWatch = null;
    this.sockWatch = null;
    this.ring.close();
    closeQuietly(this.sock);
    closeQuietly(this.dataBell);
    closeQuietly(this.spaceBell);
    await Promise.all(w);
  }
}

/** What a producer end has sent (for reports and tests). */
export type BoundaryStats = { buffers: number; byReference: number; copied: number; events: number; quarantined: number };

export class BoundarySink extends Element {
  static override meta: ElementMeta = {
    ...META_BASE,
    name: "isolation-boundary-sink",
    description: "The sending end of a cross-process link inserted by the isolation executor",
    pads: [template.sink("ANY")],
  };

  readonly cfg: BoundaryConfig;
  #out: Outbound | null = null;
  #pending = new Deque<Item>(16);
  #blocked: Task[] = [];
  #flow: FlowReturn = Flow.OK;
  #sticky = new Map<string, Event>();
  #discont = false;
  #eosWritten = false;
  #eosReported = false;
  #copyPools: BufferPool[] = [];
  #copyArmed = false;
  #idleQueued = false;
  #cut = false;
  /** Dead consumers' unreturned loans, held until the supervisor releases them. */
  #quarantine: Ledger[] = [];
  #closing: Promise<void>[] = [];
  /** True until prepare() hands cfg.fds to a link incarnation. */
  #fdsOwned = true;
  stats: BoundaryStats = { buffers: 0, byReference: 0, copied: 0, events: 0, quarantined: 0 };

  constructor(name: string, cfg: BoundaryConfig) {
    super(name, {});
    this.cfg = cfg;
  }

  override padCaps(_pad: Pad): Caps {
    return this.cfg.allowed;
  }

  override prepare(): void {
    this.#open(this.cfg.fds);
  }

  #open(fds: LinkEndFds): void {
    this.#fdsOwned = false;
    let o: Outbound;
    try {
      o = new Outbound(fds);
    } catch (e) {
      throw new Error(`${this.name}: cannot open the link to ${this.cfg.peer}: ${(e as Error).message}`);
    }
    this.#out = o;
    o.spaceWatch = new FdWatch(o.spaceBell, () => this.#wake(o), () => {});
    o.sockWatch = new FdWatch(
      o.sock,
      (bytes) => this.#fromConsumer(o, bytes),
      () => {},
    );
  }

  override start(): void {
    this.#flow = Flow.OK;
    this.#eosWritten = false;
    this.#eosReported = false;
  }

  override chain(_pad: Pad, buf: Buffer): FlowReturn {
    const flow = this.#flow;
    if (flow !== Flow.OK) {
      buf.release();
      return flow;
    }
    const o = this.#out;
    if (o !== null && this.#pending.length === 0 && !this.#cut) {
      this.#takeReturns(o);
      if (this.#write(o, buf)) {
        this.#idleCheck();
        return Flow.OK;
      }
    }
    this.#pending.push(buf);
    this.#blockCaller();
    this.#armSpace();
    return Flow.OK;
  }

  override event(_pad: Pad, ev: Event): boolean {
    if (isSticky(ev)) this.#sticky.set(ev.type, ev);
    this.#pending.push(ev);
    this.#flush();
    return true;
  }

  /** Writes one item into the ring; false (item untouched) when there is no room. */
  #write(o: Outbound, item: Item): boolean {
    const ring = o.ring;
    if (isEvent(item)) {
      if (ring.space() < 1) return false;
      return this.#control(o, { t: "event", ev: item, seq: o.controlSeq }, [], item);
    }
    const buf = item;
    if (buf.data.byteLength === 0) {
      if (ring.space() < 1) return false;
      this.#descriptor(o, buf, NO_POOL, 0, 0, 0, -1);
      buf.release();
      return true;
    }
    let ref = sharedSlot(buf);
    let send = buf;
    if (ref === null) {
      const copy = this.#copy(buf);
      if (copy === null) return false;
      send = copy;
      ref = sharedSlot(copy)!;
    }
    const known = o.pools.get(ref.arena);
    if (ring.space() < (known === undefined ? 2 : 1) || o.ledger.full) {
      if (send !== buf) send.release();
      return false;
    }
    let poolId = known;
    if (poolId === undefined) {
      poolId = o.nextPool++;
      if (!this.#control(o, { t: "pool", id: poolId, seq: o.controlSeq }, [ref.arena.segment.fd], null)) {
        if (send !== buf) send.release();
        return false;
      }
      o.pools.set(ref.arena, poolId);
    }
    if (send !== buf) {
      send.copyMetadataFrom(buf);
      buf.release();
      this.stats.copied++;
    } else this.stats.byReference++;
    const h = o.ledger.lend(send);
    this.#descriptor(o, send, poolId, ref.slot, ref.offset, ref.length, h);
    return true;
  }

  #descriptor(o: Outbound, buf: Buffer, pool: number, slot: number, offset: number, length: number, handle: number): void {
    const ring = o.ring;
    const w = ring.nextSlot();
    const f = w >> 1;
    const words = ring.words;
    const floats = ring.floats;
    let flags = buf.flags;
    if (this.#discont) {
      flags |= BufferFlag.DISCONT;
      this.#discont = false;
    }
    words[w + K_KIND] = Kind.BUFFER;
    words[w + K_POOL] = pool;
    words[w + K_SLOT] = slot;
    words[w + K_OFFSET] = offset;
    words[w + K_LENGTH] = length;
    words[w + K_HANDLE] = handle;
    words[w + K_FLAGS] = flags;
    words[w + K_STREAM] = buf.streamId;
    floats[f + F_PTS] = buf.pts;
    floats[f + F_DTS] = buf.dts;
    floats[f + F_DURATION] = buf.duration;
    floats[f + F_OFFSET] = buf.offset;
    floats[f + F_OFFSET_END] = buf.offsetEnd;
    floats[f + F_SEQUENCE] = buf.sequence;
    if (handle >= 0) {
      o.handleSeq[handle] = buf.sequence;
      o.handleIdx[handle] = o.tail;
      o.lentFlag[handle] = 1;
    }
    this.stats.buffers++;
    ring.publish();
  }

  /** Sends a socket message and publishes its CONTROL descriptor. */
  #control(o: Outbound, msg: LinkMessage, fds: number[], ev: Event | null): boolean {
    let bytes: Uint8Array;
    try {
      bytes = encodeLink(msg);
    } catch (e) {
      // Our own event is too big to cross: an error of the element that made it.
      this.error("stream", `${this.name}: cannot send an event to ${this.cfg.peer}: ${(e as Error).message}`);
      return true;
    }
    let sent: number | null;
    try {
      sent = fdpass.sendMsg(o.sock, bytes, fds, fdpass.Msg.DONTWAIT);
    } catch {
      // The consumer's process is gone: the supervisor will replace it or fail the run.
      return false;
    }
    if (sent === null) return false;
    const w = o.ring.nextSlot();
    o.ring.words[w + K_KIND] = Kind.CONTROL;
    o.ring.words[w + K_CONTROL_SEQ] = o.controlSeq++;
    if (ev !== null) {
      o.events.set(o.tail, ev);
      this.stats.events++;
      if (o.events.size > 256) for (const k of o.events.keys()) if (after(o.head, k) > 0) o.events.delete(k);
    }
    o.ring.publish();
    return true;
  }

  #copy(buf: Buffer): Buffer | null {
    const size = buf.data.byteLength;
    let pool = this.#copyPools[this.#copyPools.length - 1];
    if (pool === undefined || pool.slotSize < size) {
      const slotSize = Math.ceil(size / COPY_SLOT_ALIGN) * COPY_SLOT_ALIGN;
      pool = BufferPool.create({ slotSize, slotCount: poolSlotCount(slotSize), name: `parallax:${this.name}` });
      this.#copyPools.push(pool);
    }
    const b = pool.acquire(size);
    if (b === null) {
      if (!this.#copyArmed) {
        this.#copyArmed = true;
        pool.onAvailable(() => {
          this.#copyArmed = false;
          this.#flush();
        });
      }
      return null;
    }
    b.data.set(buf.data);
    return b;
  }

  #takeReturns(o: Outbound): void {
    const ring = o.ring;
    for (let h = ring.takeReturn(); h !== -1; h = ring.takeReturn()) {
      const b = o.ledger.take(h);
      if (b === null) {
        this.#violation(`the consumer returned handle ${h}, which it was not lent`);
        return;
      }
      o.lentFlag[h] = 0;
      b.release();
    }
  }

  /** Writes what is pending, in order, as far as the link allows. */
  #flush = (): void => {
    const o = this.#out;
    if (o === null || o.closed || this.#cut) return;
    this.#takeReturns(o);
    while (this.#pending.length > 0) {
      const item = this.#pending.peek()!;
      if (!this.#write(o, item)) {
        this.#armSpace();
        return;
      }
      this.#pending.shift();
      if (isEvent(item) && item.type === "eos") this.#eosWritten = true;
    }
    for (const t of this.#blocked.splice(0)) t.unblock();
    if (this.#eosWritten && !this.#eosReported) {
      this.#eosReported = true;
      this.ctx?.sinkEos(this);
    }
    this.#idleCheck();
  };

  #blockCaller(): void {
    const t = this.currentTask;
    if (t !== null && !this.#blocked.includes(t)) {
      t.block();
      this.#blocked.push(t);
    }
  }

  /** Asks the consumer to ring when it makes progress; flushes at once if it already did. */
  #armSpace(): void {
    const o = this.#out;
    if (o === null || o.closed) return;
    if (!o.ring.armSpace(Wake.EVENTFD, o.head)) queueMicrotask(this.#flush);
  }

  /** Once per event-loop turn while buffers are lent: take returns, and arm the doorbell so a
   * return wakes us even when nothing pushes (a source waiting for its pool). */
  #idleCheck(): void {
    if (this.#idleQueued) return;
    const o = this.#out;
    if (o === null || o.ledger.size === 0) return;
    this.#idleQueued = true;
    setImmediate(() => {
      this.#idleQueued = false;
      const cur = this.#out;
      if (cur === null || cur.closed || this.#cut) return;
      this.#takeReturns(cur);
      if (this.#pending.length > 0) this.#flush();
      else if (cur.ledger.size > 0 && !cur.ring.armSpace(Wake.EVENTFD, cur.head)) this.#idleCheck();
    });
  }

  #wake(o: Outbound): void {
    if (o !== this.#out || o.closed) return;
    this.#flush();
    if (this.#pending.length === 0) this.#idleCheck();
  }

  #fromConsumer(o: Outbound, bytes: Uint8Array): void {
    if (o !== this.#out || o.closed || this.#cut) return;
    let msgs: LinkMessage[];
    try {
      msgs = o.reader.push(bytes);
    } catch (e) {
      this.#violation((e as Error).message);
      return;
    }
    for (const m of msgs) {
      if (m.t === "flow") {
        if (m.flow !== Flow.OK) this.#flow = m.flow as FlowReturn;
      } else if (m.t === "event") {
        this.sinkPad.pushEvent(m.ev);
      } else {
        this.#violation(`the consumer sent a ${m.t} message, which only producers send`);
        return;
      }
    }
  }

  get sinkPad(): Pad {
    return this.pads[0]!;
  }

  #violation(reason: string): void {
    if (this.#cut) return;
    this.#cut = true;
    this.cfg.listener.violation(this.cfg.link, reason);
  }

  /**
   * Switches to a new link after the consumer's process was replaced. Takes back what the dead
   * consumer had not read and queues it (after the sticky events) for the new one; quarantines
   * what it had taken and not returned. Returns the sequence numbers of those, and how many
   * buffers will be delivered again.
   */
  relink(fds: LinkEndFds): { unreturned: number[]; redelivered: number } {
    const old = this.#out;
    const requeue: Item[] = [];
    const unreturned: number[] = [];
    if (old !== null) {
      this.#takeReturns(old);
      const head = old.head;
      const tail = old.tail;
      const ring = old.ring;
      for (let i = head; after(tail, i) > 0; i = (i + 1) | 0) {
        const w = (i & (ring.capacity - 1)) * DESC_WORDS;
        const kind = ring.words[w + K_KIND];
        if (kind === Kind.BUFFER) {
          const h = ring.words[w + K_HANDLE]!;
          if (h < 0) continue; // an empty buffer: nothing to give back
          const b = old.ledger.take(h);
          if (b !== null) {
            old.lentFlag[h] = 0;
            requeue.push(b);
          }
        } else {
          const ev = old.events.get(i);
          if (ev !== undefined) requeue.push(ev);
        }
      }
      // Whatever is still lent was taken by the dead consumer: report it, and keep it out of
      // its pool until the supervisor knows no other process reads it.
      for (let h = 0; h < old.lentFlag.length; h++) if (old.lentFlag[h] === 1) unreturned.push(old.handleSeq[h]!);
      if (old.ledger.size > 0) {
        this.#quarantine.push(old.ledger);
        this.stats.quarantined += old.ledger.size;
      }
      this.#closing.push(old.close());
    }
    const rest = this.#pending.drain();
    for (const ev of ["stream-start", "caps", "segment"]) {
      const s = this.#sticky.get(ev);
      if (s) this.#pending.push(s);
    }
    for (const x of requeue) this.#pending.push(x);
    for (const x of rest) this.#pending.push(x);
    this.#discont = true;
    this.#flow = Flow.OK;
    this.#cut = false;
    if (this.#eosWritten) {
      // EOS may have gone to the dead consumer only: send it again (a second EOS is ignored).
      this.#eosWritten = false;
      if (!requeue.some((x) => isEvent(x) && x.type === "eos") && !rest.some((x) => isEvent(x) && x.type === "eos")) this.#pending.push({ type: "eos" });
    }
    this.#open(fds);
    queueMicrotask(this.#flush);
    unreturned.sort((a, b) => a - b);
    return { unreturned, redelivered: requeue.filter((x) => !isEvent(x)).length };
  }

  /** Lets go of buffers a dead consumer had taken (the supervisor knows nobody reads them). */
  releaseQuarantine(): number {
    let n = 0;
    for (const l of this.#quarantine.splice(0)) n += l.releaseAll();
    this.stats.quarantined = 0;
    return n;
  }

  /**
   * The ring this end writes, for diagnostics and fault-injection tests. An element in the same
   * process could reach it anyway (it shares the memory); the other end must never trust it.
   */
  get linkRing(): DescriptorRing | null {
    return this.#out?.ring ?? null;
  }

  /** Buffers currently lent to the consumer. */
  get lent(): number {
    return this.#out?.ledger.size ?? 0;
  }

  override stop(): void {
    for (const t of this.#blocked.splice(0)) t.unblock();
  }

  override unprepare(): void {
    for (const x of this.#pending.drain()) if (!isEvent(x)) x.release();
    const o = this.#out;
    this.#out = null;
    if (o !== null) {
      o.ledger.releaseAll();
      this.#closing.push(o.close());
    }
    if (this.#fdsOwned) {
      this.#fdsOwned = false;
      closeEnd(this.cfg.fds);
    }
    this.releaseQuarantine();
    for (const p of this.#copyPools.splice(0)) this.#closing.push(p.close());
  }

  /** Resolves when every watcher and pool this end used has stopped. */
  closed(): Promise<void> {
    return Promise.all(this.#closing).then(() => {});
  }
}

// ---- consumer end ---------------------------------------------------------------------------

/** One incarnation of the consumer side of a link. */
class Inbound {
  readonly ring: DescriptorRing;
  readonly sock: number;
  readonly dataBell: number;
  readonly spaceBell: number;
  readonly pools = new Map<number, ImportedPool>();
  readonly mems: (RemoteSlotMemory | null)[];
  dataWatch: FdWatch | null = null;
  outstanding = 0;
  retired = false;
  drained = false;
  closed = false;
  expectSeq = 0;
  lastSequence: number | null = null;
  received = 0;

  /** Takes ownership of the fds, even on failure. */
  constructor(fds: LinkEndFds) {
    this.ring = openRing(fds);
    this.sock = fds.socket;
    this.dataBell = fds.dataBell;
    this.spaceBell = fds.spaceBell;
    this.ring.dataBell = fds.dataBell;
    this.ring.spaceBell = fds.spaceBell;
    this.mems = new Array<RemoteSlotMemory | null>(this.ring.returnCapacity).fill(null);
  }

  /**
   * Closes the ring, socket and doorbells. The imported pools stay mapped while buffers from
   * them are still held here (an appsink's queue, say), and are unmapped with the last one.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const w = this.dataWatch?.stop();
    this.dataWatch = null;
    this.ring.close();
    if (this.outstanding === 0) this.closePools();
    closeQuietly(this.sock);
    closeQuietly(this.dataBell);
    closeQuietly(this.spaceBell);
    await w;
  }

  closePools(): void {
    for (const p of this.pools.values()) p.arena.close();
    this.pools.clear();
  }
}

const EMPTY = new Uint8Array(0);
const scratch = new Uint8Array(MAX_LINK_MESSAGE);

export class BoundarySrc extends Element {
  static override meta: ElementMeta = {
    ...META_BASE,
    name: "isolation-boundary-src",
    description: "The receiving end of a cross-process link inserted by the isolation executor",
    pads: [template.src("ANY")],
  };

  readonly cfg: BoundaryConfig;
  /** Incarnations, oldest first: the task reads the first until it is drained. */
  #in: Inbound[] = [];
  #task: Task | null = null;
  #asleep = false;
  #cut = false;
  #lastFlow: FlowReturn = Flow.OK;
  #closing: Promise<void>[] = [];
  /** True until prepare() hands cfg.fds to a link incarnation. */
  #fdsOwned = true;
  /** Buffers and events received; how often the task slept on an empty ring and was woken. */
  stats = { buffers: 0, events: 0, sleeps: 0, wakes: 0 };

  constructor(name: string, cfg: BoundaryConfig) {
    super(name, {});
    this.cfg = cfg;
  }

  get srcPad(): Pad {
    return this.pads[0]!;
  }

  override padCaps(_pad: Pad): Caps {
    return this.cfg.allowed;
  }

  override fixateCaps(_pad: Pad, caps: Caps): Caps {
    // Pick what the whole graph picked for this link, so both processes agree.
    if (!this.cfg.caps.isAny() && this.cfg.caps.isSubset(caps)) return this.cfg.caps;
    return caps.fixate();
  }

  override transformCaps(_from: PadDirection, caps: Caps): Caps {
    return caps;
  }

  override prepare(): void {
    this.#in.push(this.#openInbound(this.cfg.fds));
  }

  #openInbound(fds: LinkEndFds): Inbound {
    this.#fdsOwned = false;
    let i: Inbound;
    try {
      i = new Inbound(fds);
    } catch (e) {
      throw new Error(`${this.name}: cannot open the link from ${this.cfg.peer}: ${(e as Error).message}`);
    }
    i.dataWatch = new FdWatch(
      i.dataBell,
      () => this.#wake(),
      () => {},
    );
    return i;
  }

  override start(): void {
    this.#lastFlow = Flow.OK;
    this.#task = this.ctx!.scheduler.add(this.name, this.#step);
  }

  override stop(): void {
    const t = this.#task;
    this.#task = null;
    if (t !== null) {
      t.done = true;
      if (this.#asleep) {
        this.#asleep = false;
        t.unblock();
      }
    }
  }

  #wake(): void {
    this.stats.wakes++;
    if (this.#asleep && this.#task !== null) {
      this.#asleep = false;
      this.#task.unblock();
    }
  }

  #sleep(): StepResult {
    const t = this.#task;
    this.stats.sleeps++;
    if (t !== null && !this.#asleep) {
      this.#asleep = true;
      t.block();
    }
    return Step.WAIT;
  }

  #step = (): StepResult => {
    const i = this.#in[0];
    if (i === undefined || this.#cut) return this.#sleep();
    const ring = i.ring;
    const w = ring.peek();
    if (w < 0) {
      if (i.retired) {
        this.#finishRetired(i);
        return Step.CONTINUE;
      }
      return ring.armData(Wake.EVENTFD) ? this.#sleep() : Step.CONTINUE;
    }
    const kind = ring.words[w + K_KIND];
    try {
      if (kind === Kind.BUFFER) return this.#buffer(i, w);
      if (kind === Kind.CONTROL) return this.#controlEntry(i, w);
      throw new LinkViolation(`a descriptor of unknown kind ${kind}`);
    } catch (e) {
      if (e instanceof LinkViolation) {
        this.#violation(i, e.message);
        return this.#sleep();
      }
      throw e;
    }
  };

  #buffer(i: Inbound, w: number): StepResult {
    const ring = i.ring;
    const words = ring.words;
    const floats = ring.floats;
    const f = w >> 1;
    const poolId = words[w + K_POOL]!;
    const slot = words[w + K_SLOT]!;
    const offset = words[w + K_OFFSET]!;
    const length = words[w + K_LENGTH]!;
    const handle = words[w + K_HANDLE]!;
    let buf: Buffer;
    if (poolId === NO_POOL) {
      if (length !== 0 || handle !== -1) throw new LinkViolation(`a memoryless descriptor with ${length} bytes and handle ${handle}`);
      buf = new Buffer(EMPTY);
    } else {
      const pool = i.pools.get(poolId);
      if (pool === undefined) throw new LinkViolation(`a descriptor names pool ${poolId}, which was never announced`);
      const arena = pool.arena;
      if (!(slot >= 0 && slot < arena.slotCount)) throw new LinkViolation(`a descriptor names slot ${slot} of pool ${poolId}, which has ${arena.slotCount} slots`);
      if (!(offset >= 0 && length >= 0 && offset + length <= arena.slotSize)) {
        throw new LinkViolation(`a descriptor names bytes ${offset}..${offset + length} of a ${arena.slotSize}-byte slot`);
      }
      if (!(handle >= 0 && handle < i.mems.length)) throw new LinkViolation(`a descriptor carries handle ${handle}, outside 0..${i.mems.length - 1}`);
      let mem = i.mems[handle];
      if (mem === null || mem === undefined) {
        mem = new RemoteSlotMemory(handle, (h) => this.#giveBack(i, h));
        i.mems[handle] = mem;
      } else if (mem.refs !== 0) {
        throw new LinkViolation(`a descriptor reuses handle ${handle} while this process still holds that buffer`);
      }
      mem.pool = pool;
      mem.slot = slot;
      mem.refs = 1;
      i.outstanding++;
      const view = pool.views[slot]!;
      buf = new Buffer(offset === 0 && length === view.byteLength ? view : view.subarray(offset, offset + length), mem);
    }
    buf.flags = words[w + K_FLAGS]!;
    buf.streamId = words[w + K_STREAM]!;
    buf.pts = floats[f + F_PTS]!;
    buf.dts = floats[f + F_DTS]!;
    buf.duration = floats[f + F_DURATION]!;
    buf.offset = floats[f + F_OFFSET]!;
    buf.offsetEnd = floats[f + F_OFFSET_END]!;
    buf.sequence = floats[f + F_SEQUENCE]!;
    ring.advance();
    i.lastSequence = buf.sequence;
    i.received++;
    this.stats.buffers++;
    const flow = this.srcPad.push(buf);
    if (flow !== this.#lastFlow) this.#reportFlow(i, flow);
    return Step.CONTINUE;
  }

  #controlEntry(i: Inbound, w: number): StepResult {
    const seq = i.ring.words[w + K_CONTROL_SEQ]!;
    if (seq !== i.expectSeq) throw new LinkViolation(`a control descriptor numbered ${seq} where ${i.expectSeq} was due`);
    const r = fdpass.recvMsg(i.sock, scratch, 1, fdpass.Msg.DONTWAIT);
    if (r === null || r.bytes === 0) throw new LinkViolation("the ring announced a control message that was never sent");
    let msg: LinkMessage;
    try {
      if (r.truncated) throw new LinkViolation("an oversize link message");
      msg = decodeLink(scratch.subarray(0, r.bytes));
      if (msg.t === "flow") throw new LinkViolation("a flow message, which only consumers send");
      if (msg.seq !== seq) throw new LinkViolation(`a link message numbered ${msg.seq} where ${seq} was due`);
      if (msg.t === "pool" && r.fds.length !== 1) throw new LinkViolation(`a pool message with ${r.fds.length} fds instead of 1`);
      if (msg.t === "event" && r.fds.length !== 0) throw new LinkViolation("an event message that carries fds");
    } catch (e) {
      for (const fd of r.fds) closeQuietly(fd);
      throw e;
    }
    i.expectSeq++;
    i.ring.advance();
    if (msg.t === "pool") {
      if (i.pools.has(msg.id)) {
        closeQuietly(r.fds[0]!);
        throw new LinkViolation(`pool ${msg.id} announced twice`);
      }
      let arena: Arena;
      try {
        arena = Arena.open(r.fds[0]!);
      } catch (e) {
        throw new LinkViolation(`pool ${msg.id} is not a usable arena: ${(e as Error).message}`);
      }
      const views: Uint8Array[] = [];
      for (let s = 0; s < arena.slotCount; s++) views.push(arena.slotView(s));
      i.pools.set(msg.id, { id: msg.id, arena, views });
      return Step.CONTINUE;
    }
    this.stats.events++;
    this.srcPad.pushEvent(msg.ev);
    return Step.CONTINUE;
  }

  #giveBack(i: Inbound, handle: number): void {
    i.outstanding--;
    if (!i.closed) i.ring.pushReturn(handle);
    else if (i.outstanding === 0) i.closePools();
    if (i.retired && i.drained && i.outstanding === 0) this.#release(i);
  }

  #reportFlow(i: Inbound, flow: FlowReturn): void {
    this.#lastFlow = flow;
    try {
      fdpass.sendMsg(i.sock, encodeLink({ t: "flow", flow }), [], fdpass.Msg.DONTWAIT);
    } catch {
      // the producer is gone; it will be replaced or the run fails
    }
  }

  /** Events from downstream (upstream direction) go back to the producer's side. */
  override event(pad: Pad, ev: Event): boolean {
    if (pad.direction !== "src") return super.event(pad, ev);
    const i = this.#in[this.#in.length - 1];
    if (i === undefined) return false;
    try {
      return fdpass.sendMsg(i.sock, encodeLink({ t: "event", ev }), [], fdpass.Msg.DONTWAIT) !== null;
    } catch {
      return false;
    }
  }

  #violation(i: Inbound, reason: string): void {
    if (this.#cut) return;
    this.#cut = true;
    i.drained = true; // nothing more is read from a producer that broke the protocol
    this.cfg.listener.violation(this.cfg.link, reason);
  }

  #finishRetired(i: Inbound): void {
    this.#in.shift();
    if (!i.drained) {
      i.drained = true;
      this.cfg.listener.drained(this.cfg.link, i.lastSequence, i.received);
    }
    if (i.outstanding === 0) this.#release(i);
  }

  #release(i: Inbound): void {
    if (i.closed) return;
    this.#closing.push(i.close());
    this.cfg.listener.released(this.cfg.link);
  }

  /**
   * Switches to a new link after the producer's process was replaced: what the dead producer
   * published is still read first, then the new link. `drained` and `released` follow.
   */
  relink(fds: LinkEndFds): void {
    const cur = this.#in[this.#in.length - 1];
    if (cur !== undefined) {
      cur.retired = true;
      void cur.dataWatch?.stop();
      cur.dataWatch = null;
    }
    if (this.#cut && cur !== undefined) {
      // A cut producer's leftovers are not read: report and drop them now.
      const idx = this.#in.indexOf(cur);
      if (idx >= 0) this.#in.splice(idx, 1);
      this.cfg.listener.drained(this.cfg.link, cur.lastSequence, cur.received);
      if (cur.outstanding === 0) this.#release(cur);
    }
    this.#cut = false;
    this.#in.push(this.#openInbound(fds));
    if (this.#asleep && this.#task !== null) {
      this.#asleep = false;
      this.#task.unblock();
    }
  }

  override unprepare(): void {
    for (const i of this.#in.splice(0)) {
      i.retired = true;
      i.drained = true;
      this.#closing.push(i.close());
    }
    if (this.#fdsOwned) {
      this.#fdsOwned = false;
      closeEnd(this.cfg.fds);
    }
  }

  /** Resolves when every watcher and mapping this end used has been closed. */
  closed(): Promise<void> {
    return Promise.all(this.#closing).then(() => {});
  }
}

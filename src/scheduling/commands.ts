/**
 * The control channel: run-time commands from the event loop to a data Worker, in order, in a
 * ring in shared memory. Today its one command is a property change: `set(...)` (or a property
 * assignment) on the event-loop copy of an element that runs in a partition ("shadow", see
 * host.ts) reaches the element's twin in the Worker this way.
 *
 * Why not postMessage: a Worker that runs cycles or sleeps in Atomics.wait does not read its
 * message port (it turns its event loop only every few ms, and not while blocked), so messages
 * would be applied late and at no defined point. A command written here is visible at once; the
 * writer bumps the Worker's wake word, and the Worker applies what is waiting just before it
 * runs the next cycle of a partition (`PartitionRunner.cycle` never sees a half-applied change),
 * and while idle or paused. Commands are applied in the order they were sent.
 *
 * Encoding: one ring (ring.ts) of RING_ENTRY_BYTES entries; a command is a header entry (kind
 * COMMAND, its JSON's byte length) followed by as many entries as its UTF-8 JSON needs — the
 * layout bridges use for events (bridge.ts).
 *
 * Full ring (a Worker that is stalled while the application sets thousands of properties): the
 * writer keeps the commands, in order, in a local queue and retries on a short timer; it never
 * drops one and never blocks the event loop.
 *
 * Threads: a CommandWriter belongs to the event loop, a CommandReader to the Worker.
 */
import { Deque } from "../runtime/deque.ts";
import { RING_ENTRY_BYTES, Ring, W_HEAD, W_TAIL, type WakeTarget, wakeAlways } from "./ring.ts";

/** Entries of a Worker's command ring (a power of two; a property change takes 2 or 3). */
export const COMMAND_RING_CAPACITY = 256;
/** How often a writer with commands waiting for room tries again, ms. */
export const COMMAND_RETRY_MS = 1;

const KIND_COMMAND = 0x434d44; // "CMD"
const W_KIND = 0;
const W_LENGTH = 1;

/** Changes property `key` (camelCase, already validated on the event loop) of `element`. */
export type SetPropertyCommand = { op: "set"; element: string; key: string; value: unknown };
export type Command = SetPropertyCommand;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Encodes a command; throws TypeError when its value is not JSON data. Any thread. */
export function encodeCommand(c: Command): Uint8Array {
  const text = JSON.stringify(c, (_k, v) => {
    if (typeof v === "function" || typeof v === "bigint" || typeof v === "symbol") {
      throw new TypeError(`a ${typeof v} cannot be sent to a data Worker`);
    }
    return v;
  });
  return encoder.encode(text);
}

/** Event loop: the sending end. */
export class CommandWriter {
  readonly ring: Ring;
  readonly #worker: WakeTarget;
  readonly #waiting = new Deque<Uint8Array>(4);
  #timer: ReturnType<typeof setTimeout> | null = null;
  #closed = false;

  /** @param worker the Worker's wake target (its control block). */
  constructor(ring: Ring, worker: WakeTarget) {
    this.ring = ring;
    this.#worker = worker;
  }

  /** Commands not yet in the ring (waiting for the Worker to make room). */
  get backlog(): number {
    return this.#waiting.length;
  }

  /**
   * Sends a command after every command sent before. Never blocks; throws TypeError (nothing
   * sent) when the command is not JSON data or can never fit the ring.
   */
  send(c: Command): void {
    if (this.#closed) return;
    const bytes = encodeCommand(c);
    const n = 1 + Math.ceil(bytes.length / RING_ENTRY_BYTES);
    if (n > this.ring.capacity) {
      throw new TypeError(`a command of ${bytes.length} bytes does not fit the control ring (${this.ring.capacity} entries of ${RING_ENTRY_BYTES} bytes)`);
    }
    this.#waiting.push(bytes);
    this.#flush();
  }

  #flush = (): void => {
    this.#timer = null;
    if (this.#closed) return;
    let wrote = false;
    for (let b = this.#waiting.peek(); b !== undefined; b = this.#waiting.peek()) {
      if (!this.#write(b)) break;
      this.#waiting.shift();
      wrote = true;
    }
    // Unconditional: the Worker may be about to sleep without its SLEEPING flag (on its own
    // event loop, while paused); the bump makes it look again either way.
    if (wrote) wakeAlways(this.#worker);
    if (this.#waiting.length > 0 && this.#timer === null) this.#timer = setTimeout(this.#flush, COMMAND_RETRY_MS);
  };

  #write(bytes: Uint8Array): boolean {
    const ring = this.ring;
    const n = 1 + Math.ceil(bytes.length / RING_ENTRY_BYTES);
    if (ring.free() < n) return false;
    let pos = ring.tail();
    const o = ring.entryOffset(pos) >> 2;
    ring.i32[o + W_KIND] = KIND_COMMAND;
    ring.i32[o + W_LENGTH] = bytes.length;
    pos++;
    for (let at = 0; at < bytes.length; at += RING_ENTRY_BYTES, pos++) {
      ring.u8.set(bytes.subarray(at, Math.min(at + RING_ENTRY_BYTES, bytes.length)), ring.entryOffset(pos));
    }
    // Publish without the ring's own wake-up: the Worker sleeps on its control block's word.
    Atomics.store(ring.i32, W_TAIL, pos | 0);
    return true;
  }

  /** Stops retrying; what was not written is dropped (the Worker is going away). Idempotent. */
  close(): void {
    this.#closed = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    while (this.#waiting.shift() !== undefined) {
      // dropped with the Worker
    }
  }
}

/** Worker: the receiving end. */
export class CommandReader {
  readonly ring: Ring;

  constructor(ring: Ring) {
    this.ring = ring;
  }

  /** Whether a command waits (one atomic load: cheap enough to ask before every cycle). */
  get pending(): boolean {
    return this.ring.available() > 0;
  }

  /** The next command, or null. Throws on a corrupt ring (a bug, not a user error). */
  read(): Command | null {
    const ring = this.ring;
    if (ring.available() === 0) return null;
    const head = ring.head();
    const o = ring.entryOffset(head) >> 2;
    if (ring.i32[o + W_KIND] !== KIND_COMMAND) throw new Error(`corrupt control ring entry (kind ${ring.i32[o + W_KIND]})`);
    const len = ring.i32[o + W_LENGTH]!;
    const bytes = new Uint8Array(len);
    let pos = head + 1;
    for (let at = 0; at < len; at += RING_ENTRY_BYTES, pos++) {
      const e = ring.entryOffset(pos);
      bytes.set(ring.u8.subarray(e, e + Math.min(RING_ENTRY_BYTES, len - at)), at);
    }
    // Nobody sleeps on this ring's free space (the writer retries on a timer): a plain store.
    Atomics.store(ring.i32, W_HEAD, pos | 0);
    return JSON.parse(decoder.decode(bytes)) as Command;
  }
}

/**
 * The control protocol: the few messages that travel on the Unix SEQPACKET socket between an
 * ipc producer and its consumer, next to the descriptor ring that carries the buffers.
 *
 *   consumer → producer   hello    version, pid, name                       (no fds)
 *   producer → consumer   welcome  version, pid, name, ring geometry         fds: ring memfd,
 *                                  data doorbell, space doorbell, liveness socket
 *   producer → consumer   refuse   why (a version mismatch), then it closes  (no fds)
 *   producer → consumer   pool     connection-local pool id                  fd: the pool memfd
 *   producer → consumer   event    an in-band event (caps, segment, EOS, …)  (no fds)
 *   either   → other      bye      an orderly close ("closed", not "died")   (no fds)
 *
 * Hand-shake: the consumer connects and sends hello; the producer accepts, checks the version
 * and answers welcome with the fds, once per connection. After that the producer sends a `pool`
 * message before the first descriptor that names a new pool, and an `event` message for each
 * event; for each of those it publishes one CONTROL descriptor in the ring right after the
 * message, so the consumer reads socket messages exactly when the ring tells it to, in order
 * with the buffers around them. Fds are passed with SCM_RIGHTS only in welcome and pool.
 *
 * Encoding: each socket message is one frame, a u32 little-endian byte length then that many
 * bytes of UTF-8 JSON. SEQPACKET keeps frames whole; the length lets the producer parse the
 * consumer's bytes from a byte stream too (it watches the connection with FdWatch).
 */
import { Caps } from "../caps/index.ts";
import { Events, type Event } from "../events.ts";
import * as fdpass from "../../ffi/fdpass.ts";
import { Errno, ErrnoError } from "../../ffi/errno.ts";
import { closeFd } from "./ring.ts";

export const PROTOCOL_VERSION = 1;
/** Largest frame either side sends or accepts (an event with a big custom payload, say). */
export const MAX_FRAME = 64 * 1024;

export type Hello = { type: "hello"; version: number; pid: number; name: string };
export type Welcome = { type: "welcome"; version: number; pid: number; name: string; capacity: number; returnCapacity: number };
export type Refuse = { type: "refuse"; reason: string };
export type PoolMessage = { type: "pool"; id: number };
export type EventMessage = { type: "event"; event: WireEvent };
export type Bye = { type: "bye" };
export type ControlMessage = Hello | Welcome | Refuse | PoolMessage | EventMessage | Bye;

/** An Event as JSON: caps travel as their string form; everything else as it is. */
export type WireEvent = { type: string; [k: string]: unknown };

/** Thrown when the peer sends something that is not this protocol. */
export class ProtocolError extends Error {
  override readonly name = "ProtocolError";
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeEvent(ev: Event): WireEvent {
  if (ev.type === "caps") return { type: "caps", caps: ev.caps.toString() };
  return ev as unknown as WireEvent;
}

export function decodeEvent(w: WireEvent): Event {
  switch (w.type) {
    case "caps":
      if (typeof w.caps !== "string") throw new ProtocolError("caps event without caps");
      return Events.caps(Caps.parse(w.caps));
    case "eos":
      return Events.eos();
    case "stream-start":
    case "segment":
    case "flush-start":
    case "flush-stop":
    case "gap":
    case "custom":
      return w as unknown as Event;
    default:
      throw new ProtocolError(`unknown event type "${String(w.type)}"`);
  }
}

/** One frame: u32 length, JSON. Throws RangeError when the message exceeds MAX_FRAME. */
export function encode(msg: ControlMessage): Uint8Array {
  const json = encoder.encode(JSON.stringify(msg));
  if (json.byteLength + 4 > MAX_FRAME) throw new RangeError(`a ${msg.type} message of ${json.byteLength} bytes exceeds the ${MAX_FRAME}-byte frame limit (keep custom event data small)`);
  const out = new Uint8Array(json.byteLength + 4);
  new DataView(out.buffer).setUint32(0, json.byteLength, true);
  out.set(json, 4);
  return out;
}

const TYPES = new Set(["hello", "welcome", "refuse", "pool", "event", "bye"]);

/** Parses one frame's JSON body. Throws ProtocolError. */
export function decodeBody(body: Uint8Array): ControlMessage {
  let v: unknown;
  try {
    v = JSON.parse(decoder.decode(body));
  } catch {
    throw new ProtocolError("a control message is not JSON");
  }
  if (typeof v !== "object" || v === null || !TYPES.has((v as { type?: string }).type ?? "")) {
    throw new ProtocolError(`unknown control message ${JSON.stringify(v)?.slice(0, 80)}`);
  }
  return v as ControlMessage;
}

/**
 * Sends one message (with fds, which the receiver gets copies of). Returns false when the
 * socket is nonblocking and full; throws ErrnoError (EPIPE, ECONNRESET) when the peer is gone.
 */
export function send(sock: number, msg: ControlMessage, fds: readonly number[] = []): boolean {
  return fdpass.sendMsg(sock, encode(msg), fds, fdpass.Msg.DONTWAIT) !== null;
}

const scratch = new Uint8Array(MAX_FRAME);

/**
 * Receives one message without waiting: null if none is queued; `{ msg: null }` when the peer
 * has shut the connection. The caller owns the received fds (close them on any failure).
 * Throws ProtocolError for a malformed frame (after closing any fds that came with it).
 */
export function receive(sock: number): { msg: ControlMessage | null; fds: number[] } | null {
  let r: fdpass.Received | null;
  try {
    r = fdpass.recvMsg(sock, scratch, fdpass.MAX_FDS, fdpass.Msg.DONTWAIT);
  } catch (e) {
    if (e instanceof ErrnoError && (e.errno === Errno.EPIPE || e.code === "ECONNRESET")) return { msg: null, fds: [] };
    throw e;
  }
  if (r === null) return null;
  if (r.bytes === 0) return { msg: null, fds: r.fds };
  try {
    if (r.truncated || r.bytes < 4) throw new ProtocolError("a control message was cut short");
    const len = new DataView(scratch.buffer).getUint32(0, true);
    if (len !== r.bytes - 4) throw new ProtocolError("a control message's length does not match its frame");
    return { msg: decodeBody(scratch.subarray(4, r.bytes)), fds: r.fds };
  } catch (e) {
    for (const fd of r.fds) closeFd(fd);
    throw e;
  }
}

/** Accumulates a byte stream (FdWatch chunks) into whole messages. */
export class FrameReader {
  #buf = new Uint8Array(0);

  /** Adds bytes; returns every message completed by them. Throws ProtocolError. */
  push(bytes: Uint8Array): ControlMessage[] {
    const all = new Uint8Array(this.#buf.byteLength + bytes.byteLength);
    all.set(this.#buf, 0);
    all.set(bytes, this.#buf.byteLength);
    const out: ControlMessage[] = [];
    let o = 0;
    const dv = new DataView(all.buffer);
    while (all.byteLength - o >= 4) {
      const len = dv.getUint32(o, true);
      if (len + 4 > MAX_FRAME) throw new ProtocolError(`a control frame of ${len} bytes exceeds the limit`);
      if (all.byteLength - o - 4 < len) break;
      out.push(decodeBody(all.subarray(o + 4, o + 4 + len)));
      o += 4 + len;
    }
    this.#buf = all.slice(o);
    return out;
  }
}

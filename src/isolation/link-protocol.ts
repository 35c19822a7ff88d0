/**
 * The messages that travel on a cross-process link's socket, beside its descriptor ring.
 *
 * A link between two element hosts (or a host and the application's process) is one
 * DescriptorRing (src/ipc/ring.ts) plus one SEQPACKET socket pair, both made by the supervisor
 * and handed to the two ends. Buffers travel as descriptors in the ring; what does not fit a
 * descriptor travels on the socket:
 *
 *   producer → consumer  pool   {id, seq}    + the pool's memfd     (a new arena to map)
 *                        event  {ev, seq}                            (caps, segment, EOS, …)
 *     each followed by a CONTROL descriptor carrying `seq`, so the consumer reads the message
 *     exactly where the ring says, in order with the buffers around it;
 *   consumer → producer  flow   {flow}       what downstream answered (EOS, error, …)
 *                        event  {ev}         an upstream event
 *     read by the producer's watcher on the event loop.
 *
 * Framing: u32 little-endian length, then UTF-8 JSON, at most MAX_LINK_MESSAGE bytes. Every
 * message is checked against its schema: the other end may be a compromised element, so a bad
 * frame is a LinkViolation (the supervisor then cuts that end's process off), never a crash.
 */
import Type, { type Static } from "typebox";
import { schemaMismatch } from "./schema-check.ts";
import { Caps } from "../caps/index.ts";
import { Events, type Event } from "../events.ts";

export const MAX_LINK_MESSAGE = 64 * 1024;

export class LinkViolation extends Error {
  override readonly name = "LinkViolation";
}

const Num = Type.Number();
const WireEvent = Type.Union([
  Type.Object({ type: Type.Literal("stream-start"), streamId: Type.String(), groupId: Num }),
  Type.Object({ type: Type.Literal("caps"), caps: Type.String() }),
  Type.Object({
    type: Type.Literal("segment"),
    segment: Type.Object({ rate: Num, start: Num, stop: Num, base: Num, format: Type.Union([Type.Literal("time"), Type.Literal("bytes")]) }),
  }),
  Type.Object({ type: Type.Literal("eos") }),
  Type.Object({ type: Type.Literal("flush-start") }),
  Type.Object({ type: Type.Literal("flush-stop"), resetTime: Type.Boolean() }),
  Type.Object({ type: Type.Literal("gap"), timestamp: Num, duration: Num }),
  Type.Object({ type: Type.Literal("custom"), name: Type.String(), data: Type.Unknown(), serialized: Type.Boolean() }),
]);
type WireEvent = Static<typeof WireEvent>;

const LinkMessage = Type.Union([
  Type.Object({ t: Type.Literal("pool"), id: Type.Integer({ minimum: 1 }), seq: Type.Integer() }),
  Type.Object({ t: Type.Literal("event"), ev: WireEvent, seq: Type.Optional(Type.Integer()) }),
  Type.Object({ t: Type.Literal("flow"), flow: Type.Integer({ minimum: -5, maximum: 0 }) }),
]);
/** The schemas, for schema-check.test.ts. */
export const LINK_SCHEMAS = { LinkMessage, WireEvent };
export type LinkMessage = { t: "pool"; id: number; seq: number } | { t: "event"; ev: Event; seq?: number } | { t: "flow"; flow: number };

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function toWire(ev: Event): WireEvent {
  if (ev.type === "caps") return { type: "caps", caps: ev.caps.toString() };
  return ev as WireEvent;
}

function fromWire(w: WireEvent): Event {
  switch (w.type) {
    case "caps":
      try {
        return Events.caps(Caps.parse(w.caps));
      } catch (e) {
        throw new LinkViolation(`a caps event whose caps do not parse: ${(e as Error).message}`);
      }
    case "eos":
      return Events.eos();
    default:
      return w as Event;
  }
}

/** One frame. Throws LinkViolation when the message would exceed MAX_LINK_MESSAGE (a custom
 * event with a large payload: keep such data out of band). */
export function encodeLink(msg: LinkMessage): Uint8Array {
  const wire = msg.t === "event" ? { ...msg, ev: toWire(msg.ev) } : msg;
  const json = encoder.encode(JSON.stringify(wire));
  if (json.byteLength + 4 > MAX_LINK_MESSAGE) throw new LinkViolation(`a ${msg.t} message of ${json.byteLength} bytes exceeds the ${MAX_LINK_MESSAGE}-byte limit`);
  const out = new Uint8Array(json.byteLength + 4);
  new DataView(out.buffer).setUint32(0, json.byteLength, true);
  out.set(json, 4);
  return out;
}

/** Parses one whole frame. Throws LinkViolation. */
export function decodeLink(frame: Uint8Array): LinkMessage {
  if (frame.byteLength < 4) throw new LinkViolation("a link message shorter than its length prefix");
  const len = new DataView(frame.buffer, frame.byteOffset, frame.byteLength).getUint32(0, true);
  if (len + 4 > MAX_LINK_MESSAGE) throw new LinkViolation(`an oversize link message (${len} bytes announced, the limit is ${MAX_LINK_MESSAGE})`);
  if (len !== frame.byteLength - 4) throw new LinkViolation(`a link message whose length prefix (${len}) does not match its frame (${frame.byteLength - 4})`);
  let v: unknown;
  try {
    v = JSON.parse(decoder.decode(frame.subarray(4)));
  } catch {
    throw new LinkViolation("a link message that is not JSON");
  }
  if (schemaMismatch(LinkMessage, v) !== null) throw new LinkViolation(`a link message that is not the protocol: ${JSON.stringify(v)?.slice(0, 100)}`);
  const m = v as Static<typeof LinkMessage>;
  if (m.t === "event") return { t: "event", ev: fromWire(m.ev), seq: m.seq };
  return m;
}

/** Splits a byte stream (the producer's watcher chunks) into frames. */
export class LinkFrameReader {
  #buf = new Uint8Array(0);

  push(bytes: Uint8Array): LinkMessage[] {
    const all = new Uint8Array(this.#buf.byteLength + bytes.byteLength);
    all.set(this.#buf, 0);
    all.set(bytes, this.#buf.byteLength);
    const out: LinkMessage[] = [];
    const dv = new DataView(all.buffer);
    let o = 0;
    while (all.byteLength - o >= 4) {
      const len = dv.getUint32(o, true);
      if (len + 4 > MAX_LINK_MESSAGE) throw new LinkViolation(`an oversize link message (${len} bytes announced, the limit is ${MAX_LINK_MESSAGE})`);
      if (all.byteLength - o - 4 < len) break;
      out.push(decodeLink(all.subarray(o, o + 4 + len)));
      o += 4 + len;
    }
    this.#buf = all.slice(o);
    return out;
  }
}

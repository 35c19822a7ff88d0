/**
 * split: cuts a byte stream into records at a delimiter (`delimiter`, default a newline; escapes
 * as in escapes.ts), as `split -l` or a line reader does. Records may span input buffers: the
 * unfinished end of one buffer is carried into the next. A record inside one input buffer goes
 * out as a view on the same memory (no copy); one that spans buffers is copied into a pooled
 * buffer. `keep-delimiter` leaves the delimiter on each record; `skip-empty` drops empty
 * records. At EOS the last, unterminated record goes out if not empty. A record growing past
 * `max-size` without a delimiter is an error (wrong delimiter, or binary data).
 *
 * Metadata: each record gets the pts of the input buffer its first byte came from, its byte
 * offset in the stream as `offset`, and a running record number as `sequence`.
 */
import { type Buffer, TIME_NONE } from "../../src/buffer.ts";
import type { Event } from "../../src/events.ts";
import { Flow, type FlowReturn } from "../../src/flow.ts";
import { type ElementMeta, template } from "../../src/graph/element.ts";
import type { Pad } from "../../src/graph/pad.ts";
import { PropertyError, Type, type Static } from "../../src/graph/properties.ts";
import { Transform } from "../../src/graph/transform.ts";
import { BytePool } from "./byte-pool.ts";
import { parseEscapes } from "./escapes.ts";

export const DEFAULT_DELIMITER = "\\n";
export const DEFAULT_MAX_SIZE = 1024 * 1024;

const Props = Type.Object({
  delimiter: Type.String({ default: DEFAULT_DELIMITER, description: "Bytes that end a record (escapes \\n \\r \\t \\0 \\xHH)" }),
  keepDelimiter: Type.Boolean({ default: false, description: "Leave the delimiter at the end of each record" }),
  skipEmpty: Type.Boolean({ default: false, description: "Drop empty records" }),
  maxSize: Type.Integer({ default: DEFAULT_MAX_SIZE, minimum: 1, description: "Longest record in bytes before it is an error" }),
});
type P = Static<typeof Props>;

export class Split extends Transform<P> {
  static override meta: ElementMeta = {
    name: "split",
    category: "transform",
    description: "Cuts a byte stream into records at a delimiter (records may span buffers)",
    pads: [template.sink("ANY"), template.src("ANY")],
    properties: Props,
    scheduling: { affinity: "auto", rtSafe: true },
    authority: "none",
  };

  #delim: Uint8Array = new Uint8Array([10]);
  /** Scratch for delimiters split across two buffers (2 × (delimiter length − 1) bytes). */
  #window: Uint8Array = new Uint8Array(0);
  #pool: BytePool | null = null;
  /** Pieces of the unfinished record (views on held input buffers). */
  #carry: Buffer[] = [];
  #carryLen = 0;
  #carryPts = TIME_NONE;
  /** Stream offset of the next byte to arrive, and of the unfinished record's start. */
  #streamOffset = 0;
  #recordStart = 0;
  #records = 0;

  protected override validate(): void {
    try {
      this.#delim = parseEscapes(this.props.delimiter);
    } catch (err) {
      throw new PropertyError(this.name, "delimiter", `property "delimiter" of ${this.name}: ${(err as Error).message}`);
    }
    if (this.#delim.length === 0) {
      throw new PropertyError(this.name, "delimiter", `property "delimiter" of ${this.name} is empty`, "give at least one byte, e.g. delimiter=\"\\n\"");
    }
    this.#window = new Uint8Array(2 * (this.#delim.length - 1));
  }

  override prepare(): void {
    this.#pool = new BytePool(this.name);
  }

  override unprepare(): void {
    this.#dropCarry();
    this.#pool?.close();
    this.#pool = null;
  }

  override start(): void {
    this.#dropCarry();
    this.#streamOffset = 0;
    this.#recordStart = 0;
    this.#records = 0;
  }

  transform(_buf: Buffer): null {
    return null; // unused: chain emits any number of records
  }

  override chain(_pad: Pad, buf: Buffer): FlowReturn {
    const d = buf.data;
    const delim = this.#delim;
    const dl = delim.length;
    const base = this.#streamOffset;
    this.#streamOffset += d.length;
    let from = 0; // start of the current record within d (when the carry is empty)
    let flow: FlowReturn = Flow.OK;

    // A delimiter that starts in the carried bytes and ends in this buffer: search a small
    // window made of the carry's last dl-1 bytes and this buffer's first dl-1 bytes.
    if (this.#carryLen > 0 && dl > 1) {
      const tailLen = Math.min(dl - 1, this.#carryLen);
      const headLen = Math.min(dl - 1, d.length);
      const win = this.#window;
      this.#carryTail(win, tailLen);
      win.set(d.subarray(0, headLen), tailLen);
      const at = indexOf(win.subarray(0, tailLen + headLen), delim, 0);
      if (at >= 0 && at < tailLen) {
        const rest = dl - (tailLen - at);
        flow = this.#emitCarry(d.subarray(0, rest), dl);
        from = rest;
      }
    }

    let i = from;
    while (flow === Flow.OK) {
      const at = indexOf(d, delim, i);
      if (at < 0) break;
      const end = at + dl;
      if (this.#carryLen > 0) {
        flow = this.#emitCarry(d.subarray(from, end), dl);
      } else {
        const rec = buf.slice(from, this.props.keepDelimiter ? end : at);
        rec.offset = base + from;
        rec.offsetEnd = base + end;
        flow = this.#emit(rec);
      }
      from = end;
      i = end;
      this.#recordStart = base + end;
    }
    if (flow === Flow.OK && from < d.length) {
      if (this.#carryLen === 0) {
        this.#carryPts = buf.pts;
        this.#recordStart = base + from;
      }
      this.#carry.push(buf.slice(from));
      this.#carryLen += d.length - from;
      if (this.#carryLen > this.props.maxSize) {
        this.#dropCarry();
        buf.release();
        return this.error(
          "stream",
          `${this.name}: a record grew past max-size (${this.props.maxSize} bytes) without a delimiter`,
          "check the delimiter, or raise max-size",
        );
      }
    }
    buf.release();
    return flow;
  }

  /** Copies the carry's last `n` bytes into `into[0..n]`. */
  #carryTail(into: Uint8Array, n: number): void {
    let need = n;
    for (let c = this.#carry.length - 1; c >= 0 && need > 0; c--) {
      const piece = this.#carry[c]!.data;
      const take = Math.min(need, piece.length);
      into.set(piece.subarray(piece.length - take), need - take);
      need -= take;
    }
  }

  /** Emits the carried bytes plus `tail` (which ends with the delimiter) as one copied record. */
  #emitCarry(tail: Uint8Array, dl: number): FlowReturn {
    const total = this.#carryLen + tail.length;
    const keep = this.props.keepDelimiter ? total : total - dl;
    const out = (this.#pool ??= new BytePool(this.name)).acquire(keep);
    let o = 0;
    for (const piece of this.#carry) {
      const p = piece.data;
      const n = Math.min(p.length, keep - o);
      if (n > 0) out.data.set(p.subarray(0, n), o);
      o += Math.max(0, n);
    }
    if (o < keep) out.data.set(tail.subarray(0, keep - o), o);
    out.pts = this.#carryPts;
    out.offset = this.#recordStart;
    out.offsetEnd = this.#recordStart + total;
    this.#dropCarry();
    return this.#emit(out);
  }

  #emit(rec: Buffer): FlowReturn {
    if (this.props.skipEmpty && rec.size === 0) {
      rec.release();
      return Flow.OK;
    }
    rec.sequence = this.#records++;
    rec.dts = TIME_NONE;
    rec.duration = TIME_NONE;
    return this.srcPad.push(rec);
  }

  #dropCarry(): void {
    for (const b of this.#carry) b.release();
    this.#carry.length = 0;
    this.#carryLen = 0;
    this.#carryPts = TIME_NONE;
  }

  override event(pad: Pad, ev: Event): boolean {
    if (pad.direction === "sink") {
      if (ev.type === "eos" && this.#carryLen > 0) {
        const out = (this.#pool ??= new BytePool(this.name)).concat(
          this.#carry.map((b) => b.data),
          this.#carryLen,
        );
        out.pts = this.#carryPts;
        out.offset = this.#recordStart;
        out.offsetEnd = this.#recordStart + this.#carryLen;
        this.#dropCarry();
        this.#emit(out);
      } else if (ev.type === "flush-start" || ev.type === "stream-start") {
        this.#dropCarry();
        if (ev.type === "stream-start") this.#streamOffset = 0;
      }
    }
    return this.forwardEvent(pad, ev);
  }
}

/** First index of `needle` in `hay` at or after `from`, or -1. */
export function indexOf(hay: Uint8Array, needle: Uint8Array, from: number): number {
  const n0 = needle[0]!;
  if (needle.length === 1) return hay.indexOf(n0, from);
  const last = hay.length - needle.length;
  for (let i = hay.indexOf(n0, from); i >= 0 && i <= last; i = hay.indexOf(n0, i + 1)) {
    let j = 1;
    while (j < needle.length && hay[i + j] === needle[j]) j++;
    if (j === needle.length) return i;
  }
  return -1;
}

/**
 * batch: gathers consecutive buffers into one, to pay per-buffer costs (a syscall, a network
 * message, a process hop) once per batch. A batch is sent when it holds `count` buffers, when
 * it reaches `bytes` bytes, or `timeout` ns of running time after its first buffer arrived
 * (pipeline clock; sent from the element's own task); 0 turns a limit off. A serialized event
 * (EOS, caps, segment, …) sends the open batch first, so order is kept and nothing is lost.
 *
 * The batch's bytes are its parts laid end to end in a pooled buffer, and its metadata records
 * the boundaries: `meta.batch = { sizes, pts }` (one entry per part), with the first part's
 * timestamps and offset on the batch itself. With `framing=length-prefixed` each part is
 * preceded by its length (u32 little-endian) instead, so unbatch can split it after any
 * transport that drops metadata (a file, a socket, another program).
 */
import { type Buffer, TIME_NONE } from "../../src/buffer.ts";
import { type Event, isSerialized } from "../../src/events.ts";
import { Flow, type FlowReturn } from "../../src/flow.ts";
import { type ElementMeta, template } from "../../src/graph/element.ts";
import type { Pad } from "../../src/graph/pad.ts";
import { PropertyError, Type, type Static } from "../../src/graph/properties.ts";
import { Step, type StepResult } from "../../src/runtime/scheduler.ts";
import { Clocked } from "../timing/clocked.ts";
import { BytePool } from "./byte-pool.ts";

export const DEFAULT_COUNT = 16;
export const DEFAULT_BYTES = 0;
export const DEFAULT_TIMEOUT = 0;
export const DEFAULT_FRAMING = "none";
/** Metadata key holding the part boundaries. */
export const BATCH_META = "batch";
/** Bytes of the length before each part with framing=length-prefixed. */
export const LENGTH_PREFIX = 4;

export type BatchMeta = { sizes: number[]; pts: number[] };

const Props = Type.Object({
  count: Type.Integer({ default: DEFAULT_COUNT, minimum: 0, description: "Buffers per batch (0 = no count limit)" }),
  bytes: Type.Integer({ default: DEFAULT_BYTES, minimum: 0, description: "Send the batch once it holds this many bytes (0 = no byte limit)" }),
  timeout: Type.Integer({ default: DEFAULT_TIMEOUT, minimum: 0, description: "Send the batch this long (ns of running time) after its first buffer (0 = never)" }),
  framing: Type.Enum(["none", "length-prefixed"], { default: DEFAULT_FRAMING, description: "Boundaries in metadata only, or a u32 LE length before each part" }),
});
type P = Static<typeof Props>;

export class Batch extends Clocked<P> {
  static override meta: ElementMeta = {
    name: "batch",
    category: "transform",
    description: "Gathers consecutive buffers into one (by count, bytes or timeout); unbatch splits them again",
    pads: [template.sink("ANY"), template.src("ANY")],
    properties: Props,
    scheduling: { affinity: "async", rtSafe: false },
    authority: "none",
  };

  #parts: Buffer[] = [];
  #bytes = 0;
  /** Running time at which the open batch times out. */
  #deadline = Infinity;
  #pool: BytePool | null = null;
  #batches = 0;

  protected override validate(): void {
    const p = this.props;
    if (p.count === 0 && p.bytes === 0 && p.timeout === 0) {
      throw new PropertyError(this.name, "count", `${this.name}: count, bytes and timeout are all 0, so a batch would never be sent`, "set at least one of them");
    }
  }

  override prepare(): void {
    this.#pool = new BytePool(this.name);
  }

  override unprepare(): void {
    this.#pool?.close();
    this.#pool = null;
  }

  override start(): void {
    super.start();
    this.#batches = 0;
  }

  protected override reset(): void {
    for (const b of this.#parts) b.release();
    this.#parts = [];
    this.#bytes = 0;
    this.#deadline = Infinity;
  }

  override chain(_pad: Pad, buf: Buffer): FlowReturn {
    const p = this.props;
    if (this.#parts.length === 0 && p.timeout > 0) {
      this.#deadline = this.now() + p.timeout;
      this.wakeAt(this.#deadline);
    }
    this.#parts.push(buf);
    this.#bytes += buf.size;
    if ((p.count > 0 && this.#parts.length >= p.count) || (p.bytes > 0 && this.#bytes >= p.bytes)) return this.#send();
    return Flow.OK;
  }

  /** Sends the open batch (if any). */
  #send(): FlowReturn {
    const parts = this.#parts;
    if (parts.length === 0) return Flow.OK;
    const framed = this.props.framing === "length-prefixed";
    const total = this.#bytes + (framed ? LENGTH_PREFIX * parts.length : 0);
    const out = (this.#pool ??= new BytePool(this.name)).acquire(total);
    const d = out.data;
    const view = new DataView(d.buffer, d.byteOffset, d.byteLength);
    const sizes: number[] = [];
    const pts: number[] = [];
    let o = 0;
    for (const b of parts) {
      if (framed) {
        view.setUint32(o, b.size, true);
        o += LENGTH_PREFIX;
      }
      d.set(b.data, o);
      o += b.size;
      sizes.push(b.size);
      pts.push(b.pts);
    }
    const first = parts[0]!;
    const last = parts[parts.length - 1]!;
    out.copyMetadataFrom(first);
    if (first.pts !== TIME_NONE && last.pts !== TIME_NONE) {
      out.duration = last.pts - first.pts + (last.duration === TIME_NONE ? 0 : last.duration);
    }
    out.sequence = this.#batches++;
    out.meta = { ...(first.meta ?? {}), [BATCH_META]: { sizes, pts } satisfies BatchMeta };
    this.reset();
    return this.srcPad.push(out);
  }

  override event(pad: Pad, ev: Event): boolean {
    if (pad.direction === "sink") {
      if (ev.type === "flush-start") {
        this.reset();
        this.cancelWake();
      } else if (isSerialized(ev)) {
        this.#send();
      }
    }
    return this.forwardEvent(pad, ev);
  }

  protected override tick(): StepResult {
    if (this.#parts.length === 0) return Step.WAIT;
    if (this.now() < this.#deadline) {
      this.wakeAt(this.#deadline);
      return Step.WAIT;
    }
    this.#send();
    return Step.WAIT;
  }
}

/**
 * sequence: numbers buffers, or checks their numbering. `mode=set` writes a running number
 * (from `start`) into each buffer's `sequence`. `mode=check` expects the numbers to go up by
 * one: a jump marks the buffer DISCONT, counts the missing ones (`lost`) and posts an element
 * message "sequence-gap" `{ expected, got }`; a number lower than expected counts as
 * `reordered` ("sequence-reorder"). A new stream (stream-start) restarts the count.
 */
import { type Buffer, BufferFlag } from "../../src/buffer.ts";
import type { Event } from "../../src/events.ts";
import { type ElementMeta, template } from "../../src/graph/element.ts";
import type { Pad } from "../../src/graph/pad.ts";
import { Type, type Static } from "../../src/graph/properties.ts";
import { Transform } from "../../src/graph/transform.ts";

export const DEFAULT_MODE = "set";
export const DEFAULT_START = 0;

const Props = Type.Object({
  mode: Type.Enum(["set", "check"], { default: DEFAULT_MODE, description: "Write running numbers (set) or check the existing ones (check)" }),
  start: Type.Integer({ default: DEFAULT_START, minimum: 0, description: "First number written with mode=set" }),
});
type P = Static<typeof Props>;

export class Sequence extends Transform<P> {
  static override meta: ElementMeta = {
    name: "sequence",
    category: "transform",
    description: "Numbers buffers, or checks their numbering for gaps and reordering",
    pads: [template.sink("ANY"), template.src("ANY")],
    properties: Props,
    scheduling: { affinity: "auto", rtSafe: true },
    authority: "none",
  };

  #next = 0;
  #first = true;
  /** Buffers missing (mode=check) since start. */
  lost = 0;
  /** Buffers that came with a lower number than expected (mode=check). */
  reordered = 0;

  override start(): void {
    this.#restart();
    this.lost = 0;
    this.reordered = 0;
  }

  #restart(): void {
    this.#next = this.props.start;
    this.#first = true;
  }

  transform(buf: Buffer): Buffer {
    if (this.props.mode === "set") {
      buf.sequence = this.#next++;
      return buf;
    }
    const got = buf.sequence;
    if (!this.#first && got !== this.#next) {
      if (got > this.#next) {
        this.lost += got - this.#next;
        buf.setFlag(BufferFlag.DISCONT);
        this.postMessage("sequence-gap", { expected: this.#next, got });
      } else {
        this.reordered++;
        this.postMessage("sequence-reorder", { expected: this.#next, got });
        return buf; // keep expecting the same next number
      }
    }
    this.#first = false;
    this.#next = got + 1;
    return buf;
  }

  override event(pad: Pad, ev: Event): boolean {
    if (pad.direction === "sink" && (ev.type === "stream-start" || ev.type === "flush-stop")) this.#restart();
    return this.forwardEvent(pad, ev);
  }
}

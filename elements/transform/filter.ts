/**
 * filter: keeps the buffers for which a function returns true and drops the others (an API
 * element, see api-function.ts). The function only looks: it must not keep or change the
 * buffer.
 *
 *   p.make("filter", { fn: (b: Buffer) => b.size > 0 })
 */
import type { Buffer } from "../../src/buffer.ts";
import type { FlowReturn } from "../../src/flow.ts";
import { type ElementMeta, NO_PROPERTIES, template } from "../../src/graph/element.ts";
import { Transform } from "../../src/graph/transform.ts";
import { requireFunction, takeFunction, threw } from "./api-function.ts";

export type FilterFn = (buf: Buffer) => boolean;

export class FilterElement extends Transform {
  static override meta: ElementMeta = {
    name: "filter",
    category: "transform",
    description: "Keeps the buffers a function accepts (API element: give { fn } from TypeScript)",
    pads: [template.sink("ANY"), template.src("ANY")],
    properties: NO_PROPERTIES,
    scheduling: { affinity: "auto", rtSafe: false },
    authority: "none",
  };

  fn: FilterFn | null;
  /** Buffers dropped since start. */
  dropped = 0;

  constructor(name: string, props: Record<string, unknown> = {}) {
    const { fn, rest } = takeFunction<FilterFn>(name, "filter", props);
    super(name, rest);
    this.fn = fn;
  }

  override prepare(): void {
    requireFunction(this.name, this.factoryName, this.fn);
  }

  override start(): void {
    this.dropped = 0;
  }

  transform(buf: Buffer): Buffer | null | FlowReturn {
    let keep: boolean;
    try {
      keep = this.fn!(buf);
    } catch (err) {
      buf.release();
      return this.error("stream", threw(this.name, "filter", err), undefined, err);
    }
    if (keep) return buf;
    this.dropped++;
    buf.release();
    return null;
  }
}

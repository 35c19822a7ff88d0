/**
 * capsfilter: limits the caps of a link (GStreamer's capsfilter). In launch strings it appears
 * as a bare caps string between links: `videotestsrc ! video/x-raw,width=320 ! fakesink`.
 * Negotiation intersects both sides with `caps`; data passes through untouched, and caps that
 * change mid-stream outside the filter are refused with a not-negotiated error.
 */
import type { Buffer } from "../../src/buffer.ts";
import { Caps } from "../../src/caps/index.ts";
import { template, type ElementMeta } from "../../src/graph/element.ts";
import type { Pad } from "../../src/graph/pad.ts";
import { PropertyError, Type, type Static } from "../../src/graph/properties.ts";
import { Transform } from "../../src/graph/transform.ts";

const Props = Type.Object({
  caps: Type.String({ default: "ANY", description: "The caps allowed through" }),
});
type P = Static<typeof Props>;

export class CapsFilter extends Transform<P> {
  static override meta: ElementMeta = {
    name: "capsfilter",
    category: "flow",
    description: "Limits the caps that can pass a link",
    pads: [template.sink("ANY"), template.src("ANY")],
    properties: Props,
    scheduling: { affinity: "auto", rtSafe: true },
    authority: "none",
  };

  filter: Caps = Caps.any();

  protected override validate(): void {
    try {
      this.filter = Caps.parse(this.props.caps);
    } catch (err) {
      throw new PropertyError(this.name, "caps", `property "caps" of ${this.name}: ${(err as Error).message}`);
    }
  }

  override padCaps(_pad: Pad): Caps {
    return this.filter;
  }

  override transformCaps(_from: "src" | "sink", caps: Caps): Caps {
    return caps.intersect(this.filter);
  }

  transform(buf: Buffer): Buffer {
    return buf;
  }
}

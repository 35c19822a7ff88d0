/**
 * identity: passes buffers through unchanged (GStreamer's identity). For tests: drop a share
 * of buffers (`drop-probability`), fail after N buffers (`error-after`), print or dump each.
 */
import type { Buffer } from "../../src/buffer.ts";
import { template, type ElementMeta } from "../../src/graph/element.ts";
import { Type, type Static } from "../../src/graph/properties.ts";
import { Transform } from "../../src/graph/transform.ts";
import { Flow, type FlowReturn } from "../../src/flow.ts";
import { describeBuffer, hexDump } from "../../src/debug/format.ts";

const Props = Type.Object({
  silent: Type.Boolean({ default: true, description: "Do not print a line per buffer" }),
  dump: Type.Boolean({ default: false, description: "Print a hex dump of each buffer" }),
  dropProbability: Type.Number({ default: 0, minimum: 0, maximum: 1, description: "Share of buffers to drop" }),
  errorAfter: Type.Integer({ default: -1, minimum: -1, description: "Fail after this many buffers (-1 = never)" }),
  signalHandoffs: Type.Boolean({ default: false, description: "Call onHandoff for each buffer" }),
});
type P = Static<typeof Props>;

export class Identity extends Transform<P> {
  static override meta: ElementMeta = {
    name: "identity",
    category: "testing",
    description: "Passes buffers through unchanged; can drop, fail or print for tests",
    pads: [template.sink("ANY"), template.src("ANY")],
    properties: Props,
    scheduling: { affinity: "auto", rtSafe: true },
    authority: "none",
  };

  onHandoff: ((buf: Buffer) => void) | null = null;
  #seen = 0;

  override start(): void {
    this.#seen = 0;
  }

  transform(buf: Buffer): Buffer | null | FlowReturn {
    const p = this.props;
    if (p.errorAfter >= 0 && ++this.#seen > p.errorAfter) {
      buf.release();
      return this.error("core", `${this.name}: failed after ${p.errorAfter} buffers, as error-after asked`);
    }
    if (p.dropProbability > 0 && Math.random() < p.dropProbability) {
      buf.release();
      return null;
    }
    if (p.signalHandoffs && this.onHandoff !== null) this.onHandoff(buf);
    if (!p.silent) process.stdout.write(`${this.name}: chain ${describeBuffer(buf)}\n`);
    if (p.dump) process.stdout.write(hexDump(buf.data) + "\n");
    return buf;
  }
}

export { Flow };

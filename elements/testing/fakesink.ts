/**
 * fakesink: consumes buffers and throws them away (GStreamer's fakesink). For tests and
 * benchmarks: `signal-handoffs` calls `onHandoff(buf)` per buffer, `dump` prints a hex dump,
 * `silent=false` prints one line per buffer, `num-buffers` ends the stream after N buffers.
 */
import type { Buffer } from "../../src/buffer.ts";
import { template, type ElementMeta } from "../../src/graph/element.ts";
import { Type, type Static } from "../../src/graph/properties.ts";
import { Sink } from "../../src/graph/sink.ts";
import { Flow, type FlowReturn } from "../../src/flow.ts";
import { describeBuffer, hexDump } from "../../src/debug/format.ts";

const Props = Type.Object({
  sync: Type.Boolean({ default: false, description: "Render buffers at their running time" }),
  silent: Type.Boolean({ default: true, description: "Do not print a line per buffer" }),
  dump: Type.Boolean({ default: false, description: "Print a hex dump of each buffer" }),
  signalHandoffs: Type.Boolean({ default: false, description: "Call onHandoff for each buffer" }),
  numBuffers: Type.Integer({ default: -1, minimum: -1, description: "EOS after this many buffers (-1 = never)" }),
});
type P = Static<typeof Props>;

export class FakeSink extends Sink<P> {
  static override meta: ElementMeta = {
    name: "fakesink",
    category: "testing",
    description: "Consumes and discards buffers, for tests and benchmarks",
    pads: [template.sink("ANY")],
    properties: Props,
    scheduling: { affinity: "auto", rtSafe: true },
    authority: "none",
  };

  /** API callback (signal-handoffs=true). The buffer is only valid during the call. */
  onHandoff: ((buf: Buffer) => void) | null = null;

  render(buf: Buffer): FlowReturn {
    const p = this.props;
    if (p.signalHandoffs && this.onHandoff !== null) this.onHandoff(buf);
    if (!p.silent) process.stdout.write(`${this.name}: chain ${describeBuffer(buf)}\n`);
    if (p.dump) process.stdout.write(hexDump(buf.data) + "\n");
    if (p.numBuffers >= 0 && this.rendered + 1 >= p.numBuffers) return Flow.EOS;
    return Flow.OK;
  }
}

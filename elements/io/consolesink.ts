/**
 * consolesink: shows what flows through a pipeline, for people. Modes:
 *
 *  - metadata (default): one line per buffer — size, timestamps, offset, sequence, flags and
 *    any metadata fields — and one per event;
 *  - hex: the metadata line, then a hex dump of the first `max-bytes` bytes;
 *  - text: the bytes as UTF-8 text, a newline added when missing (`split ! consolesink
 *    mode=text` prints lines as they come).
 *
 * Output goes to `fd` (1 = stdout, 2 = stderr, through the process's own buffered streams;
 * other fds are written directly). Lines start with the element's name unless `prefix=false`.
 */
import { writeSync } from "node:fs";
import type { Buffer } from "../../src/buffer.ts";
import { describeBuffer, formatTime, hexDump } from "../../src/debug/format.ts";
import type { Event } from "../../src/events.ts";
import { Flow, type FlowReturn } from "../../src/flow.ts";
import { type ElementMeta, template } from "../../src/graph/element.ts";
import type { Pad } from "../../src/graph/pad.ts";
import { Type, type Static } from "../../src/graph/properties.ts";
import { Sink } from "../../src/graph/sink.ts";
import { errorText } from "../../src/graph/source.ts";

export const DEFAULT_MODE = "metadata";
export const DEFAULT_FD = 1;
export const DEFAULT_MAX_BYTES = 256;

const Props = Type.Object({
  mode: Type.Enum(["metadata", "hex", "text"], { default: DEFAULT_MODE, description: "Show buffer metadata, a hex dump, or the bytes as text", mutable: true }),
  fd: Type.Integer({ default: DEFAULT_FD, minimum: 0, description: "Where to write (1 = stdout, 2 = stderr)" }),
  maxBytes: Type.Integer({ default: DEFAULT_MAX_BYTES, minimum: 0, description: "Bytes shown per buffer in hex and text modes (0 = all)", mutable: true }),
  prefix: Type.Boolean({ default: true, description: "Start lines with the element's name", mutable: true }),
  events: Type.Boolean({ default: true, description: "Also show events (metadata and hex modes)", mutable: true }),
  sync: Type.Boolean({ default: false, description: "Show buffers at their running time" }),
});
type P = Static<typeof Props>;

export class ConsoleSink extends Sink<P> {
  static override meta: ElementMeta = {
    name: "consolesink",
    category: "io",
    description: "Prints buffers for people: metadata lines, hex dumps, or text",
    pads: [template.sink("ANY")],
    properties: Props,
    scheduling: { affinity: "async", rtSafe: false },
    authority: "write access to fd (stdout by default)",
  };

  readonly #decoder = new TextDecoder();

  #write(text: string): FlowReturn {
    const fd = this.props.fd;
    try {
      if (fd === 1) process.stdout.write(text);
      else if (fd === 2) process.stderr.write(text);
      else writeSync(fd, text);
    } catch (err) {
      return this.error("resource", `${this.name}: could not write fd ${fd}: ${errorText(err)}`);
    }
    return Flow.OK;
  }

  #lead(): string {
    return this.props.prefix ? `${this.name}: ` : "";
  }

  render(buf: Buffer): FlowReturn {
    const p = this.props;
    const shown = p.maxBytes > 0 && buf.size > p.maxBytes ? buf.data.subarray(0, p.maxBytes) : buf.data;
    if (p.mode === "text") {
      let t = this.#decoder.decode(shown);
      if (shown.length < buf.size) t += ` … (${buf.size - shown.length} more bytes)`;
      if (!t.endsWith("\n")) t += "\n";
      return this.#write(this.#lead() + t);
    }
    let line = `${this.#lead()}buffer ${describeBuffer(buf)}`;
    if (buf.meta !== null) line += ` meta ${safeJson(buf.meta)}`;
    line += "\n";
    if (p.mode === "hex") line += hexDump(shown, shown.length) + (shown.length < buf.size ? `\n… ${buf.size - shown.length} more bytes` : "") + "\n";
    return this.#write(line);
  }

  protected override handleEvent(_pad: Pad, ev: Event): boolean {
    const p = this.props;
    if (p.mode === "text" || !p.events) return true;
    this.#write(`${this.#lead()}event ${describeEvent(ev)}\n`);
    return true;
  }
}

function describeEvent(ev: Event): string {
  switch (ev.type) {
    case "stream-start":
      return `stream-start (${ev.streamId})`;
    case "caps":
      return `caps ${ev.caps}`;
    case "segment":
      return `segment (${ev.segment.format}, start ${formatTime(ev.segment.start)}, base ${formatTime(ev.segment.base)}, rate ${ev.segment.rate})`;
    case "gap":
      return `gap (at ${formatTime(ev.timestamp)}, ${formatTime(ev.duration)})`;
    case "custom":
      return `custom ${ev.name} ${safeJson(ev.data)}`;
    default:
      return ev.type;
  }
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

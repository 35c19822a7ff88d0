/**
 * filesink: writes every buffer to a file (GStreamer's filesink). `location` names the file;
 * `append` adds to it instead of truncating. Writes are synchronous (the page cache absorbs
 * them); the file is flushed and closed at EOS and on stop.
 */
import { closeSync, fsyncSync, openSync, writeSync } from "node:fs";
import type { Buffer } from "../../src/buffer.ts";
import { type ElementMeta, template } from "../../src/graph/element.ts";
import { PropertyError, Type, type Static } from "../../src/graph/properties.ts";
import { Sink } from "../../src/graph/sink.ts";
import { Flow, type FlowReturn } from "../../src/flow.ts";

const Props = Type.Object({
  location: Type.String({ default: "", description: "Path of the file to write" }),
  append: Type.Boolean({ default: false, description: "Append instead of truncating" }),
  sync: Type.Boolean({ default: false, description: "Render buffers at their running time" }),
  fsync: Type.Boolean({ default: false, description: "fsync the file at EOS" }),
});
type P = Static<typeof Props>;

export class FileSink extends Sink<P> {
  static override meta: ElementMeta = {
    name: "filesink",
    category: "io",
    description: "Writes buffers to a file",
    pads: [template.sink("ANY")],
    properties: Props,
    scheduling: { affinity: "async", rtSafe: false },
    authority: "write access to the file named by location (given as an open fd when isolated)",
  };

  #fd = -1;

  override prepare(): void {
    if (!this.props.location) {
      throw new PropertyError(this.name, "location", `${this.name}: no file to write`, "set location=PATH");
    }
    try {
      this.#fd = openSync(this.props.location, this.props.append ? "a" : "w");
    } catch (err) {
      throw new Error(`${this.name}: cannot open "${this.props.location}" for writing: ${(err as Error).message}`);
    }
  }

  render(buf: Buffer): FlowReturn {
    const d = buf.data;
    try {
      let off = 0;
      while (off < d.length) off += writeSync(this.#fd, d, off, d.length - off);
    } catch (err) {
      return this.error("resource", `${this.name}: could not write "${this.props.location}": ${(err as Error).message}`);
    }
    return Flow.OK;
  }

  protected override handleEvent(): boolean {
    return true;
  }

  override unprepare(): void {
    if (this.#fd >= 0) {
      if (this.props.fsync) fsyncSync(this.#fd);
      closeSync(this.#fd);
    }
    this.#fd = -1;
  }
}

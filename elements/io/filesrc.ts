/**
 * filesrc: reads a file in blocks (GStreamer's filesrc). `location` names the file,
 * `blocksize` the bytes per buffer; the last buffer may be shorter. Buffers carry their byte
 * offset. Reads are synchronous into pooled memory (the page cache makes them memory-speed).
 */
import { closeSync, openSync, readSync } from "node:fs";
import { type ElementMeta, template } from "../../src/graph/element.ts";
import { PropertyError, Type, type Static } from "../../src/graph/properties.ts";
import { type CreateResult, Source, WAIT } from "../../src/graph/source.ts";
import { Allocator } from "../../src/runtime/allocator.ts";
import { Flow } from "../../src/flow.ts";

export const DEFAULT_BLOCKSIZE = 4096;

const Props = Type.Object({
  location: Type.String({ default: "", description: "Path of the file to read" }),
  blocksize: Type.Integer({ default: DEFAULT_BLOCKSIZE, minimum: 1, description: "Bytes per buffer" }),
  numBuffers: Type.Integer({ default: -1, minimum: -1, description: "Stop after this many buffers (-1 = whole file)" }),
});
type P = Static<typeof Props>;

export class FileSrc extends Source<P> {
  static override meta: ElementMeta = {
    name: "filesrc",
    category: "io",
    description: "Reads a file in blocks",
    pads: [template.src("ANY")],
    properties: Props,
    scheduling: { affinity: "async", rtSafe: false },
    authority: "read access to the file named by location (given as an open fd when isolated)",
  };

  #fd = -1;
  #offset = 0;
  #count = 0;
  #alloc: Allocator | null = null;

  override prepare(): void {
    if (!this.props.location) {
      throw new PropertyError(this.name, "location", `${this.name}: no file to read`, "set location=PATH");
    }
    try {
      this.#fd = openSync(this.props.location, "r");
    } catch (err) {
      throw new Error(`${this.name}: cannot open "${this.props.location}" for reading: ${(err as Error).message}`);
    }
    this.#alloc = new Allocator(this.props.blocksize, this.name, 64);
  }

  override start(): void {
    super.start();
    this.#offset = 0;
    this.#count = 0;
  }

  override unprepare(): void {
    if (this.#fd >= 0) closeSync(this.#fd);
    this.#fd = -1;
    this.#alloc?.close();
    this.#alloc = null;
  }

  create(): CreateResult {
    const p = this.props;
    if (p.numBuffers >= 0 && this.#count >= p.numBuffers) return null;
    const buf = this.#alloc!.acquire(p.blocksize, this.task);
    if (buf === null) return WAIT;
    let n: number;
    try {
      n = readSync(this.#fd, buf.data, 0, p.blocksize, this.#offset);
    } catch (err) {
      buf.release();
      return this.error("resource", `${this.name}: could not read "${p.location}": ${(err as Error).message}`);
    }
    if (n === 0) {
      buf.release();
      return null;
    }
    if (n < p.blocksize) buf.data = buf.data.subarray(0, n);
    buf.offset = this.#offset;
    buf.offsetEnd = this.#offset + n;
    buf.sequence = this.#count++;
    this.#offset += n;
    return buf;
  }
}

export { Flow };

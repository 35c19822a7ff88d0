/**
 * datasrc: sends bytes given by the application or the launch line, then ends the stream.
 *
 * From a launch string: `data` holds the bytes as text (`encoding=utf8`, the default), hex
 * (`hex`: "48656c6c6f", spaces allowed) or base64; `blocksize` cuts them into buffers of that
 * many bytes (0 = one buffer). From TypeScript, give the buffers themselves:
 *
 *   new DataSrc("d", { chunks: ["hello", new Uint8Array([1, 2]), someBuffer] })
 *   (el as DataSrc).chunks = [...]                 // before running
 *
 * each chunk becoming one buffer (then `data` and `blocksize` are not used). `repeat` sends
 * everything that many times (-1 = forever). `caps` announces the format. Each buffer is a
 * pooled copy, so downstream may change it in place without touching the source's bytes.
 */
import { Buffer } from "../../src/buffer.ts";
import { Caps } from "../../src/caps/index.ts";
import { type ElementMeta, template } from "../../src/graph/element.ts";
import type { Pad } from "../../src/graph/pad.ts";
import { PropertyError, Type, type Static } from "../../src/graph/properties.ts";
import { type CreateResult, Source, WAIT } from "../../src/graph/source.ts";
import { Allocator } from "../../src/runtime/allocator.ts";

export const DEFAULT_DATA = "";
export const DEFAULT_ENCODING = "utf8";
export const DEFAULT_BLOCKSIZE = 0;
export const DEFAULT_REPEAT = 1;

const Props = Type.Object({
  data: Type.String({ default: DEFAULT_DATA, description: "The bytes to send, written in `encoding`" }),
  encoding: Type.Enum(["utf8", "hex", "base64"], { default: DEFAULT_ENCODING, description: "How `data` is written" }),
  blocksize: Type.Integer({ default: DEFAULT_BLOCKSIZE, minimum: 0, description: "Bytes per buffer (0 = all of data in one buffer)" }),
  repeat: Type.Integer({ default: DEFAULT_REPEAT, minimum: -1, description: "Times the data is sent (-1 = forever)" }),
  caps: Type.String({ default: "ANY", description: "Caps of the data" }),
});
type P = Static<typeof Props>;

export type Chunk = Uint8Array | Buffer | string;

export class DataSrc extends Source<P> {
  static override meta: ElementMeta = {
    name: "datasrc",
    category: "testing",
    description: "Sends bytes given in the launch line (data=) or by the application (chunks), then EOS",
    pads: [template.src("ANY")],
    properties: Props,
    // Event loop: chunks given from TypeScript cannot be recreated in a Worker from properties; a real-time partition
    // would hold a copy the application does not see. Per buffer it is RT-safe.
    scheduling: { affinity: "async", rtSafe: true },
    authority: "none",
  };

  /** Chunks given from TypeScript; each becomes one buffer. Null: use `data`. */
  chunks: Chunk[] | null;
  #parts: Uint8Array[] = [];
  #caps: Caps = Caps.any();
  #alloc: Allocator | null = null;
  #index = 0;
  #round = 0;
  #offset = 0;
  #count = 0;

  constructor(name: string, props: Record<string, unknown> = {}) {
    const { chunks, ...rest } = props;
    if (chunks !== undefined && chunks !== null && !Array.isArray(chunks)) {
      throw new PropertyError(name, "chunks", `property "chunks" of ${name} must be an array of Uint8Array, Buffer or string`, "give chunks from TypeScript; use data= in launch strings");
    }
    super(name, rest);
    this.chunks = (chunks as Chunk[] | undefined) ?? null;
  }

  protected override validate(): void {
    try {
      this.#caps = Caps.parse(this.props.caps);
    } catch (err) {
      throw new PropertyError(this.name, "caps", `property "caps" of ${this.name}: ${(err as Error).message}`);
    }
    try {
      decode(this.props.data, this.props.encoding);
    } catch (err) {
      throw new PropertyError(this.name, "data", `property "data" of ${this.name}: ${(err as Error).message}`, `write it in ${this.props.encoding}`);
    }
  }

  override padCaps(_pad: Pad): Caps {
    return this.#caps;
  }

  override prepare(): void {
    this.#parts = this.chunks !== null ? this.chunks.map(toBytes) : cut(decode(this.props.data, this.props.encoding), this.props.blocksize);
    const max = this.#parts.reduce((m, x) => Math.max(m, x.length), 0);
    if (max > 0) this.#alloc = new Allocator(max, this.name, Math.max(8, Math.min(64, this.#parts.length)));
  }

  override unprepare(): void {
    this.#alloc?.close();
    this.#alloc = null;
  }

  override start(): void {
    super.start();
    this.#index = 0;
    this.#round = 0;
    this.#offset = 0;
    this.#count = 0;
  }

  create(): CreateResult {
    const parts = this.#parts;
    const rounds = this.props.repeat;
    if (parts.length === 0 || rounds === 0) return null;
    if (this.#index >= parts.length) {
      this.#round++;
      this.#index = 0;
      if (rounds >= 0 && this.#round >= rounds) return null;
    }
    const src = parts[this.#index]!;
    let buf: Buffer | null;
    if (src.length === 0) {
      buf = new Buffer(new Uint8Array(0));
    } else {
      buf = this.#alloc!.acquire(src.length, this.task);
      if (buf === null) return WAIT;
      buf.data.set(src);
    }
    this.#index++;
    buf.offset = this.#offset;
    buf.offsetEnd = this.#offset + src.length;
    buf.sequence = this.#count++;
    this.#offset += src.length;
    return buf;
  }
}

function toBytes(c: Chunk): Uint8Array {
  if (typeof c === "string") return new TextEncoder().encode(c);
  if (c instanceof Buffer) return c.data;
  return c;
}

function decode(text: string, encoding: string): Uint8Array {
  if (encoding === "hex") {
    const h = text.replace(/\s+/g, "");
    if (!/^([0-9a-fA-F]{2})*$/.test(h)) throw new Error("hex data must be pairs of hex digits");
    const out = new Uint8Array(h.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = parseInt(h.slice(2 * i, 2 * i + 2), 16);
    return out;
  }
  if (encoding === "base64") {
    if (!/^[A-Za-z0-9+/=\s]*$/.test(text)) throw new Error("base64 data has characters outside A-Z a-z 0-9 + / =");
    return new Uint8Array(globalThis.Buffer.from(text, "base64"));
  }
  return new TextEncoder().encode(text);
}

function cut(bytes: Uint8Array, blocksize: number): Uint8Array[] {
  if (bytes.length === 0) return [];
  if (blocksize === 0 || blocksize >= bytes.length) return [bytes];
  const out: Uint8Array[] = [];
  for (let o = 0; o < bytes.length; o += blocksize) out.push(bytes.subarray(o, o + blocksize));
  return out;
}

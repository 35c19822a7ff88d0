/**
 * 02 — A counting source written in a few lines: a Source subclass with a TypeBox property
 * schema, a pad template, and a synchronous create() that returns a buffer or null at the end.
 *
 *   bun examples/02_counting_source.ts
 */
import { AppSink, Buffer, Pipeline, Source, template, Type, type Static } from "../src/index.ts";

const Props = Type.Object({
  count: Type.Integer({ default: 10, minimum: 0, description: "How many numbers to produce" }),
});

export class CountingSource extends Source<Static<typeof Props>> {
  static override meta = {
    name: "countingsrc",
    category: "testing",
    description: "Produces the numbers 0..count-1 as 4-byte little-endian buffers",
    pads: [template.src("application/x-count")],
    properties: Props,
    scheduling: { affinity: "auto" as const, rtSafe: true },
  };
  #next = 0;

  override start(): void {
    super.start();
    this.#next = 0;
  }

  create(): Buffer | null {
    if (this.#next >= this.props.count) return null;
    const buf = Buffer.alloc(4);
    new DataView(buf.data.buffer).setUint32(0, this.#next, true);
    buf.sequence = this.#next++;
    return buf;
  }
}

export async function main(): Promise<number[]> {
  const p = new Pipeline();
  const src = new CountingSource("count", { count: 5 });
  const sink = new AppSink("out", {});
  p.add(src, sink).chain(src, sink);
  const done = p.run();
  const seen: number[] = [];
  for await (const b of sink) {
    seen.push(new DataView(b.data.buffer, b.data.byteOffset).getUint32(0, true));
    b.release();
  }
  await done;
  console.log(`counted: ${seen.join(", ")} (caps ${sink.caps})`);
  return seen;
}

if (import.meta.main) await main();

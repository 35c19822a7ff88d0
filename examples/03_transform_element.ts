/**
 * 03 — A transform element: uppercase text buffers in place. One class, a pad template on each
 * side, a synchronous transform() that returns the buffer to push.
 *
 *   bun examples/03_transform_element.ts
 */
import { AppSink, AppSrc, Buffer, NO_PROPERTIES, Pipeline, Transform, template } from "../src/index.ts";

export class Upper extends Transform {
  static override meta = {
    name: "upper",
    category: "transform",
    description: "Uppercases ASCII text in place",
    pads: [template.sink("text/x-raw"), template.src("text/x-raw")],
    properties: NO_PROPERTIES,
    scheduling: { affinity: "auto" as const, rtSafe: true },
  };

  transform(buf: Buffer): Buffer {
    const d = buf.data;
    for (let i = 0; i < d.length; i++) if (d[i]! >= 97 && d[i]! <= 122) d[i] = d[i]! - 32;
    return buf;
  }
}

export async function main(words = ["hello", "parallax"]): Promise<string[]> {
  const p = new Pipeline();
  const src = new AppSrc("in", { caps: "text/x-raw" });
  const up = new Upper("upper", {});
  const sink = new AppSink("out", {});
  p.add(src, up, sink).chain(src, up, sink);
  const done = p.run();
  void src.pipeFrom(words.map((w) => Buffer.fromString(w)));
  const out: string[] = [];
  for await (const b of sink) out.push(b.text());
  await done;
  console.log(out.join(" "));
  return out;
}

if (import.meta.main) await main();

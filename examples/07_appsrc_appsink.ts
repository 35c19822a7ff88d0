/**
 * 07 — appsrc and appsink: the application feeds text into a pipeline and reads the result
 * back. The pipeline cuts the text into lines (split, whatever the chunk boundaries), keeps
 * the ones that are not comments (regex-filter), and upper-cases them with a map element whose
 * function comes from TypeScript. Writes wait when the pipeline is full (appsrc is bounded),
 * and the reader pulls at its own pace (appsink is bounded too).
 *
 *   bun examples/07_appsrc_appsink.ts
 */
import { AppSink, AppSrc, Buffer, launch } from "../src/index.ts";
import type { MapElement } from "../elements/transform/map.ts";

export async function main(
  chunks = ["# shopping list\nmi", "lk\neggs\n# todo: coffee\nbre", "ad"],
): Promise<string[]> {
  const p = launch(
    "appsrc name=in caps=text/x-raw ! split ! regex-filter pattern=^# invert=true ! map name=upper ! appsink name=out",
  );
  (p.getElement("upper") as MapElement).fn = (b) => Buffer.fromString(b.text().toUpperCase());
  const src = p.getElement("in") as AppSrc;
  const sink = p.getElement("out") as AppSink;
  const done = p.run();
  void src.pipeFrom(chunks.map((c) => Buffer.fromString(c)));
  const lines: string[] = [];
  for await (const b of sink) lines.push(b.text());
  await done;
  console.log(lines.join(", "));
  return lines;
}

if (import.meta.main) await main();

/**
 * 05 — Funnel merge: two sources feed one funnel; the funnel forwards buffers in arrival order
 * and ends the stream only when both inputs have ended. Each input's stream-start, caps and
 * segment are resent whenever the data switches to it, so downstream always knows which
 * stream a buffer belongs to (here: the stream id tells the two sources apart).
 *
 *   bun examples/05_funnel_merge.ts
 */
import { FakeSink, launch } from "../src/index.ts";

export async function main(a = 100, b = 60): Promise<{ total: number; perStream: Record<string, number>; switches: number }> {
  const p = launch(
    `testsrc name=a pattern=counter blocksize=16 num-buffers=${a} ! funnel name=f ! fakesink name=out signal-handoffs=true ` +
      `testsrc name=b pattern=ones blocksize=8 num-buffers=${b} ! f.`,
  );
  const sink = p.getElement("out") as FakeSink;
  const perStream: Record<string, number> = {};
  let current = "";
  let switches = 0;
  // The sink's pad keeps the last stream-start it received: the stream of the buffer at hand.
  sink.onHandoff = () => {
    const ev = sink.pads[0]!.sticky.get("stream-start");
    const id = ev?.type === "stream-start" ? ev.streamId.split("/")[0]! : "?";
    if (id !== current) {
      switches++;
      current = id;
    }
    perStream[id] = (perStream[id] ?? 0) + 1;
  };
  await p.run();
  const total = Object.values(perStream).reduce((x, y) => x + y, 0);
  console.log(`funnel: ${total} buffers (${JSON.stringify(perStream)}), ${switches} switches between inputs`);
  return { total, perStream, switches };
}

if (import.meta.main) await main();

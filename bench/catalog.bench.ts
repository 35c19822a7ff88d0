/**
 * Micro-benchmarks (mitata) of the per-buffer cost of catalog I elements: one synchronous push
 * through the element into the harness collector (released at once), as bench/micro.ts
 * measures identity. Compare each with "identity" in the same run: the difference is what
 * the element itself costs per buffer.
 *
 *   bun bench/catalog.bench.ts
 */
import { bench, group, run, summary } from "mitata";
import { Buffer } from "../src/buffer.ts";
import type { Element } from "../src/graph/element.ts";
import { Identity } from "../src/index.ts";
import { Harness } from "../src/testing/harness.ts";
import { Funnel } from "../elements/flow/funnel.ts";
import { InputSelector } from "../elements/flow/input-selector.ts";
import { Valve } from "../elements/flow/valve.ts";
import { DuplicateFilter } from "../elements/transform/duplicate-filter.ts";
import { MapElement } from "../elements/transform/map.ts";
import { MetaInject } from "../elements/transform/meta-inject.ts";
import { SampleFilter } from "../elements/transform/sample-filter.ts";
import { Sequence } from "../elements/transform/sequence.ts";
import { Slice } from "../elements/transform/slice.ts";
import { Split } from "../elements/transform/split.ts";
import { Timestamper } from "../elements/transform/timestamper.ts";
import { Trim } from "../elements/transform/trim.ts";

const payload = new Uint8Array(64).fill(0x61);
const lines = new TextEncoder().encode("0123456789abcdef\n".repeat(4)); // 4 records per buffer
const harnesses: Harness[] = [];

function hop(name: string, el: Element, data: Uint8Array = payload, inputs = 1): void {
  const h = new Harness(el);
  harnesses.push(h);
  for (let i = 1; i < inputs; i++) h.addInput();
  for (let i = 0; i < inputs; i++) h.setCaps("ANY", i);
  const out = h.collectors[0]!.buffers;
  let k = 0;
  bench(name, () => {
    h.push(new Buffer(data), inputs > 1 ? k++ % inputs : 0);
    for (let b = out.pop(); b !== undefined; b = out.pop()) b.release();
  });
}

group("per-buffer push through one element (64-byte buffers)", () => {
  summary(() => {
    hop("identity (baseline)", new Identity("id", {}));
    hop("valve (open)", new Valve("v", {}));
    hop("valve (dropping)", new Valve("v", { drop: true }));
    hop("funnel, 2 inputs alternating", new Funnel("f", {}), payload, 2);
    hop("input-selector, 2 inputs (half dropped)", new InputSelector("s", { syncStreams: false }), payload, 2);
    hop("map (returns its input)", new MapElement("m", { fn: (b: Buffer) => b }));
    hop("sample-filter every-nth n=2", new SampleFilter("s", { n: 2 }));
    hop("duplicate-filter key=sequence window=64", new DuplicateFilter("d", { key: "sequence", window: 64 }));
    hop("duplicate-filter key=data (hash 64 B)", new DuplicateFilter("d", { window: 64 }));
    hop("sequence mode=set", new Sequence("s", {}));
    hop("timestamper mode=interval", new Timestamper("t", { mode: "interval", interval: 1000 }));
    hop("meta-inject (bare buffers)", new MetaInject("m", { fields: "zone=3,cam=front" }));
    hop("trim chars=\\n", new Trim("t", { chars: "\\n" }));
    hop("slice offset=8 length=16", new Slice("s", { offset: 8, length: 16 }));
    hop("split (4 records per buffer, zero-copy)", new Split("s", {}), lines);
  });
});

await run();
for (const h of harnesses) h.teardown();

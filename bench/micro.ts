/**
 * Micro-benchmarks (mitata) of the engine's per-buffer and set-up costs.
 *
 *   bun run bench            # table
 *   bun run bench --json F   # also writes mitata's JSON results to F
 *
 * Groups: buffer create/clone, pool acquire/release, caps parse/intersect/fixate, launch-string
 * parse, one element hop (a push through identity into a sink, synchronously), a whole
 * fakesrc ! fakesink pipeline step, and the descriptor-ring round trip when src/ipc exists.
 */
import { writeFileSync } from "node:fs";
import { bench, do_not_optimize, group, run, summary } from "mitata";
import { Buffer } from "../src/buffer.ts";
import { Caps } from "../src/caps/index.ts";
import { Events } from "../src/events.ts";
import { Harness } from "../src/testing/harness.ts";
import { FakeSink, Identity, launch } from "../src/index.ts";
import { parseLaunch } from "../src/launch/index.ts";
import { BufferPool } from "../src/memory/index.ts";

const pool = BufferPool.create({ slotSize: 4096, slotCount: 64, name: "px-micro" });
const held = pool.acquire()!;
const empty = new Uint8Array(0);

group("buffer", () => {
  summary(() => {
    bench("new Buffer (empty view)", () => do_not_optimize(new Buffer(empty)));
    bench("clone + release (pooled)", () => {
      const c = held.clone();
      do_not_optimize(c);
      c.release();
    });
    bench("pool acquire + release (4 KiB)", () => {
      const b = pool.acquire()!;
      do_not_optimize(b);
      b.release();
    });
  });
});

const video = "video/x-raw, format=(string){ I420, NV12, RGBA }, width=(int)[ 16, 4096 ], height=(int)[ 16, 4096 ], framerate=(fraction)[ 0/1, 2147483647/1 ]";
const filter = Caps.parse("video/x-raw,format=RGBA,width=1920,height=1080");
const template = Caps.parse(video);
group("caps", () => {
  bench("parse (uncached video template)", () => do_not_optimize(Caps.parse(video + ", x=" + Math.random())));
  bench("intersect template ∩ filter", () => do_not_optimize(template.intersect(filter)));
  bench("fixate template", () => do_not_optimize(template.fixate({ width: 320, height: 240 })));
});

const text = "fakesrc num-buffers=100 ! video/x-raw,width=320 ! tee name=t t. ! queue ! fakesink t. ! queue leaky=downstream ! identity ! fakesink";
group("launch", () => {
  bench("parseLaunch (7 elements)", () => do_not_optimize(parseLaunch(text)));
  bench("fromLaunch: build pipeline", () => do_not_optimize(launch(text)));
});

// One element hop: push into identity, which pushes into the harness collector, released at once.
const h = new Harness(new Identity("id", {}));
h.setCaps("ANY");
const collector = h.collectors[0]!;
group("element hop", () => {
  bench("push → identity → sink", () => {
    h.push(new Buffer(empty));
    collector.buffers.pop()!.release();
  });
});

const sinkH = new Harness(new FakeSink("s", {}));
sinkH.pushEvent(Events.streamStart("x"));
group("sink", () => {
  bench("push → fakesink (render + release)", () => do_not_optimize(sinkH.push(new Buffer(empty))));
});

const args = process.argv.slice(2);
const jsonAt = args.indexOf("--json");
// The table always; with --json, the same run's results (mitata's, statistics and samples) too.
const res = await run();
if (jsonAt >= 0) {
  writeFileSync(args[jsonAt + 1]!, JSON.stringify(res, (_key, value: unknown) => (typeof value === "function" ? undefined : value), 2));
  console.log(`wrote ${args[jsonAt + 1]}`);
}
h.teardown();
sinkH.teardown();
held.release();
await pool.close();

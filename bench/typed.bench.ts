/**
 * Typed pipeline micro-benchmarks (mitata): what a typed stage costs per item.
 *
 *   bun bench/typed.bench.ts
 *
 * Each benchmark runs a whole pipeline of N items; the table gives the time per run, and the
 * summary after it the items per second, from the average run and from the best one (on a
 * shared VM the average carries other tenants' noise). Cases:
 * - baseline: a hand-written loop doing the same map + filter + sum, the floor to compare with.
 * - sync chain: range → map → filter → fold, no await per item (the pull protocol's fast path).
 * - array source → map → collect.
 * - async iterable source: one await per item (what an async source must pay).
 * - through("identity"): heap Buffers into a real Pipeline (stagesrc ! identity ! appsink) and
 *   back, per buffer.
 */
import { bench, do_not_optimize, run } from "mitata";
import { Buffer } from "../src/buffer.ts";
import "../elements/index.ts";
import { fromAsyncIterable, fromIterable, range } from "../src/typed/index.ts";

const N = 100_000;
const N_GRAPH = 10_000;
const numbers = Array.from({ length: N }, (_, i) => i);
const buffers = Array.from({ length: N_GRAPH }, () => Buffer.alloc(64));

const perRun: Record<string, number> = {
  "baseline: for loop, map + filter + sum": N,
  "sync chain: range → map → filter → fold": N,
  "array → map → collect": N,
  "async iterable → map → fold": N,
  'through("identity"): 64-byte Buffers': N_GRAPH,
};

bench("baseline: for loop, map + filter + sum", () => {
  let acc = 0;
  for (let i = 0; i < N; i++) {
    const x = i * 3;
    if ((x & 1) === 0) acc += x;
  }
  return do_not_optimize(acc);
});

bench("sync chain: range → map → filter → fold", async () => {
  const acc = await range(N)
    .map((i) => i * 3)
    .filter((x) => (x & 1) === 0)
    .fold((a, x) => a + x, 0);
  do_not_optimize(acc);
});

bench("array → map → collect", async () => {
  do_not_optimize(await fromIterable(numbers).map((i) => i + 1).collect());
});

bench("async iterable → map → fold", async () => {
  async function* gen() {
    for (let i = 0; i < N; i++) yield i;
  }
  do_not_optimize(await fromAsyncIterable(gen()).map((i) => i + 1).fold((a, x) => a + x, 0));
});

bench('through("identity"): 64-byte Buffers', async () => {
  do_not_optimize(await fromIterable(buffers).through("identity").fold((n, b) => n + b.size, 0));
});

const { benchmarks } = await run();
// On a shared VM the average carries other tenants' noise; the best run shows the cost itself.
console.log("\nitems per second (from the average run; from the best run):");
for (const b of benchmarks) {
  const name = (b as { alias: string }).alias;
  const stats = (b as { runs: { stats?: { avg: number; min: number } }[] }).runs[0]?.stats;
  const n = perRun[name];
  if (stats === undefined || n === undefined) continue;
  const rate = (ns: number) => `${((n / ns) * 1e3).toFixed(2).padStart(8)} M/s`;
  console.log(`  ${name.padEnd(44)} ${rate(stats.avg)}   ${rate(stats.min)}`);
}

/**
 * Typed pipeline API, compile-time checks that must pass. Each `@ts-expect-error` line must
 * really be an error (else tsc reports TS2578 "unused directive"), and the `Equal` checks pin
 * the types the API infers. Nothing here runs; test/typed-api.test.ts type-checks it.
 */
import type { Buffer } from "../../../src/buffer.ts";
import {
  fromAsyncIterable,
  fromIterable,
  join,
  merge,
  once,
  pipeline,
  range,
  type Stage,
  temporalJoin,
  zip,
} from "../../../src/typed/index.ts";

type Equal<A, B> = (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false;
function check<T extends true>(): T | void {}

declare const frames: Stage<Buffer>;
declare const bytes: Stage<Uint8Array>;
declare const words: Stage<string>;

// Operators carry the item type.
const lengths = words.map((w) => w.length);
check<Equal<typeof lengths, Stage<number>>>();
const evens = range(10).filter((n) => n % 2 === 0);
check<Equal<typeof evens, Stage<number>>>();
const narrowed = fromIterable<string | number>([1, "a"]).filter((x): x is string => typeof x === "string");
check<Equal<typeof narrowed, Stage<string>>>();
const awaited = range(3).mapAsync(async (n) => String(n));
check<Equal<typeof awaited, Stage<string>>>();
const fromArray = pipeline([1, 2]);
check<Equal<typeof fromArray, Stage<number>>>();
const fromAsync = pipeline(fromAsyncIterable((async function* () { yield true; })()));
check<Equal<typeof fromAsync, Stage<boolean>>>();

// Terminals give the right promise types.
const collected = words.take(2).skip(1).inspect(() => {}).collect();
check<Equal<typeof collected, Promise<string[]>>>();
const folded = range(4).fold((acc, n) => acc + n, "");
check<Equal<typeof folded, Promise<string>>>();

// Multi-input stages.
const merged = merge(range(3), words, once(true));
check<Equal<typeof merged, Stage<number | string | boolean>>>();
const zipped = zip(range(3), words, frames);
check<Equal<typeof zipped, Stage<[number, string, Buffer]>>>();
const joined = join(range(3), words, { leftKey: (n) => n, rightKey: (w) => w.length });
check<Equal<typeof joined, Stage<[number, string]>>>();
const timedBuffers = temporalJoin(frames, frames, 1_000_000);
check<Equal<typeof timedBuffers, Stage<[Buffer, Buffer]>>>();
const timedNumbers = temporalJoin(range(3), words, { window: 1, leftTime: (n) => n, rightTime: (w) => w.length });
check<Equal<typeof timedNumbers, Stage<[number, string]>>>();

// Bridges exist on Buffer and Uint8Array stages (Stage is covariant) and give Buffers back.
const converted = frames.through("videoconvert ! video/x-raw,format=I420", { caps: "video/x-raw,format=RGBA" });
check<Equal<typeof converted, Stage<Buffer>>>();
const fromBytes = bytes.through("identity");
check<Equal<typeof fromBytes, Stage<Buffer>>>();
const either: Stage<Buffer | Uint8Array> = frames;
void either.toGraph("fakesink");

// Mismatches, each an error.
// @ts-expect-error a string stage has no Buffer items to send into the graph
words.through("identity");
// @ts-expect-error a number stage cannot end in a graph either
range(3).toGraph("fakesink");
// @ts-expect-error the function must accept the items (numbers, not strings)
range(3).map((s: string) => s.length);
// @ts-expect-error the filter predicate must accept the items
words.filter((n: number) => n > 0);
// @ts-expect-error a Stage<number> is not a Stage<string>
const wrong: Stage<string> = range(3);
void wrong;
// @ts-expect-error zip's tuple has a number first: it has no toUpperCase
zipped.map(([n]) => n.toUpperCase());
// @ts-expect-error number items have no pts: temporalJoin needs leftTime / rightTime for them
temporalJoin(range(3), range(3), { window: 1 });
// @ts-expect-error the right key must have the left key's type
join(range(3), words, { leftKey: (n) => n, rightKey: (w) => w });
// @ts-expect-error fold's function must return the accumulator's type
range(3).fold((acc: string, n) => acc.length + n, "");
// @ts-expect-error collect() gives numbers, not strings
range(3).collect().then((xs: string[]) => xs);

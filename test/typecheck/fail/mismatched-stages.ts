/**
 * Typed pipeline API: a file that must FAIL to type-check (excluded from the main tsconfig).
 * test/typed-api.test.ts runs tsc on ../tsconfig.json and checks that tsc reports exactly
 * one error, with the code named, on the line under each `// expect-error TSxxxx` comment, and
 * no other error. If the API's types ever loosen, an expected error goes missing and the test
 * fails.
 */
import type { Buffer } from "../../../src/buffer.ts";
import { merge, range, type Stage, zip } from "../../../src/typed/index.ts";

declare const frames: Stage<Buffer>;
declare const labels: Stage<string>;

// expect-error TS2684
range(10).through("videoconvert ! video/x-raw,format=I420");

// expect-error TS2345
frames.map((text: string) => text.trim());

// expect-error TS2322
const sizes: Stage<string> = frames.map((b) => b.size);

// expect-error TS2339
zip(frames, labels).map(([b, label]) => b.toUpperCase() + label);

// expect-error TS2322
const mixed: Stage<number> = merge(range(3), labels);

// expect-error TS2684
labels.map((s) => s.length).toGraph("fakesink");

export { mixed, sizes };

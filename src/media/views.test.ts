import { expect, test } from "bun:test";
import { alignedCopy, view } from "./views.ts";

test("view is made once per memory and offset, and refuses misaligned bytes", () => {
  const bytes = new Uint8Array(64);
  const a = view(Int32Array, bytes.subarray(8, 24))!;
  expect(a.length).toBe(4);
  expect(view(Int32Array, bytes.subarray(8, 24))).toBe(a);
  a[0] = -1;
  expect(bytes[8]).toBe(255);
  expect(view(Int16Array, bytes.subarray(3, 9))).toBeNull();
  expect(view(Float32Array, bytes.subarray(0, 7))!.length).toBe(1);
});

test("alignedCopy copies misaligned bytes into reusable scratch", () => {
  const bytes = new Uint8Array([0, 1, 0, 2, 0]);
  const s = alignedCopy(Int16Array, bytes.subarray(1, 5), null);
  expect([s[0], s[1]]).toEqual([1, 2]);
  expect(alignedCopy(Int16Array, bytes.subarray(1, 3), s)).toBe(s);
});

import { describe, expect, test } from "bun:test";
import { defaultColorimetry } from "./video-info.ts";
import { ClampMatrix, conversionMatrix, intMatrix, lineMatrix, rint, TableMatrix, YuvToRgb } from "./video-color.ts";

const sd = { family: "yuv" as const, colorimetry: defaultColorimetry("I420", 240) };
const hd = { family: "yuv" as const, colorimetry: defaultColorimetry("I420", 1080) };
const rgb = { family: "rgb" as const, colorimetry: defaultColorimetry("RGBA", 240) };

describe("conversion matrices", () => {
  test("BT.601 limited → RGB rounds to GStreamer's integer matrix", () => {
    // GST_DEBUG=video-converter:5 for I420 320x240 → RGBA prints exactly these rows.
    expect(Array.from(intMatrix(conversionMatrix(sd, rgb)))).toEqual([298, 0, 409, -57068, 298, -100, -208, 34707, 298, 516, 0, -70870]);
  });

  test("RGB → BT.601 uses the table matrix: red is Y 81, U 90, V 239 (as GStreamer's videoconvert)", () => {
    const m = lineMatrix(rgb, sd);
    expect(m).toBeInstanceOf(TableMatrix);
    const px = new Uint8Array([255, 255, 0, 0]);
    m!.line(px, 1);
    // videotestsrc's colour table says V 240 for red; the converter's rounding gives 239.
    expect(Array.from(px)).toEqual([255, 81, 90, 239]);
  });

  test("Y'CbCr → RGB uses ORC's arithmetic: limited white comes out 253, as in GStreamer", () => {
    const m = lineMatrix(sd, rgb);
    expect(m).toBeInstanceOf(YuvToRgb);
    const px = new Uint8Array([255, 235, 128, 128, 255, 16, 128, 128]);
    m!.line(px, 2);
    expect(Array.from(px)).toEqual([255, 253, 253, 253, 255, 0, 0, 0]);
  });

  test("BT.709 and BT.601 differ, and the same matrix on both sides is no conversion", () => {
    expect(lineMatrix(hd, sd)).toBeInstanceOf(ClampMatrix);
    expect(lineMatrix(sd, sd)).toBeNull();
    expect(lineMatrix(rgb, rgb)).toBeNull();
    const a = intMatrix(conversionMatrix(hd, rgb));
    const b = intMatrix(conversionMatrix(sd, rgb));
    expect(a[2]).not.toBe(b[2]); // V → R: 459 for BT.709, 409 for BT.601
    expect(a[2]).toBe(459);
  });

  test("rint rounds halves to even, like C", () => {
    expect([rint(0.5), rint(1.5), rint(2.5), rint(-0.5), rint(-1.5), rint(2.4)]).toEqual([0, 2, 2, -0, -2, 2]);
  });
});

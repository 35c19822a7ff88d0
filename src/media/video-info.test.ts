import { describe, expect, test } from "bun:test";
import { Caps, fraction } from "../caps/index.ts";
import { SECOND } from "../buffer.ts";
import { VideoCapsError, VideoInfo, defaultChromaSite, defaultColorimetry, layout, parseColorimetry } from "./video-info.ts";

describe("VideoInfo layout (GStreamer's fill_planes)", () => {
  test("I420 320x240: three planes, no padding", () => {
    const { planes, size } = layout("I420", 320, 240);
    expect(planes).toEqual([
      { offset: 0, stride: 320, rows: 240 },
      { offset: 76800, stride: 160, rows: 120 },
      { offset: 96000, stride: 160, rows: 120 },
    ]);
    expect(size).toBe(115200);
  });

  test("I420 7x5: strides rounded up to 4, chroma of the even-rounded size", () => {
    // gst-launch-1.0 videotestsrc num-buffers=1 ! video/x-raw,format=I420,width=7,height=5 gives 72 bytes.
    const { planes, size } = layout("I420", 7, 5);
    expect(planes.map((p) => [p.offset, p.stride, p.rows])).toEqual([
      [0, 8, 5],
      [48, 4, 3],
      [60, 4, 3],
    ]);
    expect(size).toBe(72);
  });

  test("NV12, YUY2, RGB, RGBA, GRAY8 sizes match GStreamer's", () => {
    expect(layout("NV12", 321, 243).size).toBe(592920 / 5);
    expect(layout("YUY2", 321, 243).size).toBe(782460 / 5);
    expect(layout("RGB", 4, 2).size).toBe(24);
    expect(layout("RGB", 5, 2).planes[0]!.stride).toBe(16);
    expect(layout("RGBA", 7, 3).size).toBe(84);
    expect(layout("GRAY8", 321, 243).size).toBe(393660 / 5);
  });
});

describe("VideoInfo from caps", () => {
  test("reads format, size, framerate, pixel aspect ratio", () => {
    const i = VideoInfo.fromCaps(Caps.parse("video/x-raw,format=NV12,width=64,height=48,framerate=25/1,pixel-aspect-ratio=4/3"));
    expect([i.format, i.width, i.height, i.fps.num, i.fps.den, i.par.num, i.par.den]).toEqual(["NV12", 64, 48, 25, 1, 4, 3]);
    expect(i.frameDuration).toBe(SECOND / 25);
    expect(i.frameTime(3)).toBe(120_000_000);
  });

  test("default colorimetry and siting follow the height, as GStreamer's", () => {
    expect(defaultColorimetry("I420", 576).matrix).toBe("bt601");
    expect(defaultColorimetry("I420", 578).matrix).toBe("bt709");
    expect(defaultColorimetry("I420", 2160).matrix).toBe("bt2020");
    expect(defaultColorimetry("RGBA", 1080)).toMatchObject({ matrix: "rgb", range: "full" });
    expect(defaultColorimetry("GRAY8", 240)).toMatchObject({ matrix: "bt601", range: "full" });
    expect(defaultChromaSite("I420", 480).hCosited).toBe(false);
    expect(defaultChromaSite("I420", 720).hCosited).toBe(true);
  });

  test("colorimetry and chroma-site from caps override the defaults", () => {
    const i = VideoInfo.fromCaps(Caps.parse("video/x-raw,format=I420,width=64,height=48,colorimetry=bt709,chroma-site=mpeg2"));
    expect(i.colorimetry.matrix).toBe("bt709");
    expect(i.chromaSite.hCosited).toBe(true);
    expect(parseColorimetry("1:4:0:0", defaultColorimetry("I420", 48))).toMatchObject({ range: "full", matrix: "bt601" });
    expect(parseColorimetry("no-such", defaultColorimetry("I420", 48))).toBeNull();
  });

  test("caps it cannot lay out give an error that says what to do", () => {
    expect(() => VideoInfo.fromCaps(Caps.parse("video/x-raw,format=P010_10LE,width=4,height=4"))).toThrow(/insert videoconvert/);
    expect(() => VideoInfo.fromCaps(Caps.parse("video/x-raw,format=I420,width=[1,4],height=4"))).toThrow(VideoCapsError);
    expect(() => VideoInfo.fromCaps(Caps.parse("audio/x-raw"))).toThrow(/expected video\/x-raw/);
  });

  test("toCaps round-trips and equals compares what matters", () => {
    const i = new VideoInfo("RGBA", 32, 16, fraction(30, 1));
    const back = VideoInfo.fromCaps(i.toCaps());
    expect(back.equals(i)).toBe(true);
    expect(back.with({ format: "BGRA" }).equals(i)).toBe(false);
    expect(i.with({ width: 33 }).size).toBe(33 * 16 * 4);
  });
});

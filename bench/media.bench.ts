/**
 * Raw media micro-benchmarks (mitata): the per-frame and per-buffer work of the video and
 * audio elements, without the pipeline around them.
 *
 *   bun bench/media.bench.ts
 *
 * - videotestsrc rendering, 1080p I420: a static pattern (black: one memcpy of the cached
 *   frame), SMPTE (copy + redraw of the noise block), the moving ball (copy + its rows), snow
 *   (every pixel from the random generator).
 * - videoconvert, 1080p: I420 → RGBA (table fast path, GStreamer's arithmetic), RGBA → I420,
 *   I420 → NV12, NV12 → RGBA (generic path with chroma interpolation).
 * - videoscale 1080p → 720p I420, nearest and bilinear.
 * - audio, 1024-frame buffers: sine generation, S16 stereo → F32 conversion, 48 k → 44.1 k
 *   resampling (quality 4).
 *
 * Figures are per frame / per buffer; the frames/s column of the summary is 1000 / ms. For
 * the same work inside pipelines, side by side with gst-launch-1.0, see bench/media-peer.ts.
 */
import { bench, do_not_optimize, group, run } from "mitata";
import { VideoInfo } from "../src/media/video-info.ts";
import { VideoConverter } from "../src/media/video-convert.ts";
import { VideoScaler } from "../src/media/video-scale.ts";
import { Resampler } from "../src/media/audio-resample.ts";
import { PatternRenderer, VtsRandom } from "../elements/video/test-patterns.ts";

const W = 1920;
const H = 1080;
const i420 = new VideoInfo("I420", W, H);
const frames = (info: VideoInfo) => [new Uint8Array(info.size), new Uint8Array(info.size)] as const;

group("videotestsrc 1080p I420, per frame", () => {
  for (const pattern of ["black", "smpte", "ball", "snow"] as const) {
    const r = new PatternRenderer(i420, { pattern, foregroundColor: 0xffffffff, backgroundColor: 0xff000000 }, new VtsRandom());
    const [a, b] = frames(i420);
    let n = 0;
    bench(`${pattern}`, () => {
      r.render(n & 1 ? a : b, n);
      n++;
    });
  }
});

group("videoconvert 1080p, per frame", () => {
  const cases = [
    ["I420", "RGBA"],
    ["RGBA", "I420"],
    ["I420", "NV12"],
    ["NV12", "RGBA"],
  ] as const;
  for (const [from, to] of cases) {
    const a = new VideoInfo(from, W, H);
    const b = new VideoInfo(to, W, H);
    const c = new VideoConverter(a, b);
    const src = new Uint8Array(a.size).map((_, i) => (i * 31) & 255);
    const dst = new Uint8Array(b.size);
    bench(`${from} → ${to} (${c.path})`, () => c.convert(src, dst));
  }
});

group("videoscale 1080p → 720p I420, per frame", () => {
  for (const method of ["nearest", "bilinear"] as const) {
    const out = new VideoInfo("I420", 1280, 720);
    const s = new VideoScaler(i420, out, method);
    const src = new Uint8Array(i420.size).map((_, i) => (i * 7) & 255);
    const dst = new Uint8Array(out.size);
    bench(method, () => s.scale(src, dst));
  }
});

group("audio, per 1024-frame buffer", () => {
  const frames = 1024;
  let acc = 0;
  const mono = new Float64Array(frames);
  bench("sine generation (Math.sin per frame)", () => {
    const step = (2 * Math.PI * 440) / 48000;
    for (let i = 0; i < frames; i++) {
      acc += step;
      if (acc >= 2 * Math.PI) acc -= 2 * Math.PI;
      mono[i] = Math.sin(acc) * 0.8;
    }
    do_not_optimize(mono);
  });
  const s16 = new Int16Array(frames * 2).map((_, i) => (i * 97) & 0x7fff);
  const f32 = new Float32Array(frames * 2);
  bench("S16 stereo → F32 stereo", () => {
    for (let i = 0; i < s16.length; i++) f32[i] = s16[i]! / 32768;
    do_not_optimize(f32);
  });
  const rs = new Resampler(2, 48000, 44100, 4);
  const input = new Float64Array(frames * 2).map((_, i) => Math.sin(i / 10));
  const out = new Float64Array(rs.maxOutput(frames) * 2);
  bench("resample 48 k → 44.1 k stereo, quality 4 (64 taps)", () => do_not_optimize(rs.process(input, frames, out)));
});

await run();

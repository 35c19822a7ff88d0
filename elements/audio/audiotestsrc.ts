/**
 * audiotestsrc: produces test audio (GStreamer's audiotestsrc).
 *
 * Waves sine, square, saw, triangle, silence, white-noise, pink-noise and ticks at `freq` Hz
 * and `volume` (0..1), in S16LE or F32LE, interleaved, at the rate and channel count the caps
 * settle on (unconstrained: S16LE, mono, 44100 Hz or twice the frequency, like GStreamer).
 * Each buffer holds `samplesperbuffer` frames (GStreamer's property name); its offset counts
 * frames from the start and its pts is offset × 1e9 / rate (rounded), so timestamps stay
 * continuous. The oscillators follow GStreamer's arithmetic (a phase accumulator advanced
 * before each sample, samples truncated toward zero), so S16 output matches GStreamer's (the
 * sine is computed by rotation within a buffer: identical in practice, within 1 LSB always).
 *
 * Noise uses a seeded xorshift generator (`seed`), so runs repeat; GStreamer seeds randomly.
 */
import type { Buffer } from "../../src/buffer.ts";
import type { Caps } from "../../src/caps/index.ts";
import { type ElementMeta, template } from "../../src/graph/element.ts";
import type { Pad } from "../../src/graph/pad.ts";
import { Type, type Static } from "../../src/graph/properties.ts";
import { type CreateResult, Source, WAIT } from "../../src/graph/source.ts";
import { AUDIO_CAPS_ALL, AudioCapsError, AudioInfo, DEFAULT_RATE } from "../../src/media/audio-info.ts";
import { FramePool } from "../../src/media/frame-pool.ts";
import { view } from "../../src/media/views.ts";

export const WAVES = ["sine", "square", "saw", "triangle", "silence", "white-noise", "pink-noise", "ticks"] as const;
export type Wave = (typeof WAVES)[number];

export const DEFAULT_WAVE: Wave = "sine";
export const DEFAULT_FREQ = 440;
export const DEFAULT_VOLUME = 0.8;
export const DEFAULT_SAMPLES_PER_BUFFER = 1024;
export const DEFAULT_TICK_INTERVAL = 1_000_000_000;
export const DEFAULT_SINE_PERIODS_PER_TICK = 10;
export const DEFAULT_SEED = 1;
/** Budget of pooled audio memory: small buffers, many slots. */
const AUDIO_POOL_BUDGET = 4 * 1024 * 1024;

const TWO_PI = 2 * Math.PI;
/** Full scale of S16 samples (GStreamer scales by 32767.0). */
const S16_SCALE = 32767;
/** Rows of the pink-noise generator (GStreamer's num_rows). */
const PINK_ROWS = 12;
const PINK_RANDOM_BITS = 16;

const Props = Type.Object({
  wave: Type.Enum([...WAVES], { default: DEFAULT_WAVE, description: "Oscillator waveform" }),
  freq: Type.Number({ default: DEFAULT_FREQ, minimum: 0, maximum: 1073741823, description: "Frequency of the test signal in Hz" }),
  volume: Type.Number({ default: DEFAULT_VOLUME, minimum: 0, maximum: 1, description: "Volume of the test signal (0..1)" }),
  samplesperbuffer: Type.Integer({
    default: DEFAULT_SAMPLES_PER_BUFFER,
    minimum: 1,
    description: "Frames in each buffer (GStreamer's name, samplesperbuffer)",
  }),
  numBuffers: Type.Integer({ default: -1, minimum: -1, description: "Buffers to produce before EOS (-1 = unlimited)" }),
  isLive: Type.Boolean({ default: false, description: "Produce buffers at the pace of the pipeline clock" }),
  timestampOffset: Type.Integer({ default: 0, description: "Offset added to every timestamp, in ns" }),
  tickInterval: Type.Integer({ default: DEFAULT_TICK_INTERVAL, minimum: 1, description: "wave=ticks: ns from one tick's start to the next" }),
  sinePeriodsPerTick: Type.Integer({ default: DEFAULT_SINE_PERIODS_PER_TICK, minimum: 1, description: "wave=ticks: sine periods in one tick" }),
  seed: Type.Integer({ default: DEFAULT_SEED, minimum: 0, maximum: 0xffffffff, description: "Seed of the noise generator" }),
});
type P = Static<typeof Props>;

export class AudioTestSrc extends Source<P> {
  static override meta: ElementMeta = {
    name: "audiotestsrc",
    category: "audio",
    description: "Produces test audio: sine, square, saw, triangle, silence, noise, ticks",
    pads: [template.src(AUDIO_CAPS_ALL)],
    properties: Props,
    scheduling: { affinity: "auto", rtSafe: true },
    authority: "none",
  };

  #pool: FramePool | null = null;
  #caps: Caps | null = null;
  #info: AudioInfo | null = null;
  /** Frames produced since start (offsets and timestamps). */
  #next = 0;
  #count = 0;
  /** Oscillator phase in radians, in [0, 2π). */
  #acc = 0;
  /** One channel's samples for the current buffer, before interleaving and scaling. */
  #mono = new Float64Array(DEFAULT_SAMPLES_PER_BUFFER);
  #rand = DEFAULT_SEED;
  #pink = { index: 0, rows: new Int32Array(PINK_ROWS), sum: 0 };
  #wavetable: Float64Array | null = null;
  #tickCounter = 0;

  override fixateCaps(_pad: Pad, caps: Caps): Caps {
    // GStreamer: rate nearest max(44100, 2 × freq), first format, interleaved, mono.
    return caps.fixate({ rate: Math.max(DEFAULT_RATE, this.props.freq * 2), channels: 1, layout: "interleaved" });
  }

  override prepare(): void {
    this.#pool = new FramePool(this.name, AUDIO_POOL_BUDGET);
  }

  override start(): void {
    const pad = this.srcPad;
    if (pad.caps === null || pad.caps.isAny()) pad.caps = this.fixateCaps(pad, this.padCaps(pad));
    super.start();
    this.#next = 0;
    this.#count = 0;
    this.#acc = 0;
    this.#tickCounter = 0;
    this.#caps = null;
    this.#rand = this.props.seed >>> 0 || DEFAULT_SEED;
    this.#pink.index = 0;
    this.#pink.rows.fill(0);
    this.#pink.sum = 0;
  }

  override unprepare(): void {
    this.#pool?.close();
    this.#pool = null;
  }

  create(): CreateResult {
    const p = this.props;
    if (p.numBuffers >= 0 && this.#count >= p.numBuffers) return null;
    const caps = this.srcPad.caps;
    if (caps !== this.#caps) {
      if (caps === null) return this.error("stream", `${this.name}: caps were not negotiated`);
      try {
        this.#info = AudioInfo.fromCaps(caps);
      } catch (err) {
        if (err instanceof AudioCapsError) return this.error("stream", `${this.name}: ${err.message}`);
        throw err;
      }
      this.#caps = caps;
    }
    const info = this.#info!;
    const n = p.samplesperbuffer;
    const running = info.frameTime(this.#next);
    if (p.isLive && !this.reachedRunningTime(running)) return WAIT;
    const buf: Buffer | null = this.#pool!.acquire(n * info.bpf, this.task);
    if (buf === null) return WAIT;
    if (this.#mono.length < n) this.#mono = new Float64Array(n);
    this.#generate(info, n, info.format === "S16LE" ? S16_SCALE : 1);
    this.#store(info, buf.data, n);
    buf.pts = p.timestampOffset + running;
    buf.duration = info.frameTime(this.#next + n) - running;
    buf.offset = this.#next;
    buf.offsetEnd = this.#next + n;
    buf.sequence = this.#count++;
    this.#next += n;
    return buf;
  }

  /**
   * Fills #mono[0..n) with the wave at full scale (volume × `scale`: 32767 for S16, 1 for F32),
   * in GStreamer's order of operations so that truncation lands on the same integers.
   */
  #generate(info: AudioInfo, n: number, scale: number): void {
    const p = this.props;
    const out = this.#mono;
    const step = (TWO_PI * p.freq) / info.rate;
    const amp = p.volume * scale;
    let acc = this.#acc;
    switch (p.wave) {
      case "sine": {
        // sin(acc) by rotation from the exact value at the buffer's first sample: one multiply-
        // add pair a sample instead of Math.sin, drifting by ~1e-13 over a buffer (re-anchored
        // each buffer), far below an S16 step.
        const cs = Math.cos(step);
        const sn = Math.sin(step);
        acc += step;
        if (acc >= TWO_PI) acc -= TWO_PI;
        let s = Math.sin(acc);
        let c = Math.cos(acc);
        out[0] = s * amp;
        for (let i = 1; i < n; i++) {
          acc += step;
          if (acc >= TWO_PI) acc -= TWO_PI;
          const s1 = s * cs + c * sn;
          c = c * cs - s * sn;
          s = s1;
          out[i] = s * amp;
        }
        break;
      }
      case "square":
        for (let i = 0; i < n; i++) {
          acc += step;
          if (acc >= TWO_PI) acc -= TWO_PI;
          out[i] = acc < Math.PI ? amp : -amp;
        }
        break;
      case "saw": {
        const a = amp / Math.PI;
        for (let i = 0; i < n; i++) {
          acc += step;
          if (acc >= TWO_PI) acc -= TWO_PI;
          out[i] = acc < Math.PI ? acc * a : (TWO_PI - acc) * -a;
        }
        break;
      }
      case "triangle": {
        const a = amp / (Math.PI / 2);
        for (let i = 0; i < n; i++) {
          acc += step;
          if (acc >= TWO_PI) acc -= TWO_PI;
          out[i] = acc < Math.PI / 2 ? acc * a : acc < Math.PI * 1.5 ? (acc - Math.PI) * -a : (TWO_PI - acc) * -a;
        }
        break;
      }
      case "silence":
        out.fill(0, 0, n);
        break;
      case "white-noise":
        for (let i = 0; i < n; i++) out[i] = amp * (this.#random() * 2 - 1);
        break;
      case "pink-noise":
        for (let i = 0; i < n; i++) out[i] = amp * this.#pinkValue();
        break;
      case "ticks":
        acc = this.#ticks(info, n, step, scale);
        break;
    }
    this.#acc = acc;
  }

  /** Sine bursts of sine-periods-per-tick periods every tick-interval (GStreamer's ticks). */
  #ticks(info: AudioInfo, n: number, step: number, scale: number): number {
    const p = this.props;
    const out = this.#mono;
    if (this.#wavetable === null) {
      const t = new Float64Array(1024);
      for (let i = 0; i < 1024; i++) t[i] = Math.sin((TWO_PI * i) / 1024);
      this.#wavetable = t;
    }
    const table = this.#wavetable;
    const between = Math.max(1, Math.floor((p.tickInterval * info.rate) / 1e9));
    const nonzero = p.freq > 0 ? Math.trunc((info.rate * p.sinePeriodsPerTick) / p.freq) : 0;
    const scl = 1024 / TWO_PI;
    // GStreamer casts the scaled volume to the sample type before multiplying.
    const vol = scale === 1 ? Math.fround(p.volume) : Math.trunc(p.volume * scale);
    let acc = this.#acc;
    for (let i = 0; i < n; i++) {
      const mod = (this.#next + i) % between;
      if (mod === 0) {
        acc = 0;
        this.#tickCounter++;
        out[i] = 0;
      } else if (mod < nonzero) {
        out[i] = vol * table[Math.trunc(acc * scl) & 1023]!;
      } else {
        out[i] = 0;
      }
      acc += step;
      if (acc >= TWO_PI) acc -= TWO_PI;
    }
    return acc;
  }

  /** Uniform in [0, 1) from a 32-bit xorshift. */
  #random(): number {
    let x = this.#rand;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#rand = x >>> 0;
    return (x >>> 0) / 4294967296;
  }

  /** Voss-McCartney pink noise in [-1, 1), GStreamer's generator (Phil Burk's). */
  #pinkValue(): number {
    const pk = this.#pink;
    pk.index = (pk.index + 1) & ((1 << PINK_ROWS) - 1);
    if (pk.index !== 0) {
      let zeros = 0;
      let k = pk.index;
      while ((k & 1) === 0) {
        k >>= 1;
        zeros++;
      }
      pk.sum -= pk.rows[zeros]!;
      const r = Math.trunc(32768 - 65536 * this.#random());
      pk.sum += r;
      pk.rows[zeros] = r;
    }
    const white = Math.trunc(32768 - 65536 * this.#random());
    return (pk.sum + white) / ((PINK_ROWS + 1) * (1 << (PINK_RANDOM_BITS - 1)));
  }

  /** Scales #mono to the sample format and writes it to every channel of `data`. */
  #store(info: AudioInfo, data: Uint8Array, n: number): void {
    const mono = this.#mono;
    const ch = info.channels;
    if (info.format === "S16LE") {
      const s16 = view(Int16Array, data) ?? new Int16Array(n * ch);
      // Assigning to the Int16Array truncates toward zero, as C's cast does.
      if (ch === 1) for (let i = 0; i < n; i++) s16[i] = mono[i]!;
      else
        for (let i = 0; i < n; i++) {
          const v = mono[i]!;
          for (let c = 0; c < ch; c++) s16[i * ch + c] = v;
        }
      if (s16.buffer !== data.buffer) data.set(new Uint8Array(s16.buffer, 0, n * ch * 2));
    } else {
      const f32 = view(Float32Array, data) ?? new Float32Array(n * ch);
      if (ch === 1) f32.set(mono.subarray(0, n));
      else
        for (let i = 0; i < n; i++) {
          const v = mono[i]!;
          for (let c = 0; c < ch; c++) f32[i * ch + c] = v;
        }
      if (f32.buffer !== data.buffer) data.set(new Uint8Array(f32.buffer, 0, n * ch * 4));
    }
  }
}

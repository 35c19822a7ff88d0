/**
 * Test patterns: how videotestsrc paints its frames, reproducing GStreamer's videotestsrc.c so
 * that frames match GStreamer's byte for byte (solid colours, checkers, SMPTE bars including
 * the noise block and its random sequence).
 *
 * Painting follows GStreamer's model: each row is painted as 4:4:4 pixels (A,Y,U,V for YUV and
 * gray formats, A,R,G,B for RGB), from a small colour table (BT.601 or BT.709 Y'CbCr values by
 * the stream's matrix), with the foreground/background colours converted by the same integer
 * formulas; rows are then packed by src/media/video-lines.ts, which reduces chroma as
 * GStreamer's chroma resampler does.
 *
 * Speed comes from not painting at all: a frame is rendered once into a cache per caps, and
 * each buffer is a copy of it (TypedArray.set, memcpy speed). Patterns that move only redraw
 * what changes on top of the copy: SMPTE's noise block (the bottom-right sixteenth), the rows
 * of the ball. Snow changes everywhere and is painted whole, a table lookup a pixel. Painting
 * uses 32-bit fills for runs of one colour and 256-entry tables for blends.
 */
import { type VideoInfo } from "../../src/media/video-info.ts";
import { LinePair, pixelWord, type RowPainter, writeRows } from "../../src/media/video-lines.ts";
import { rint } from "../../src/media/video-color.ts";

export const PATTERNS = [
  "smpte",
  "snow",
  "black",
  "white",
  "red",
  "green",
  "blue",
  "checkers-1",
  "checkers-2",
  "checkers-4",
  "checkers-8",
  "circular",
  "ball",
  "solid-color",
  "gradient",
  "smpte75",
  "smpte100",
] as const;
export type Pattern = (typeof PATTERNS)[number];

/** One colour in both representations (GStreamer's vts_color_struct). */
type Color = { Y: number; U: number; V: number; A: number; R: number; G: number; B: number };

const c = (Y: number, U: number, V: number, A: number, R: number, G: number, B: number): Color => ({ Y, U, V, A, R, G, B });

// Colour indices in the tables (videotestsrc.c's COLOR_* enum).
const WHITE = 0;
const RED = 5;
const GREEN = 3;
const BLUE = 6;
const BLACK = 7;
const NEG_I = 8;
const POS_Q = 9;
const SUPER_BLACK = 10;
const DARK_GREY = 11;

/** 100% colour bars, Y'CbCr by BT.709 and BT.601, with their R'G'B'. */
const BT709_100: readonly Color[] = [
  c(235, 128, 128, 255, 255, 255, 255),
  c(219, 16, 138, 255, 255, 255, 0),
  c(188, 154, 16, 255, 0, 255, 255),
  c(173, 42, 26, 255, 0, 255, 0),
  c(78, 214, 230, 255, 255, 0, 255),
  c(63, 102, 240, 255, 255, 0, 0),
  c(32, 240, 118, 255, 0, 0, 255),
  c(16, 128, 128, 255, 0, 0, 0),
  c(16, 198, 21, 255, 0, 0, 128),
  c(16, 235, 198, 255, 0, 128, 255),
  c(0, 128, 128, 255, 0, 0, 0),
  c(32, 128, 128, 255, 19, 19, 19),
];
const BT601_100: readonly Color[] = [
  c(235, 128, 128, 255, 255, 255, 255),
  c(210, 16, 146, 255, 255, 255, 0),
  c(170, 166, 16, 255, 0, 255, 255),
  c(145, 54, 34, 255, 0, 255, 0),
  c(106, 202, 222, 255, 255, 0, 255),
  c(81, 90, 240, 255, 255, 0, 0),
  c(41, 240, 110, 255, 0, 0, 255),
  c(16, 128, 128, 255, 0, 0, 0),
  c(16, 198, 21, 255, 0, 0, 128),
  c(16, 235, 198, 255, 0, 128, 255),
  c(0, 128, 128, 255, 0, 0, 0),
  c(32, 128, 128, 255, 19, 19, 19),
];
/** 75% bars (smpte75). */
const BT709_75: readonly Color[] = [
  c(180, 128, 128, 255, 191, 191, 191),
  c(168, 44, 136, 255, 191, 191, 0),
  c(145, 147, 44, 255, 0, 191, 191),
  c(133, 63, 52, 255, 0, 191, 0),
  c(63, 193, 204, 255, 191, 0, 191),
  c(51, 109, 212, 255, 191, 0, 0),
  c(28, 212, 120, 255, 0, 0, 191),
  c(16, 128, 128, 255, 0, 0, 0),
];
const BT601_75: readonly Color[] = [
  c(180, 128, 128, 255, 191, 191, 191),
  c(162, 44, 142, 255, 191, 191, 0),
  c(131, 156, 44, 255, 0, 191, 191),
  c(112, 72, 58, 255, 0, 191, 0),
  c(84, 184, 198, 255, 191, 0, 191),
  c(65, 100, 212, 255, 191, 0, 0),
  c(35, 212, 114, 255, 0, 0, 191),
  c(16, 128, 128, 255, 0, 0, 0),
];

// RGB → Y'CbCr for the foreground/background colours, in GStreamer's 10-bit fixed point
// (videotestsrc.c's RGB_TO_*_CCIR macros).
const SCALEBITS = 10;
const ONE_HALF = 1 << (SCALEBITS - 1);
const FIX = (x: number) => Math.trunc(x * (1 << SCALEBITS) + 0.5);

function ccirColor(argb: number, bt601: boolean): Color {
  const A = (argb >>> 24) & 0xff;
  const R = (argb >>> 16) & 0xff;
  const G = (argb >>> 8) & 0xff;
  const B = argb & 0xff;
  const [kr, kg, kb] = bt601 ? [0.299, 0.587, 0.114] : [0.2126, 0.7152, 0.0722];
  const [ur, ug] = bt601 ? [0.16874, 0.33126] : [0.114572, 0.385427];
  const [vg, vb] = bt601 ? [0.41869, 0.08131] : [0.454153, 0.045847];
  const ys = 219 / 255;
  const cs = 224 / 255;
  const Y = (FIX(kr * ys) * R + FIX(kg * ys) * G + FIX(kb * ys) * B + (ONE_HALF + (16 << SCALEBITS))) >> SCALEBITS;
  const U = ((-FIX(ur * cs) * R - FIX(ug * cs) * G + FIX(0.5 * cs) * B + ONE_HALF - 1) >> SCALEBITS) + 128;
  const V = ((FIX(0.5 * cs) * R - FIX(vg * cs) * G - FIX(vb * cs) * B + ONE_HALF - 1) >> SCALEBITS) + 128;
  return { Y, U, V, A, R, G, B };
}

/** DIV255(a·x + b·(255 − x)), GStreamer's BLEND. */
function blend(a: number, b: number, x: number): number {
  const v = a * x + b * (255 - x);
  return (v + ((v + 128) >> 8) + 128) >> 8;
}

/** 128 + 128·sin(2πi/256), capped at 255 (videotestsrc.c's sine_table, checked in tests). */
export const SINE_TABLE: Uint8Array = (() => {
  const t = new Uint8Array(256);
  for (let i = 0; i < 256; i++) t[i] = Math.min(255, Math.floor(128 + 128 * Math.sin((2 * Math.PI * i) / 256)));
  return t;
})();

/** GStreamer's videotestsrc random_char: a 32-bit LCG, byte 2 of the state. */
export class VtsRandom {
  /** The 32-bit state, held as int32 (same bits; see pixelWord on why not uint32). */
  state: number;
  constructor(state = 0) {
    this.state = state | 0;
  }
  next(): number {
    this.state = (Math.imul(this.state, 1103515245) + 12345) | 0;
    return (this.state >>> 16) & 0xff;
  }
}

export type PatternOptions = {
  pattern: Pattern;
  /** Big-endian ARGB, as GStreamer's foreground-color. */
  foregroundColor: number;
  backgroundColor: number;
};

/**
 * Renders one pattern for one VideoInfo. `render(dst, n)` writes frame n (n counts frames since
 * the caps were set) into dst, which must hold `info.size` bytes. The random state is shared
 * across renderers of one element (GStreamer keeps it across caps changes).
 */
export class PatternRenderer {
  readonly #info: VideoInfo;
  readonly #opts: PatternOptions;
  readonly #rng: VtsRandom;
  readonly #lines: LinePair;
  readonly #rgb: boolean;
  readonly #colors: readonly Color[];
  readonly #fg: Color;
  readonly #bg: Color;
  /** fg/bg blend for each 0..255 weight, as a pixel word. */
  readonly #blendLut = new Int32Array(256);
  /** The static frame (or the static part of a moving one). */
  #cache: Uint8Array | null = null;
  /** Scratch weights for one row (noise, ball, circular). */
  readonly #weights: Uint8Array;

  constructor(info: VideoInfo, opts: PatternOptions, rng: VtsRandom) {
    this.#info = info;
    this.#opts = opts;
    this.#rng = rng;
    this.#lines = new LinePair(info.width);
    this.#weights = new Uint8Array(info.width + 8);
    this.#rgb = info.family === "rgb";
    const bt601 = info.colorimetry.matrix === "bt601";
    this.#colors = bt601 ? BT601_100 : BT709_100;
    this.#fg = ccirColor(opts.foregroundColor >>> 0, bt601);
    this.#bg = ccirColor(opts.backgroundColor >>> 0, bt601);
    for (let x = 0; x < 256; x++) {
      const a = this.#fg;
      const b = this.#bg;
      this.#blendLut[x] = this.#rgb
        ? pixelWord(blend(a.A, b.A, x), blend(a.R, b.R, x), blend(a.G, b.G, x), blend(a.B, b.B, x))
        : pixelWord(blend(a.A, b.A, x), blend(a.Y, b.Y, x), blend(a.U, b.U, x), blend(a.V, b.V, x));
    }
  }

  get info(): VideoInfo {
    return this.#info;
  }

  #word(col: Color): number {
    return this.#rgb ? pixelWord(col.A, col.R, col.G, col.B) : pixelWord(col.A, col.Y, col.U, col.V);
  }

  /** Whether every frame is the same (copy from cache, nothing to redraw). */
  get isStatic(): boolean {
    const p = this.#opts.pattern;
    return p !== "smpte" && p !== "snow" && p !== "ball";
  }

  /** Writes frame `n` into dst. Synchronous; allocates only when the cache is first built. */
  render(dst: Uint8Array, n: number): void {
    const info = this.#info;
    const p = this.#opts.pattern;
    if (p === "snow") {
      writeRows(info, dst, this.#lines, this.#snowRow);
      return;
    }
    if (this.#cache === null) {
      // The first frame is painted in full (for SMPTE this draws frame 0's noise) and kept.
      const cache = new Uint8Array(info.size);
      writeRows(info, cache, this.#lines, p === "ball" ? this.#ballRows(-1) : this.#painter());
      this.#cache = cache;
      if (p === "ball") {
        dst.set(cache);
        this.#drawBall(dst, n);
      } else {
        dst.set(cache);
      }
      return;
    }
    dst.set(this.#cache);
    if (p === "smpte") {
      const { width: w, height: h } = info;
      const x0 = Math.max(0, ((Math.trunc((w * 3) / 4)) & ~1) - 2);
      writeRows(info, dst, this.#lines, this.#smpteRow, Math.trunc((3 * h) / 4), h, x0);
    } else if (p === "ball") {
      this.#drawBall(dst, n);
    }
  }

  #painter(): RowPainter {
    const p = this.#opts.pattern;
    const w = this.#info.width;
    switch (p) {
      case "black":
        return this.#fill(this.#word(this.#bg));
      case "white":
        return this.#fill(this.#word(this.#fg));
      case "red":
        return this.#fill(this.#word(this.#colors[RED]!));
      case "green":
        return this.#fill(this.#word(this.#colors[GREEN]!));
      case "blue":
        return this.#fill(this.#word(this.#colors[BLUE]!));
      case "solid-color":
        return this.#fill(this.#word(this.#fg));
      case "checkers-1":
        return this.#checkers(1);
      case "checkers-2":
        return this.#checkers(2);
      case "checkers-4":
        return this.#checkers(4);
      case "checkers-8":
        return this.#checkers(8);
      case "smpte":
        return this.#smpteRow;
      case "smpte75":
      case "smpte100": {
        const bt601 = this.#info.colorimetry.matrix === "bt601";
        const table = p === "smpte75" ? (bt601 ? BT601_75 : BT709_75) : this.#colors;
        return (_y, _l, l32) => {
          for (let i = 0; i < 7; i++) l32.fill(this.#word(table[i]!), Math.trunc((i * w) / 7), Math.trunc(((i + 1) * w) / 7));
        };
      }
      case "gradient": {
        const h = this.#info.height;
        return (y, _l, l32) => l32.fill(this.#blendLut[Math.trunc((y * 255.0) / h)]!, 0, w);
      }
      case "circular":
        return this.#circularRow;
      case "snow":
        return this.#snowRow;
      case "ball":
        return this.#ballRows(-1);
    }
  }

  #fill(word: number): RowPainter {
    const w = this.#info.width;
    return (_y, _l, l32) => {
      l32.fill(word, 0, w);
    };
  }

  #checkers(size: number): RowPainter {
    const w = this.#info.width;
    const red = this.#word(this.#colors[RED]!);
    const green = this.#word(this.#colors[GREEN]!);
    return (y, _l, l32) => {
      for (let x = 0; x < w; x += size) l32.fill((x ^ y) & size ? green : red, x, Math.min(w, x + size));
    };
  }

  /** SMPTE row templates (bars, inverse bars, bottom band without its noise), built once. */
  #smpte: { bars: Int32Array; inverse: Int32Array; bottom: Int32Array } | null = null;

  /**
   * The rows SMPTE is made of. `bottom` covers only the columns the bottom band's segments
   * paint (a width of 4k+3 leaves one pixel between the blacks and the noise, which keeps the
   * row above's colour, as GStreamer's persistent tmpline does).
   */
  #smpteTemplates(): { bars: Int32Array; inverse: Int32Array; bottom: Int32Array } {
    if (this.#smpte) return this.#smpte;
    const w = this.#info.width;
    const cols = this.#colors;
    const seg = (row: Int32Array, k: number, x1: number, x2: number) => row.fill(this.#word(cols[k]!), x1, x2);
    const bars = new Int32Array(w);
    const inverse = new Int32Array(w);
    for (let i = 0; i < 7; i++) {
      const x1 = Math.trunc((i * w) / 7);
      const x2 = Math.trunc(((i + 1) * w) / 7);
      seg(bars, i, x1, x2);
      seg(inverse, i & 1 ? BLACK : 6 - i, x1, x2);
    }
    const half = Math.trunc(w / 2);
    const bottom = new Int32Array(half + Math.trunc((3 * w) / 12));
    const thirds = [NEG_I, WHITE, POS_Q];
    for (let i = 0; i < 3; i++) seg(bottom, thirds[i]!, Math.trunc((i * w) / 6), Math.trunc(((i + 1) * w) / 6));
    const blacks = [SUPER_BLACK, BLACK, DARK_GREY];
    for (let i = 0; i < 3; i++) seg(bottom, blacks[i]!, half + Math.trunc((i * w) / 12), half + Math.trunc(((i + 1) * w) / 12));
    return (this.#smpte = { bars, inverse, bottom });
  }

  /** SMPTE colour bars: 7 bars, inverse blue bars, then -I / white / +Q, blacks and noise. */
  #smpteRow: RowPainter = (y, _l, l32) => {
    const { width: w, height: h } = this.#info;
    const t = this.#smpteTemplates();
    const y1 = Math.trunc((2 * h) / 3);
    const y2 = Math.trunc((3 * h) / 4);
    if (y < y1) {
      l32.set(t.bars);
      return;
    }
    if (y < y2) {
      l32.set(t.inverse);
      return;
    }
    const x1 = Math.trunc((w * 3) / 4);
    l32.set(t.bottom);
    const lut = this.#blendLut;
    const rng = this.#rng;
    let st = rng.state;
    for (let i = x1; i < w; i++) {
      st = (Math.imul(st, 1103515245) + 12345) | 0;
      l32[i] = lut[(st >>> 16) & 0xff]!;
    }
    rng.state = st;
  };

  #snowRow: RowPainter = (_y, _l, l32) => {
    const w = this.#info.width;
    const lut = this.#blendLut;
    const rng = this.#rng;
    let st = rng.state;
    for (let i = 0; i < w; i++) {
      st = (Math.imul(st, 1103515245) + 12345) | 0;
      l32[i] = lut[(st >>> 16) & 0xff]!;
    }
    rng.state = st;
  };

  #circularRow: RowPainter = (j, _l, l32) => {
    const { width: w, height: h } = this.#info;
    const lut = this.#blendLut;
    for (let i = 0; i < w; i++) {
      const dist = Math.sqrt((2 * i - w) * (2 * i - w) + (2 * j - h) * (2 * j - h)) / (2 * w);
      const seg = Math.floor(dist * 16);
      let v = 0;
      if (seg !== 0 && seg < 8) {
        const freq = 200 * Math.pow(2.0, -(seg - 1) / 4.0);
        v = SINE_TABLE[Math.floor(256 * dist * freq + 0.5) & 0xff]!;
      }
      l32[i] = lut[v]!;
    }
  };

  /** The ball's centre for frame n (animation by frame count, "wavy" motion). */
  #ballCentre(n: number): { x: number; y: number } {
    const { width: w, height: h } = this.#info;
    const rad = 2 * Math.PI * (n / 200);
    return {
      x: BALL_RADIUS + (0.5 + 0.5 * Math.sin(rad)) * (w - 2 * BALL_RADIUS),
      y: BALL_RADIUS + (0.5 + 0.5 * Math.sin(rad * Math.SQRT2)) * (h - 2 * BALL_RADIUS),
    };
  }

  /** Row painter for a ball at frame n (n < 0: background only). */
  #ballRows(n: number): RowPainter {
    const w = this.#info.width;
    const lut = this.#blendLut;
    const wt = this.#weights;
    const centre = n < 0 ? { x: -1e9, y: -1e9 } : this.#ballCentre(n);
    return (i, _l, l32) => {
      const { x, y } = centre;
      const r0 = BALL_RADIUS;
      if (i < y - r0 || i > y + r0) {
        l32.fill(lut[0]!, 0, w);
        return;
      }
      wt.fill(0, 0, w);
      const o = Math.max(0, r0 * r0 - (i - y) * (i - y));
      const r = rint(Math.sqrt(o));
      const x1 = Math.trunc(Math.max(0, x - r));
      const x2 = Math.trunc(Math.min(w, x + r + 1));
      for (let j = x1; j < x2; j++) {
        const rr = (r0 - Math.sqrt((j - x) * (j - x) + (i - y) * (i - y))) * 0.5;
        wt[j] = Math.max(0, Math.min(255, Math.floor(256 * rr)));
      }
      for (let j = 0; j < w; j++) l32[j] = lut[wt[j]!]!;
    };
  }

  /** Paints the rows the ball covers at frame n over a copy of the background. */
  #drawBall(dst: Uint8Array, n: number): void {
    const h = this.#info.height;
    const { y } = this.#ballCentre(n);
    const top = Math.max(0, Math.floor(y - BALL_RADIUS) - 1);
    const bottom = Math.min(h, Math.ceil(y + BALL_RADIUS) + 2);
    writeRows(this.#info, dst, this.#lines, this.#ballRows(n), top, bottom);
  }
}

/** Ball radius in pixels (GStreamer's, for the default "wavy" motion). */
export const BALL_RADIUS = 20;

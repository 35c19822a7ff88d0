/**
 * Resampler: changes the sample rate of interleaved audio, streaming, with a choice of
 * quality. audioresample is a thin element around it.
 *
 * Output sample k sits at input position t_k = k × in / out (the first output sample is the
 * first input sample, so timestamps carry over unchanged). The ratio is kept as a reduced
 * fraction, so positions are exact integers plus a phase (no drift, however long the stream).
 *
 *  - quality 0: linear interpolation between the two input samples around t_k;
 *  - quality 1..10: a Kaiser-windowed sinc over 2H input samples centred on t_k, with the tap
 *    counts, cutoffs and window shapes of the Speex resampler that GStreamer's audioresample
 *    uses for the same quality (4, GStreamer's default, is 64 taps with a cutoff at 0.921 of
 *    the lower Nyquist frequency). Coefficients are precomputed per phase (exact when the
 *    reduced output rate has at most 1024 phases, else interpolated from a 512-phase table)
 *    and normalised to unit DC gain.
 *
 * Input waits in a history buffer until the samples after t_k have arrived (H frames of
 * latency); `drain()` at end of stream pads with silence so every input sample is represented:
 * N input frames give ceil(N × out / in) output frames in all.
 *
 * Runs synchronously on the caller's thread; allocates only when a larger input block than
 * before arrives.
 */

/** Speex's quality table: taps, cutoff (fraction of the lower Nyquist), Kaiser β. */
const QUALITY: readonly { taps: number; cutoff: number; beta: number }[] = [
  { taps: 2, cutoff: 1, beta: 0 }, // 0: linear (special-cased)
  { taps: 16, cutoff: 0.85, beta: 5.658 },
  { taps: 32, cutoff: 0.882, beta: 5.658 },
  { taps: 48, cutoff: 0.895, beta: 6.764 },
  { taps: 64, cutoff: 0.921, beta: 6.764 },
  { taps: 80, cutoff: 0.922, beta: 7.865 },
  { taps: 96, cutoff: 0.94, beta: 7.865 },
  { taps: 128, cutoff: 0.95, beta: 7.865 },
  { taps: 160, cutoff: 0.96, beta: 7.865 },
  { taps: 192, cutoff: 0.968, beta: 9.0 },
  { taps: 256, cutoff: 0.975, beta: 9.0 },
];

export const MIN_QUALITY = 0;
export const MAX_QUALITY = 10;

/** Most phases given their own coefficient row; beyond, rows are interpolated. */
const MAX_EXACT_PHASES = 1024;
const OVERSAMPLE = 512;

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** Modified Bessel function of the first kind, order 0 (series). */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 64; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

export class Resampler {
  /** Input frames the filter reaches on each side (output lags input by `half` frames). */
  readonly half: number;
  readonly #taps: number;
  readonly #num: number;
  readonly #den: number;
  readonly #linear: boolean;
  /** Coefficient rows: exact (one per phase) or oversampled (interpolated). */
  readonly #coef: Float64Array;
  readonly #rows: number;
  readonly #exact: boolean;
  /** Pending input, interleaved; buf[0] is absolute input frame #start. */
  #buf = new Float64Array(0);
  #frames = 0;
  #start = 0;
  /** Absolute input index and phase of the next output sample. */
  #ipos = 0;
  #phase = 0;
  /** Input frames pushed so far (excluding padding). */
  #pushed = 0;

  constructor(
    readonly channels: number,
    readonly inRate: number,
    readonly outRate: number,
    readonly quality = 4,
  ) {
    if (!(quality >= MIN_QUALITY && quality <= MAX_QUALITY) || !Number.isInteger(quality)) {
      throw new RangeError(`resampler quality must be an integer in [0, 10], got ${quality}`);
    }
    const g = gcd(inRate, outRate);
    this.#num = inRate / g;
    this.#den = outRate / g;
    this.#linear = quality === 0;
    const q = QUALITY[quality]!;
    this.#taps = this.#linear ? 2 : q.taps;
    this.half = this.#taps / 2;
    this.#exact = this.#den <= MAX_EXACT_PHASES;
    this.#rows = this.#exact ? this.#den : OVERSAMPLE + 1;
    this.#coef = this.#linear ? new Float64Array(0) : this.#table(q.cutoff, q.beta);
    this.reset();
  }

  /** Forgets all input (a new stream): the filter history is silence again. */
  reset(): void {
    // H − 1 frames of silence before the first sample (for linear: none).
    const left = this.half - 1;
    this.#start = -left;
    this.#frames = left;
    this.#ensure(left);
    this.#buf.fill(0, 0, left * this.channels);
    this.#ipos = 0;
    this.#phase = 0;
    this.#pushed = 0;
  }

  /** Most output frames `process` can return for `frames` input frames. */
  maxOutput(frames: number): number {
    return Math.ceil(((frames + this.#taps) * this.#den) / this.#num) + 2;
  }

  #table(cutoff: number, beta: number): Float64Array {
    const taps = this.#taps;
    const H = this.half;
    const fc = cutoff * Math.min(1, this.outRate / this.inRate);
    const i0b = besselI0(beta);
    const rows = this.#rows;
    const t = new Float64Array(rows * taps);
    for (let r = 0; r < rows; r++) {
      const f = this.#exact ? r / this.#den : r / OVERSAMPLE;
      let sum = 0;
      for (let m = 0; m < taps; m++) {
        const d = m - H + 1 - f;
        const x = d / H;
        const w = Math.abs(x) >= 1 ? 0 : besselI0(beta * Math.sqrt(1 - x * x)) / i0b;
        const s = d === 0 ? 1 : Math.sin(Math.PI * fc * d) / (Math.PI * fc * d);
        const c = fc * s * w;
        t[r * taps + m] = c;
        sum += c;
      }
      for (let m = 0; m < taps; m++) t[r * taps + m] /= sum;
    }
    return t;
  }

  #ensure(frames: number): void {
    const need = frames * this.channels;
    if (this.#buf.length < need) {
      const n = new Float64Array(Math.max(need, this.#buf.length * 2));
      n.set(this.#buf.subarray(0, this.#frames * this.channels));
      this.#buf = n;
    }
  }

  #append(input: Float64Array, frames: number): void {
    const ch = this.channels;
    this.#ensure(this.#frames + frames);
    this.#buf.set(input.subarray(0, frames * ch), this.#frames * ch);
    this.#frames += frames;
  }

  /**
   * Consumes `frames` interleaved input frames, writes the output frames now computable into
   * `out` (interleaved; room for maxOutput(frames) frames) and returns how many.
   */
  process(input: Float64Array, frames: number, out: Float64Array): number {
    this.#append(input, frames);
    this.#pushed += frames;
    return this.#run(out, Infinity);
  }

  /**
   * End of stream: pads with silence and returns the last output frames (into `out`, room for
   * maxOutput(0) + half frames), so that N input frames gave ceil(N × out / in) in all.
   */
  drain(out: Float64Array): number {
    const ch = this.channels;
    this.#ensure(this.#frames + this.half);
    this.#buf.fill(0, this.#frames * ch, (this.#frames + this.half) * ch);
    this.#frames += this.half;
    return this.#run(out, this.#pushed);
  }

  /** Produces outputs while their input neighbourhood is available and t_k < limit. */
  #run(out: Float64Array, limit: number): number {
    const ch = this.channels;
    const buf = this.#buf;
    const num = this.#num;
    const den = this.#den;
    const taps = this.#taps;
    const H = this.half;
    const end = this.#start + this.#frames; // one past the last available frame
    let ipos = this.#ipos;
    let phase = this.#phase;
    // Frames needed after ipos: the next one (linear) or H (sinc).
    const ahead = this.#linear ? 1 : H;
    let n = 0;
    while (ipos + ahead < end && ipos < limit) {
      const base = (ipos - this.#start) * ch;
      if (this.#linear) {
        const f = phase / den;
        for (let c = 0; c < ch; c++) out[n * ch + c] = buf[base + c]! * (1 - f) + buf[base + ch + c]! * f;
      } else {
        const first = base - (H - 1) * ch;
        if (this.#exact) {
          const row = phase * taps;
          const coef = this.#coef;
          for (let c = 0; c < ch; c++) {
            let acc = 0;
            for (let m = 0, k = first + c; m < taps; m++, k += ch) acc += coef[row + m]! * buf[k]!;
            out[n * ch + c] = acc;
          }
        } else {
          const pos = (phase / den) * OVERSAMPLE;
          const r0 = Math.floor(pos);
          const a = pos - r0;
          const row0 = r0 * taps;
          const row1 = Math.min(r0 + 1, OVERSAMPLE) * taps;
          const coef = this.#coef;
          for (let c = 0; c < ch; c++) {
            let acc = 0;
            for (let m = 0, k = first + c; m < taps; m++, k += ch) acc += (coef[row0 + m]! * (1 - a) + coef[row1 + m]! * a) * buf[k]!;
            out[n * ch + c] = acc;
          }
        }
      }
      n++;
      phase += num;
      if (phase >= den) {
        ipos += Math.floor(phase / den);
        phase %= den;
      }
    }
    this.#ipos = ipos;
    this.#phase = phase;
    // Keep only the history the next output needs.
    const keepFrom = ipos - (this.#linear ? 0 : H - 1);
    const drop = Math.max(0, Math.min(this.#frames, keepFrom - this.#start));
    if (drop > 0) {
      buf.copyWithin(0, drop * ch, this.#frames * ch);
      this.#frames -= drop;
      this.#start += drop;
    }
    return n;
  }
}

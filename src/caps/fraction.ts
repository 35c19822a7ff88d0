/**
 * Fraction: an exact rational number, the type of `framerate` and `pixel-aspect-ratio`.
 *
 * A fraction is a plain `{ num, den }` object, always normalised the way GStreamer's
 * gst_value_set_fraction normalises: the denominator is positive, the pair is reduced by its
 * greatest common divisor and zero is `0/1`. Normalising on construction means two equal
 * fractions always have equal fields, so equality is a field compare.
 *
 * Comparisons cross-multiply. Numerators and denominators are usually 32-bit (GStreamer's gint),
 * so products can exceed 2^53; those rare cases fall back to BigInt so that 2147483647/1 and
 * 2147483646/1 still compare exactly. Everything here is pure and allocation-light; the caps
 * set algebra (value.ts) and fixation (fixate.ts) build on it.
 */

export type Fraction = { readonly num: number; readonly den: number };

/** Largest numerator/denominator `fractionFromNumber` produces (GStreamer's G_MAXINT). */
export const FRACTION_MAX_TERM = 2147483647;

const SAFE = Number.MAX_SAFE_INTEGER;

export function gcd(a: number, b: number): number {
  a = Math.abs(a);
  b = Math.abs(b);
  while (b !== 0) {
    const t = a % b;
    a = b;
    b = t;
  }
  return a;
}

export function lcm(a: number, b: number): number {
  return (a / gcd(a, b)) * b;
}

/**
 * Makes a normalised fraction. Throws a TypeError for non-integer terms (use
 * `fractionFromNumber(29.97)` for decimals) and a RangeError for a zero denominator.
 */
export function fraction(num: number, den: number): Fraction {
  if (!Number.isSafeInteger(num) || !Number.isSafeInteger(den)) {
    throw new TypeError(
      `fraction(${num}, ${den}): numerator and denominator must be integers; ` +
        `for a decimal rate such as 29.97 use fractionFromNumber(29.97)`,
    );
  }
  if (den === 0) {
    throw new RangeError(`fraction(${num}, 0): the denominator must not be zero`);
  }
  if (num === 0) return { num: 0, den: 1 };
  if (den < 0) {
    num = -num;
    den = -den;
  }
  const g = gcd(num, den);
  return g === 1 ? { num, den } : { num: num / g, den: den / g };
}

/** True for a `{ num, den }` object (any object with a numeric `den` is taken as one). */
export function isFraction(v: unknown): v is Fraction {
  return typeof v === "object" && v !== null && typeof (v as Fraction).den === "number";
}

/** Re-normalises a fraction that came from outside (a user may write `{ num: 60, den: 2 }`). */
export function normaliseFraction(f: Fraction): Fraction {
  return fraction(f.num, f.den);
}

/** -1, 0 or 1 as a < b, a == b, a > b. Exact for all safe-integer terms. */
export function compareFractions(a: Fraction, b: Fraction): number {
  const l = a.num * b.den;
  const r = b.num * a.den;
  if (l <= SAFE && l >= -SAFE && r <= SAFE && r >= -SAFE) {
    return l < r ? -1 : l > r ? 1 : 0;
  }
  const bl = BigInt(a.num) * BigInt(b.den);
  const br = BigInt(b.num) * BigInt(a.den);
  return bl < br ? -1 : bl > br ? 1 : 0;
}

export function fractionsEqual(a: Fraction, b: Fraction): boolean {
  return a.num === b.num && a.den === b.den;
}

export function fractionToNumber(f: Fraction): number {
  return f.num / f.den;
}

/**
 * Compares the distances |a - target| and |b - target| exactly: negative when a is nearer,
 * positive when b is nearer, 0 on a tie. Used by nearest-value fixation.
 */
export function compareDistance(a: Fraction, b: Fraction, target: Fraction): number {
  // |a - t| = |a.num*t.den - t.num*a.den| / (a.den*t.den); compare by cross-multiplying.
  const tn = BigInt(target.num);
  const td = BigInt(target.den);
  let da = BigInt(a.num) * td - tn * BigInt(a.den);
  let db = BigInt(b.num) * td - tn * BigInt(b.den);
  if (da < 0n) da = -da;
  if (db < 0n) db = -db;
  const l = da * BigInt(b.den);
  const r = db * BigInt(a.den);
  return l < r ? -1 : l > r ? 1 : 0;
}

/**
 * The closest fraction to a number, by continued fractions with terms kept within
 * FRACTION_MAX_TERM (the approach of gst_util_double_to_fraction): 29.97 -> 2997/100,
 * 30000/1001 (29.97002997...) -> 30000/1001, 0.5 -> 1/2.
 */
export function fractionFromNumber(x: number): Fraction {
  if (!Number.isFinite(x)) {
    throw new RangeError(`cannot turn ${x} into a fraction: it is not a finite number`);
  }
  if (Number.isInteger(x)) {
    if (Math.abs(x) > FRACTION_MAX_TERM) {
      throw new RangeError(`cannot turn ${x} into a fraction: it exceeds ${FRACTION_MAX_TERM}`);
    }
    return fraction(x, 1);
  }
  const sign = x < 0 ? -1 : 1;
  const target = Math.abs(x);
  let v = target;
  // Convergents h/k, seeded with h(-2)/k(-2) = 0/1 and h(-1)/k(-1) = 1/0.
  let h0 = 0;
  let k0 = 1;
  let h1 = 1;
  let k1 = 0;
  for (let i = 0; i < 30; i++) {
    const a = Math.floor(v);
    const h2 = a * h1 + h0;
    const k2 = a * k1 + k0;
    if (h2 > FRACTION_MAX_TERM || k2 > FRACTION_MAX_TERM) break;
    h0 = h1;
    k0 = k1;
    h1 = h2;
    k1 = k2;
    const rest = v - a;
    if (rest < 1e-10 || Math.abs(h1 / k1 - target) <= target * 1e-15) break;
    v = 1 / rest;
  }
  if (k1 === 0) {
    throw new RangeError(`cannot turn ${x} into a fraction within ${FRACTION_MAX_TERM}`);
  }
  return fraction(sign * h1, k1);
}

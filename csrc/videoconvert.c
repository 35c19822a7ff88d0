/*
 * videoconvert shim: the per-pixel kernels of src/media/video-convert.ts's two hottest paths,
 * each doing exactly the arithmetic its JS tables do (and GStreamer does), byte for byte:
 *  - I420 → RGBA / BGRA / RGB: GStreamer's ORC fast path (video_orc_convert_I420_ARGB and
 *    friends), which src/media/video-color.ts YuvToRgb reproduces in JS;
 *  - RGBA / BGRA → I420 / NV12: matrix8_table and the chroma reduction (TableMatrix and
 *    rgbToYuv420 in JS), described before px_vc_rgb_to_yuv420 below.
 *
 * I420 → RGB: for a sample c (Y', Cb or Cr) and a matrix coefficient k (256 × the float matrix, rounded,
 * kept to 16 bits as ORC keeps it), ORC's term is
 *     t(c, k) = ((int16)((c ^ 0x80) · 0x0101) · k) >> 16        (splatbw, then mulhsw)
 * and the pixel is
 *     R = sat8(t(Y, ky) + t(V, krv)) + 128
 *     G = sat8(t(Y, ky) + t(U, kgu) + t(V, kgv)) + 128
 *     B = sat8(t(Y, ky) + t(U, kbu)) + 128,      sat8 clamping to -128..127.
 * Which matrix and range (BT.601 / BT.709, limited / full) is only a matter of the five
 * coefficients, which the caller computes once per caps.
 *
 * The loops are written for gcc's auto-vectoriser (no tables, 16-bit integer lanes, a mulhi
 * it recognises as pmulhw): per pair of rows (they share a chroma row), the chroma terms of a
 * chunk are computed once and spread to one entry per pixel, then each row of the pair is a
 * plain contiguous loop. The file asks for -O3 (the build uses -O2, whose cost model
 * vectorises almost nothing) and for an AVX2 clone picked at load time, with an SSE2 default
 * for any x86-64.
 *
 * Thin like the other shims: no allocation, no state; 0 or -errno (-EINVAL for a geometry or
 * layout that makes no sense, -ERANGE when a buffer is too small for it). ffi/videoconvert.ts
 * is the typed binding.
 */
#pragma GCC optimize("O3")
#include <errno.h>
#include <stdint.h>

/* Output layouts: bytes of a pixel in memory. */
enum { PX_VC_RGBA = 0, PX_VC_BGRA = 1, PX_VC_RGB = 2 };

/* Entries of the `planes` array: where each plane starts in its buffer, and its row stride. */
enum { PX_VC_Y_OFF, PX_VC_Y_STRIDE, PX_VC_U_OFF, PX_VC_U_STRIDE, PX_VC_V_OFF, PX_VC_V_STRIDE, PX_VC_D_OFF, PX_VC_D_STRIDE, PX_VC_NPLANES };

/* Entries of the `coef` array (int16): ky, krv, kgu, kgv, kbu. */
enum { PX_VC_KY, PX_VC_KRV, PX_VC_KGU, PX_VC_KGV, PX_VC_KBU, PX_VC_NCOEF };

/* Pixels per chunk: the chroma terms of a chunk (3 × 2 × 512 bytes) stay in L1. */
#define CHUNK 512

/* An unaligned 16-bit store target (pool slots are aligned, but a caller's view may not be). */
typedef uint16_t u16_unaligned __attribute__((aligned(1), may_alias));

int px_vc_const_nplanes(void) { return PX_VC_NPLANES; }
int px_vc_const_ncoef(void) { return PX_VC_NCOEF; }

/* ORC's splatbw + mulhsw on a byte centred on 128. */
static inline int16_t term(uint8_t c, int16_t k) {
  int16_t w = (int16_t)(uint16_t)((uint8_t)(c ^ 0x80) * 0x0101);
  return (int16_t)(((int32_t)w * k) >> 16);
}

/* Saturates to a signed byte and moves it back to 0..255; 16-bit throughout (pminsw/pmaxsw). */
static inline uint8_t sat8(int16_t s) {
  int16_t lo = s < -128 ? (int16_t)-128 : s;
  int16_t c = lo > 127 ? (int16_t)127 : lo;
  return (uint8_t)(c + 128);
}

/*
 * One row of n RGBA / BGRA pixels from its luma and the per-pixel chroma terms. Stored as two
 * 16-bit halves (R,G then B,A; or B,G then R,A) so that every lane stays 16 bits wide.
 */
static inline void row_rgba(const uint8_t *restrict y, const int16_t *restrict rv, const int16_t *restrict guv,
                            const int16_t *restrict bu, u16_unaligned *restrict d, int n, int16_t ky, int bgra) {
  for (int x = 0; x < n; x++) {
    int16_t t = term(y[x], ky);
    uint16_t r = sat8((int16_t)(t + rv[x]));
    uint16_t g = sat8((int16_t)(t + guv[x]));
    uint16_t b = sat8((int16_t)(t + bu[x]));
    d[2 * x] = (uint16_t)((bgra ? b : r) | (g << 8));
    d[2 * x + 1] = (uint16_t)((bgra ? r : b) | 0xff00);
  }
}

static inline void row_rgb(const uint8_t *restrict y, const int16_t *restrict rv, const int16_t *restrict guv,
                           const int16_t *restrict bu, uint8_t *restrict d, int n, int16_t ky) {
  for (int x = 0; x < n; x++) {
    int16_t t = term(y[x], ky);
    d[3 * x] = sat8((int16_t)(t + rv[x]));
    d[3 * x + 1] = sat8((int16_t)(t + guv[x]));
    d[3 * x + 2] = sat8((int16_t)(t + bu[x]));
  }
}

/* Last byte (exclusive) a plane of `rows` rows of `bytes` bytes reaches, or -1 when invalid. */
static int64_t plane_end(int64_t off, int64_t stride, int64_t rows, int64_t bytes) {
  if (off < 0 || stride < bytes) return -1;
  return off + stride * (rows - 1) + bytes;
}

/*
 * Converts one I420 frame of width × height at `src` (planes[PX_VC_Y_OFF..V_STRIDE]) into
 * `layout` pixels at `dst` (planes[PX_VC_D_OFF], [PX_VC_D_STRIDE]) with coefficients `coef`.
 * Both buffers are the caller's and are only read / written inside the geometry, which is
 * checked against src_len and dst_len first. Returns 0, -EINVAL or -ERANGE.
 */
__attribute__((target_clones("avx2", "default")))
int px_vc_i420_to_rgb(const uint8_t *src, int64_t src_len, const int32_t *planes, uint8_t *dst, int64_t dst_len,
                      int32_t width, int32_t height, int32_t layout, const int16_t *coef) {
  if (width <= 0 || height <= 0 || layout < PX_VC_RGBA || layout > PX_VC_RGB) return -EINVAL;
  const int bpp = layout == PX_VC_RGB ? 3 : 4;
  const int cw = (width + 1) >> 1;
  const int ch = (height + 1) >> 1;
  int64_t ey = plane_end(planes[PX_VC_Y_OFF], planes[PX_VC_Y_STRIDE], height, width);
  int64_t eu = plane_end(planes[PX_VC_U_OFF], planes[PX_VC_U_STRIDE], ch, cw);
  int64_t ev = plane_end(planes[PX_VC_V_OFF], planes[PX_VC_V_STRIDE], ch, cw);
  int64_t ed = plane_end(planes[PX_VC_D_OFF], planes[PX_VC_D_STRIDE], height, (int64_t)width * bpp);
  if (ey < 0 || eu < 0 || ev < 0 || ed < 0) return -EINVAL;
  if (ey > src_len || eu > src_len || ev > src_len || ed > dst_len) return -ERANGE;

  const int16_t ky = coef[PX_VC_KY], krv = coef[PX_VC_KRV], kgu = coef[PX_VC_KGU], kgv = coef[PX_VC_KGV], kbu = coef[PX_VC_KBU];
  const int bgra = layout == PX_VC_BGRA;
  const int32_t ys = planes[PX_VC_Y_STRIDE], us = planes[PX_VC_U_STRIDE], vs = planes[PX_VC_V_STRIDE], ds = planes[PX_VC_D_STRIDE];
  /* Chroma terms of a chunk, spread to one entry per pixel (an odd last pixel rounds up). */
  int16_t rv[CHUNK], guv[CHUNK], bu[CHUNK];

  for (int y = 0; y < height; y += 2) {
    const uint8_t *ya = src + planes[PX_VC_Y_OFF] + (int64_t)y * ys;
    const uint8_t *u = src + planes[PX_VC_U_OFF] + (int64_t)(y >> 1) * us;
    const uint8_t *v = src + planes[PX_VC_V_OFF] + (int64_t)(y >> 1) * vs;
    uint8_t *da = dst + planes[PX_VC_D_OFF] + (int64_t)y * ds;
    const int pair = y + 1 < height;
    for (int x0 = 0; x0 < width; x0 += CHUNK) {
      const int n = width - x0 < CHUNK ? width - x0 : CHUNK;
      const int nc = (n + 1) >> 1;
      const uint8_t *uc = u + (x0 >> 1);
      const uint8_t *vc = v + (x0 >> 1);
      for (int j = 0; j < nc; j++) {
        int16_t r = term(vc[j], krv);
        int16_t g = (int16_t)(term(uc[j], kgu) + term(vc[j], kgv));
        int16_t b = term(uc[j], kbu);
        rv[2 * j] = r;
        rv[2 * j + 1] = r;
        guv[2 * j] = g;
        guv[2 * j + 1] = g;
        bu[2 * j] = b;
        bu[2 * j + 1] = b;
      }
      if (bpp == 4) {
        row_rgba(ya + x0, rv, guv, bu, (u16_unaligned *)(da + 4 * x0), n, ky, bgra);
        if (pair) row_rgba(ya + ys + x0, rv, guv, bu, (u16_unaligned *)(da + ds + 4 * x0), n, ky, bgra);
      } else {
        row_rgb(ya + x0, rv, guv, bu, da + 3 * x0, n, ky);
        if (pair) row_rgb(ya + ys + x0, rv, guv, bu, da + ds + 3 * x0, n, ky);
      }
    }
  }
  return 0;
}

/*
 * R'G'B' → Y'CbCr 4:2:0: GStreamer's matrix8_table (what src/media/video-color.ts TableMatrix
 * computes) per pixel, then its chroma reduction (what rgbToYuv420 in video-convert.ts does):
 *     Y = (m0·R + m1·G + m2·B + m3) >> 8,  U = (m4·R + m5·G + m6·B + m7) >> 8,  V likewise (m8..m11)
 *     vertically: the two rows' chroma averaged, (a + b + 1) >> 1 (a last row alone keeps its own)
 *     horizontally, centred siting: (a + b + 1) >> 1 per pair (a last column alone keeps its own);
 *     cosited siting: [1 2 1] / 4 around each even column, (3·c0 + c1 + 2) >> 2 at the left edge
 *     and (c_{x-1} + 3·c_x + 2) >> 2 at the right one.
 * Chroma goes to its own planes (I420: chroma_step 1) or interleaved (NV12: U and V offsets one
 * byte apart, chroma_step 2). Everything is 32-bit integer arithmetic, in chunks of CHUNK
 * pixels; the cosited filter carries one sample of each channel from a chunk to the next.
 */

/* Entries of `planes` for px_vc_rgb_to_yuv420. */
enum { PX_VC_S_OFF, PX_VC_S_STRIDE, PX_VC_OY_OFF, PX_VC_OY_STRIDE, PX_VC_OU_OFF, PX_VC_OU_STRIDE, PX_VC_OV_OFF, PX_VC_OV_STRIDE, PX_VC_NPLANES_RGB };
/* Entries of the int32 `matrix` array: the first three rows of GStreamer's integer matrix. */
enum { PX_VC_NMATRIX = 12 };

int px_vc_const_nplanes_rgb(void) { return PX_VC_NPLANES_RGB; }
int px_vc_const_nmatrix(void) { return PX_VC_NMATRIX; }

/* One row: luma stored, chroma of every pixel into u / v (averaged with what they hold if `avg`). */
static inline void rgb_row(const uint8_t *restrict s, uint8_t *restrict yo, int32_t *restrict u, int32_t *restrict v, int n,
                           const int32_t *restrict m, int ri, int bi, int avg) {
  const int32_t m0 = m[0], m1 = m[1], m2 = m[2], m3 = m[3], m4 = m[4], m5 = m[5], m6 = m[6], m7 = m[7];
  const int32_t m8 = m[8], m9 = m[9], m10 = m[10], m11 = m[11];
  if (avg) {
    for (int x = 0; x < n; x++) {
      int32_t r = s[4 * x + ri], g = s[4 * x + 1], b = s[4 * x + bi];
      yo[x] = (uint8_t)((m0 * r + m1 * g + m2 * b + m3) >> 8);
      u[x] = (u[x] + ((m4 * r + m5 * g + m6 * b + m7) >> 8) + 1) >> 1;
      v[x] = (v[x] + ((m8 * r + m9 * g + m10 * b + m11) >> 8) + 1) >> 1;
    }
  } else {
    for (int x = 0; x < n; x++) {
      int32_t r = s[4 * x + ri], g = s[4 * x + 1], b = s[4 * x + bi];
      yo[x] = (uint8_t)((m0 * r + m1 * g + m2 * b + m3) >> 8);
      u[x] = (m4 * r + m5 * g + m6 * b + m7) >> 8;
      v[x] = (m8 * r + m9 * g + m10 * b + m11) >> 8;
    }
  }
}

/*
 * Chroma of the even columns x0, x0+2, … of a chunk of n pixels (c[1..n]; c[0] is the last
 * sample of the previous chunk) of a row w pixels wide, into out[0..].
 */
static inline void reduce(const int32_t *restrict c, int32_t *restrict out, int x0, int n, int w, int cosited) {
  const int nc = (n + 1) >> 1;
  if (!cosited) {
    for (int j = 0; j < n >> 1; j++) out[j] = (c[2 * j + 1] + c[2 * j + 2] + 1) >> 1;
    if (n & 1) out[nc - 1] = c[n];
    return;
  }
  for (int j = 0; j < nc; j++) out[j] = (c[2 * j] + 2 * c[2 * j + 1] + c[2 * j + 2] + 2) >> 2;
  /* The edges, in rgbToYuv420's order of cases: a single column, the left edge, the right one. */
  for (int j = nc - 2 < 0 ? 0 : nc - 2; j < nc; j++) {
    const int x = x0 + 2 * j;
    if (x >= w - 2 && x != 0) out[j] = (c[2 * j] + 3 * c[2 * j + 1] + 2) >> 2;
  }
  if (x0 == 0) out[0] = w < 2 ? c[1] : (3 * c[1] + c[2] + 2) >> 2;
}

/*
 * Converts one RGBA or BGRA frame (`layout`, planes[PX_VC_S_OFF], [PX_VC_S_STRIDE]) into 4:2:0
 * Y'CbCr (planes[PX_VC_OY_OFF..OV_STRIDE], chroma samples `chroma_step` bytes apart) with the
 * integer `matrix`, chroma sited as `cosited` says. Checked against both lengths first.
 * Returns 0, -EINVAL or -ERANGE.
 */
__attribute__((target_clones("avx2", "default")))
int px_vc_rgb_to_yuv420(const uint8_t *src, int64_t src_len, const int32_t *planes, uint8_t *dst, int64_t dst_len,
                        int32_t width, int32_t height, int32_t layout, int32_t chroma_step, int32_t cosited, const int32_t *matrix) {
  if (width <= 0 || height <= 0 || (layout != PX_VC_RGBA && layout != PX_VC_BGRA) || (chroma_step != 1 && chroma_step != 2)) return -EINVAL;
  const int cw = (width + 1) >> 1;
  const int ch = (height + 1) >> 1;
  const int64_t crow = (int64_t)(cw - 1) * chroma_step + 1;
  int64_t es = plane_end(planes[PX_VC_S_OFF], planes[PX_VC_S_STRIDE], height, (int64_t)width * 4);
  int64_t ey = plane_end(planes[PX_VC_OY_OFF], planes[PX_VC_OY_STRIDE], height, width);
  int64_t eu = plane_end(planes[PX_VC_OU_OFF], planes[PX_VC_OU_STRIDE], ch, crow);
  int64_t ev = plane_end(planes[PX_VC_OV_OFF], planes[PX_VC_OV_STRIDE], ch, crow);
  if (es < 0 || ey < 0 || eu < 0 || ev < 0) return -EINVAL;
  if (es > src_len || ey > dst_len || eu > dst_len || ev > dst_len) return -ERANGE;

  const int ri = layout == PX_VC_BGRA ? 2 : 0;
  const int bi = layout == PX_VC_BGRA ? 0 : 2;
  const int32_t ss = planes[PX_VC_S_STRIDE], ys = planes[PX_VC_OY_STRIDE];
  /* Per-pixel chroma of the row pair, behind one carried sample (index 0), plus one repeated
   * after an odd last pixel so that the cosited filter never reads an unset entry. */
  int32_t u[CHUNK + 2], v[CHUNK + 2];
  int32_t ou[CHUNK / 2], ov[CHUNK / 2];

  for (int y = 0; y < height; y += 2) {
    const uint8_t *sa = src + planes[PX_VC_S_OFF] + (int64_t)y * ss;
    uint8_t *ya = dst + planes[PX_VC_OY_OFF] + (int64_t)y * ys;
    uint8_t *uo = dst + planes[PX_VC_OU_OFF] + (int64_t)(y >> 1) * planes[PX_VC_OU_STRIDE];
    uint8_t *vo = dst + planes[PX_VC_OV_OFF] + (int64_t)(y >> 1) * planes[PX_VC_OV_STRIDE];
    const int pair = y + 1 < height;
    u[0] = v[0] = 0;
    for (int x0 = 0; x0 < width; x0 += CHUNK) {
      const int n = width - x0 < CHUNK ? width - x0 : CHUNK;
      rgb_row(sa + 4 * x0, ya + x0, u + 1, v + 1, n, matrix, ri, bi, 0);
      if (pair) rgb_row(sa + ss + 4 * x0, ya + ys + x0, u + 1, v + 1, n, matrix, ri, bi, 1);
      u[n + 1] = u[n];
      v[n + 1] = v[n];
      reduce(u, ou, x0, n, width, cosited);
      reduce(v, ov, x0, n, width, cosited);
      const int nc = (n + 1) >> 1;
      uint8_t *up = uo + (int64_t)(x0 >> 1) * chroma_step;
      uint8_t *vp = vo + (int64_t)(x0 >> 1) * chroma_step;
      if (chroma_step == 1) {
        for (int j = 0; j < nc; j++) up[j] = (uint8_t)ou[j];
        for (int j = 0; j < nc; j++) vp[j] = (uint8_t)ov[j];
      } else {
        for (int j = 0; j < nc; j++) up[2 * j] = (uint8_t)ou[j];
        for (int j = 0; j < nc; j++) vp[2 * j] = (uint8_t)ov[j];
      }
      u[0] = u[n];
      v[0] = v[n];
    }
  }
  return 0;
}

/**
 * Pure bilinear resampling of planar float images, used for TIFF/16-bit data, for the fixed
 * input sizes of the manifest, and in Node tests.
 *
 * The filter is PIL's `Image.resize(..., BILINEAR)` (a triangle filter, separable, pixel
 * centres aligned): when downscaling, its support widens by the scale factor, so every source
 * pixel contributes (antialiased, like torchvision's `Resize(antialias=True)`), instead of the
 * 4-tap bilinear that aliases badly at large factors. When upscaling it is ordinary bilinear
 * interpolation with edge clamping. Results match PIL on mode "F" images to float precision.
 * Cost: O(W·H·taps) per pass; taps ≈ 2·scale+1.
 */

/** A source rectangle in pixel coordinates (may be fractional), like PIL's `box`. */
export interface ResizeBox {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

interface Coefficients {
  /** First source index for each output index. */
  start: Int32Array;
  /** Number of taps for each output index. */
  count: Int32Array;
  /** `ksize` weights per output index, normalised to sum 1. */
  weights: Float64Array;
  ksize: number;
}

function triangle(x: number): number {
  const a = x < 0 ? -x : x;
  return a < 1 ? 1 - a : 0;
}

/** PIL's `precompute_coeffs` for the bilinear filter (support 1). */
function coefficients(inSize: number, in0: number, in1: number, outSize: number): Coefficients {
  const scale = (in1 - in0) / outSize;
  const filterScale = Math.max(scale, 1);
  const support = filterScale; // bilinear support (1) x filterScale
  const ksize = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Float64Array(outSize * ksize);
  const inv = 1 / filterScale;
  for (let xx = 0; xx < outSize; xx++) {
    const center = in0 + (xx + 0.5) * scale;
    // Math.trunc, not floor: PIL casts to int in C.
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const xmax = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
    let sum = 0;
    const base = xx * ksize;
    for (let x = 0; x < xmax; x++) {
      const w = triangle((x + xmin - center + 0.5) * inv);
      weights[base + x] = w;
      sum += w;
    }
    if (sum !== 0) for (let x = 0; x < xmax; x++) weights[base + x] /= sum;
    start[xx] = xmin;
    count[xx] = xmax;
  }
  return { start, count, weights, ksize };
}

/**
 * Resamples `channels` planes of `width` x `height` floats (planar: channel-major, then rows)
 * to `outWidth` x `outHeight`, reading from `box` (default: the whole image). Returns a new
 * planar Float32Array. Same-size without a box returns a copy.
 */
export function resizeBilinear(
  src: Float32Array,
  width: number,
  height: number,
  channels: number,
  outWidth: number,
  outHeight: number,
  box: ResizeBox = { x0: 0, y0: 0, x1: width, y1: height },
): Float32Array {
  if (src.length !== width * height * channels) {
    throw new RangeError(`resizeBilinear: ${src.length} values for ${channels} x ${height} x ${width}`);
  }
  if (!(outWidth >= 1 && outHeight >= 1) || !Number.isInteger(outWidth) || !Number.isInteger(outHeight)) {
    throw new RangeError(`resizeBilinear: output size ${outWidth} x ${outHeight} must be positive integers`);
  }
  const wholeImage = box.x0 === 0 && box.y0 === 0 && box.x1 === width && box.y1 === height;
  if (wholeImage && outWidth === width && outHeight === height) return src.slice();

  const cx = coefficients(width, box.x0, box.x1, outWidth);
  const cy = coefficients(height, box.y0, box.y1, outHeight);
  // Horizontal pass over only the rows the vertical pass reads (PIL does the same).
  const rowFirst = cy.start[0];
  const rowLast = cy.start[outHeight - 1] + cy.count[outHeight - 1];
  const rows = rowLast - rowFirst;
  const tmp = new Float64Array(rows * outWidth);
  const out = new Float32Array(channels * outWidth * outHeight);
  // Locals, not property loads, in the hot loops.
  const xStart = cx.start, xCount = cx.count, xW = cx.weights, xK = cx.ksize;
  const yStart = cy.start, yCount = cy.count, yW = cy.weights, yK = cy.ksize;
  const rowAcc = new Float64Array(outWidth);
  for (let c = 0; c < channels; c++) {
    const plane = c * width * height;
    for (let r = 0; r < rows; r++) {
      const rowOff = plane + (r + rowFirst) * width;
      const tmpOff = r * outWidth;
      for (let xx = 0; xx < outWidth; xx++) {
        const s = rowOff + xStart[xx];
        const n = xCount[xx];
        const k = xx * xK;
        let acc = 0;
        for (let i = 0; i < n; i++) acc += src[s + i] * xW[k + i];
        tmp[tmpOff + xx] = acc;
      }
    }
    const outPlane = c * outWidth * outHeight;
    for (let yy = 0; yy < outHeight; yy++) {
      const s = (yStart[yy] - rowFirst) * outWidth;
      const n = yCount[yy];
      const k = yy * yK;
      const o = outPlane + yy * outWidth;
      // Row-wise accumulation (contiguous reads of tmp, not a strided column walk), in doubles.
      rowAcc.fill(0);
      for (let i = 0; i < n; i++) {
        const w = yW[k + i];
        const t = s + i * outWidth;
        for (let xx = 0; xx < outWidth; xx++) rowAcc[xx] += tmp[t + xx] * w;
      }
      out.set(rowAcc, o);
    }
  }
  return out;
}

/**
 * The size of `width` x `height` scaled down (never up) so its longest side is at most
 * `maxSide`, aspect kept, the short side rounded and at least 1. Shared by the decode-time
 * downscale (browser path) and "native" preprocessing so both agree on the size.
 */
export function fitWithin(width: number, height: number, maxSide: number): { width: number; height: number } {
  const longest = Math.max(width, height);
  if (longest <= maxSide) return { width, height };
  const scale = maxSide / longest;
  return {
    width: width >= height ? maxSide : Math.max(1, Math.round(width * scale)),
    height: height > width ? maxSide : Math.max(1, Math.round(height * scale)),
  };
}

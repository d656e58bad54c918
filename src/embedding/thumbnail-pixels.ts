/**
 * Decoded pixels → a small 8-bit RGBA picture for a canvas (project tools' thumbnails of TIFF,
 * which browsers cannot draw). Hand-written: two loops over a thumbnail-sized image, for which a
 * resampling package would add weight to the worker for nothing (the embeddings' own resize
 * works on planar float tensors, not RGBA bytes).
 */
import type { Pixels } from './pixels.ts';

/**
 * 8-bit RGBA of decoded pixels: greyscale spread to RGB; 16-bit scaled by the image's own
 * maximum, so a dim 12-bit camera image is visible (as the models' `highBitDepth: max`).
 */
export function pixelsToRgba(pixels: Pixels): Uint8ClampedArray<ArrayBuffer> {
  const { width, height, channels, data, bitDepth } = pixels;
  const n = width * height;
  let scale = 1;
  if (bitDepth === 16) {
    let max = 0;
    for (let i = 0; i < data.length; i++) if (data[i] > max) max = data[i];
    scale = max > 0 ? 255 / max : 0;
  }
  const out = new Uint8ClampedArray(n * 4);
  for (let p = 0; p < n; p++) {
    const s = p * channels;
    const r = data[s] * scale;
    out[4 * p] = r;
    out[4 * p + 1] = channels >= 3 ? data[s + 1] * scale : r;
    out[4 * p + 2] = channels >= 3 ? data[s + 2] * scale : r;
    out[4 * p + 3] = channels === 4 ? (bitDepth === 16 ? data[s + 3] * scale : data[s + 3]) : 255;
  }
  return out;
}

/** RGBA of `pixels` with the longest side at most `maxSide`, each output pixel the mean of its source box. */
export function thumbnailRgba(pixels: Pixels, maxSide: number): { width: number; height: number; rgba: Uint8ClampedArray<ArrayBuffer> } {
  const full = pixelsToRgba(pixels);
  const { width, height } = pixels;
  const fit = Math.min(1, maxSide / Math.max(width, height));
  if (fit === 1) return { width, height, rgba: full };
  const w = Math.max(1, Math.round(width * fit));
  const h = Math.max(1, Math.round(height * fit));
  const out = new Uint8ClampedArray(w * h * 4);
  for (let y = 0; y < h; y++) {
    const y0 = Math.floor((y * height) / h);
    const y1 = Math.max(y0 + 1, Math.floor(((y + 1) * height) / h));
    for (let x = 0; x < w; x++) {
      const x0 = Math.floor((x * width) / w);
      const x1 = Math.max(x0 + 1, Math.floor(((x + 1) * width) / w));
      const sum = [0, 0, 0, 0];
      for (let sy = y0; sy < y1; sy++) {
        for (let sx = x0; sx < x1; sx++) {
          const i = 4 * (sy * width + sx);
          sum[0] += full[i]; sum[1] += full[i + 1]; sum[2] += full[i + 2]; sum[3] += full[i + 3];
        }
      }
      const count = (y1 - y0) * (x1 - x0);
      const o = 4 * (y * w + x);
      for (let c = 0; c < 4; c++) out[o + c] = sum[c] / count;
    }
  }
  return { width: w, height: h, rgba: out };
}

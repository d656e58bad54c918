/**
 * Deterministic benchmark inputs, generated identically in Node and in the page (same code,
 * same seeds): plankton-like test images and k-means data. Nothing here touches the DOM.
 */
import { createRng } from '../src/cluster/rng.ts';

/** Uniform [0, 1) draws from the project's seeded generator (mulberry32, src/cluster/rng.ts). */
export function mulberry32(seed: number): () => number {
  return createRng(seed).next;
}

/**
 * An opaque RGBA image: light background, a dark textured ellipse (a "particle") and a little
 * noise, like a FlowCam crop. Opaque so a PNG round trip keeps the exact pixel values.
 */
export function syntheticRgba(width: number, height: number, seed: number): Uint8ClampedArray<ArrayBuffer> {
  const rand = mulberry32(seed);
  const out = new Uint8ClampedArray(width * height * 4);
  const cx = width * (0.4 + 0.2 * rand());
  const cy = height * (0.4 + 0.2 * rand());
  const rx = width * (0.2 + 0.15 * rand());
  const ry = height * (0.2 + 0.15 * rand());
  const tint = [rand() * 60, rand() * 60, rand() * 60];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const e = ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2;
      const inside = e < 1;
      const texture = inside ? 40 * Math.sin(x * 0.31 + y * 0.17 + seed) : 0;
      const i = (y * width + x) * 4;
      for (let c = 0; c < 3; c++) {
        const base = inside ? 90 + tint[c] + texture : 225 - tint[c] / 4;
        out[i + c] = base + (rand() - 0.5) * 16;
      }
      out[i + 3] = 255;
    }
  }
  return out;
}

/** CHW float32 in [0, 1] (the models' "unit" normalisation) of an RGBA image. */
export function rgbaToChwUnit(rgba: Uint8ClampedArray, width: number, height: number, out?: Float32Array, offset = 0): Float32Array {
  const plane = width * height;
  const chw = out ?? new Float32Array(3 * plane);
  for (let p = 0; p < plane; p++) {
    chw[offset + p] = rgba[p * 4] / 255;
    chw[offset + plane + p] = rgba[p * 4 + 1] / 255;
    chw[offset + 2 * plane + p] = rgba[p * 4 + 2] / 255;
  }
  return chw;
}

/**
 * k-means data: n x d float32, row-major, drawn around `centres` Gaussian-ish centres with
 * heavy overlap (so Lloyd keeps moving for the fixed number of iterations rather than freezing
 * after a few). Seeded: Node writes it for scikit-learn, the page generates the same values.
 */
export function kmeansData(n: number, d: number, seed = 0x6b6d, centres = 16): Float32Array {
  const rand = mulberry32(seed);
  const means = new Float32Array(centres * d);
  for (let i = 0; i < means.length; i++) means[i] = rand() * 2 - 1;
  const out = new Float32Array(n * d);
  for (let r = 0; r < n; r++) {
    const c = Math.floor(rand() * centres);
    for (let j = 0; j < d; j++) {
      // Sum of three uniforms: bell-shaped, cheap, deterministic.
      const noise = rand() + rand() + rand() - 1.5;
      out[r * d + j] = means[c * d + j] * 0.5 + noise;
    }
  }
  return out;
}

/**
 * One FlowCam-like crop: a light grey flow-cell background with uneven illumination and a
 * slight vignette, the particle with a margin around it, optical blur, then sensor noise.
 */
import type { SampleClass } from './classes.ts';
import { createNoise } from './noise.ts';
import { PARTICLE_MAKERS } from './particles.ts';
import type { Rng } from './prng.ts';
import { Raster } from './raster.ts';

/** Crop size limits: FlowCam crops of plankton are mostly ~60-200 px. */
export const CROP_LIMITS = Object.freeze({ min: 60, max: 220 });

/** An 8-bit RGB crop. */
export interface SampleImage {
  width: number;
  height: number;
  /** Interleaved RGB bytes. */
  rgb: Uint8Array;
}

/** Draw one crop of `cls`. All randomness comes from `rng`. */
export function renderSample(cls: SampleClass, rng: Rng): SampleImage {
  const plan = PARTICLE_MAKERS[cls](rng);
  // Uneven margins, as the instrument's crop box is not centred on the particle.
  const margin = () => rng.range(5, 20);
  const [left, right, top, bottom] = [margin(), margin(), margin(), margin()];
  const width = clampSize(Math.ceil(2 * plan.halfWidth + left + right));
  const height = clampSize(Math.ceil(2 * plan.halfHeight + top + bottom));
  const cx = Math.min(Math.max(left + plan.halfWidth, width / 2 - 10), width / 2 + 10);
  const cy = Math.min(Math.max(top + plan.halfHeight, height / 2 - 10), height / 2 + 10);

  const raster = new Raster(width, height);
  paintBackground(raster, rng);
  plan.draw(raster, cx, cy);
  raster.blur(rng.chance(0.3) ? 2 : 1);
  addSensorNoise(raster, rng);
  return { width, height, rgb: raster.toRgb8() };
}

function clampSize(n: number): number {
  return Math.max(CROP_LIMITS.min, Math.min(CROP_LIMITS.max, n));
}

/** Light grey, slightly tinted; a smooth illumination gradient; darker corners. */
function paintBackground(raster: Raster, rng: Rng): void {
  const base = rng.range(0.76, 0.86);
  const tint = [base + rng.range(-0.005, 0.02), base + rng.range(0, 0.015), base + rng.range(-0.025, 0)];
  const light = createNoise(rng, 70, 2);
  const vignette = rng.range(0.02, 0.07);
  const { width: w, height: h, data } = raster;
  const cx = w / 2 + rng.range(-w, w) * 0.3;
  const cy = h / 2 + rng.range(-h, h) * 0.3;
  const far = Math.hypot(w, h) / 2;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const r = Math.hypot(x - cx, y - cy) / far;
      const f = (1 + 0.025 * light.sample(x, y)) * (1 - vignette * r * r);
      const i = (y * w + x) * 3;
      data[i] = tint[0] * f;
      data[i + 1] = tint[1] * f;
      data[i + 2] = tint[2] * f;
    }
  }
}

/** Mostly luminance noise with a little chroma noise, like a colour camera at low gain. */
function addSensorNoise(raster: Raster, rng: Rng): void {
  const sigma = rng.range(0.006, 0.016);
  const d = raster.data;
  for (let i = 0; i < d.length; i += 3) {
    const n = rng.normal() * sigma;
    d[i] += n + rng.normal() * sigma * 0.3;
    d[i + 1] += n + rng.normal() * sigma * 0.3;
    d[i + 2] += n + rng.normal() * sigma * 0.3;
  }
}

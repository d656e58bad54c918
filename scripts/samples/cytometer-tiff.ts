/**
 * The 16-bit greyscale sample: what an imaging flow cytometer writes (a dark-edged cell on a
 * bright, slightly noisy field, values in the instrument's ~600..1020 range, far below the
 * 16-bit maximum). The reference preprocessing divides by the image's own max, which this
 * sample exercises: read as plain 0..65535 it would look black.
 */
import { createNoise } from './noise.ts';
import type { Rng } from './prng.ts';

/** Size of the cytometer sample. */
export const CYTOMETER_SIZE = 248;

/** Value range of the sample (the field is near the top, the particle's rim near the bottom). */
export const CYTOMETER_RANGE = Object.freeze({ min: 600, max: 1020 });

/** A 248x248 16-bit greyscale particle image. */
export function renderCytometerImage(rng: Rng): { width: number; height: number; data: Uint16Array } {
  const size = CYTOMETER_SIZE;
  const data = new Uint16Array(size * size);
  const cx = size / 2 + rng.range(-12, 12);
  const cy = size / 2 + rng.range(-12, 12);
  const rx = rng.range(48, 62);
  const ry = rx * rng.range(0.72, 0.9);
  const angle = rng.range(0, Math.PI);
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const texture = createNoise(rng, 6, 3);
  const field = createNoise(rng, 90, 2);
  const { min, max } = CYTOMETER_RANGE;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const dx = x + 0.5 - cx;
      const dy = y + 0.5 - cy;
      const u = (dx * cos + dy * sin) / rx;
      const v = (-dx * sin + dy * cos) / ry;
      const r = Math.sqrt(u * u + v * v);
      let value = 985 + 12 * field.sample(x, y);
      if (r < 1.06) {
        // Rim absorbs most (thickest path), interior is textured and mid-grey.
        const rim = Math.exp(-(((r - 0.95) / 0.07) ** 2));
        const interior = r < 0.95 ? 760 + 60 * texture.sample(x, y) + 90 * r * r : value;
        value = interior * (1 - rim) + 630 * rim;
      }
      value += rng.normal() * 5;
      data[y * size + x] = Math.round(Math.min(max, Math.max(min, value)));
    }
  }
  return { width: size, height: size, data };
}

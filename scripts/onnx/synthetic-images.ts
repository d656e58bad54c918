/**
 * Seeded synthetic "plankton-like" test images: a noisy background with a few soft-edged
 * elliptical bodies. Only integer PRNG output, +, -, *, / and Math.sqrt are used (no trig), so
 * every JS engine produces the same pixels.
 */
import { SeededUniform } from './seeded-init.ts';

export interface RgbImage {
  width: number;
  height: number;
  /** Interleaved 8-bit RGB, row-major. */
  rgb: Uint8Array;
}

export interface SyntheticImageSpec {
  width: number;
  height: number;
  seed: number;
  /** Background colour (0..255 per channel). */
  background: readonly [number, number, number];
  /** Number of elliptical bodies. */
  bodies: number;
  /** Copy one channel to all three (looks greyscale, stays 3-channel RGB). */
  grey?: boolean;
  /** Amplitude of uniform per-pixel noise, in 0..255 units. */
  noise: number;
}

interface Body {
  cx: number;
  cy: number;
  /** Unit direction of the major axis. */
  ux: number;
  uy: number;
  major: number;
  minor: number;
  colour: [number, number, number];
}

function clampByte(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
}

/** Renders one image; the same spec always gives the same bytes. */
export function makeSyntheticImage(spec: SyntheticImageSpec): RgbImage {
  const r = new SeededUniform(spec.seed);
  const { width, height } = spec;
  const bodies: Body[] = [];
  for (let i = 0; i < spec.bodies; i++) {
    // A direction from a random vector normalised with sqrt: a rotation without cos/sin.
    let dx = r.unit() * 2 - 1;
    let dy = r.unit() * 2 - 1;
    const len = Math.sqrt(dx * dx + dy * dy) || 1;
    dx /= len;
    dy /= len;
    const size = Math.min(width, height);
    bodies.push({
      cx: width * (0.2 + 0.6 * r.unit()),
      cy: height * (0.2 + 0.6 * r.unit()),
      ux: dx,
      uy: dy,
      major: size * (0.15 + 0.3 * r.unit()),
      minor: size * (0.06 + 0.12 * r.unit()),
      colour: [255 * r.unit(), 255 * r.unit(), 255 * r.unit()],
    });
  }
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let c = [spec.background[0], spec.background[1], spec.background[2]];
      for (const b of bodies) {
        const px = x + 0.5 - b.cx;
        const py = y + 0.5 - b.cy;
        const along = (px * b.ux + py * b.uy) / b.major;
        const across = (-px * b.uy + py * b.ux) / b.minor;
        const d = along * along + across * across;
        // Soft edge: full colour inside d < 0.7, blending out to d = 1.
        const w = d < 0.7 ? 1 : d < 1 ? (1 - d) / 0.3 : 0;
        if (w > 0) c = c.map((v, k) => v * (1 - w) + b.colour[k] * w);
      }
      const o = (y * width + x) * 3;
      for (let k = 0; k < 3; k++) rgb[o + k] = clampByte(c[k] + (r.unit() * 2 - 1) * spec.noise);
      if (spec.grey) rgb[o + 1] = rgb[o + 2] = rgb[o];
    }
  }
  return { width, height, rgb };
}

/** CHW float32 in 0..1 (value / 255), batch of one: what the reference's `ToTensor()` gives. */
export function toChwUnit(img: RgbImage): Float32Array {
  const { width, height, rgb } = img;
  const plane = width * height;
  const out = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    for (let k = 0; k < 3; k++) out[k * plane + i] = rgb[i * 3 + k] / 255;
  }
  return out;
}

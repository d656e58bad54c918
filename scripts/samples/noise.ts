/**
 * Seeded 2-D value noise with octaves: cheap texture for detritus, cell interiors and the
 * uneven illumination of a flow cell.
 */
import type { Rng } from './prng.ts';

/** A noise field: `sample(x, y)` returns roughly -1..1, smooth over `scale` pixels. */
export interface NoiseField {
  sample(x: number, y: number): number;
}

const GRID = 64;

/**
 * Fractal value noise: `octaves` layers, each twice the frequency and `gain` times the
 * amplitude of the one before, normalised back to about -1..1.
 */
export function createNoise(rng: Rng, scale: number, octaves = 3, gain = 0.5): NoiseField {
  const lattice = new Float32Array(GRID * GRID);
  for (let i = 0; i < lattice.length; i++) lattice[i] = rng.next() * 2 - 1;
  const ox = rng.range(0, GRID);
  const oy = rng.range(0, GRID);
  let norm = 0;
  for (let o = 0, amp = 1; o < octaves; o++, amp *= gain) norm += amp;
  const at = (ix: number, iy: number) => lattice[(((iy % GRID) + GRID) % GRID) * GRID + (((ix % GRID) + GRID) % GRID)];
  const smooth = (t: number) => t * t * (3 - 2 * t);
  const layer = (x: number, y: number): number => {
    const x0 = Math.floor(x);
    const y0 = Math.floor(y);
    const tx = smooth(x - x0);
    const ty = smooth(y - y0);
    const top = at(x0, y0) + (at(x0 + 1, y0) - at(x0, y0)) * tx;
    const bottom = at(x0, y0 + 1) + (at(x0 + 1, y0 + 1) - at(x0, y0 + 1)) * tx;
    return top + (bottom - top) * ty;
  };
  return {
    sample(x, y) {
      let sum = 0;
      let freq = 1 / scale;
      let amp = 1;
      for (let o = 0; o < octaves; o++) {
        sum += amp * layer(x * freq + ox + o * 17.3, y * freq + oy + o * 31.7);
        freq *= 2;
        amp *= gain;
      }
      return sum / norm;
    },
  };
}

import { describe, expect, it } from 'vitest';
import { normalise, dot } from './knn-head.ts';
import { createRng } from './rng.ts';
import { fitProbe, fitTemperature, probeProbabilities } from './probe-head.ts';

/** m unit vectors in d dims around L class centres, with noise `spread`. */
function blobs(seed: number, L: number, perClass: number, d: number, spread: number): { units: Float32Array[]; y: number[] } {
  const rng = createRng(seed);
  const centres = Array.from({ length: L }, () => Float32Array.from({ length: d }, () => rng.normal()));
  const units: Float32Array[] = [];
  const y: number[] = [];
  for (let l = 0; l < L; l++) {
    for (let i = 0; i < perClass; i++) {
      units.push(normalise(Float32Array.from(centres[l], (c) => c + spread * rng.normal())));
      y.push(l);
    }
  }
  return { units, y };
}

function similarity(units: Float32Array[]): Float32Array {
  const n = units.length;
  const s = new Float32Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) s[i * n + j] = dot(units[i], units[j]);
  return s;
}

describe('probe head', () => {
  it('separates well-separated classes, cross-validated, and predicts held-out points', () => {
    const { units, y } = blobs(1, 4, 12, 32, 0.5);
    const test = blobs(1, 4, 12, 32, 0.5); // same centres (same seed), fresh noise below
    const fresh = blobs(99, 4, 1, 32, 0); // different centres: only used to check shapes
    const rows = units.map((_, i) => i);
    const fit = fitProbe(units, rows, y, 4, similarity(units), units.length);
    expect(fit.accuracy).toBeGreaterThan(0.95);
    expect(fit.probe.weights.length).toBe(4 * 32);
    let right = 0;
    test.units.forEach((u, i) => {
      const p = probeProbabilities(fit.probe, u);
      expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 10);
      if (p.indexOf(Math.max(...p)) === test.y[i]) right++;
    });
    expect(right / test.units.length).toBeGreaterThan(0.95);
    expect(probeProbabilities(fit.probe, fresh.units[0]).length).toBe(4);
  });

  it('is deterministic', () => {
    const { units, y } = blobs(3, 3, 6, 16, 1);
    const rows = units.map((_, i) => i);
    const a = fitProbe(units, rows, y, 3, similarity(units), units.length);
    const b = fitProbe(units, rows, y, 3, similarity(units), units.length);
    expect(Array.from(a.probe.weights)).toEqual(Array.from(b.probe.weights));
    expect(a.temperature).toBe(b.temperature);
  });

  it('temperature: > 1 for over-confident logits, < 1 for under-confident ones', () => {
    // Right 60 % of the time with logit margin 10 (over-confident) ...
    const over = Array.from({ length: 100 }, (_, i) => Float64Array.of(i % 5 < 3 ? 10 : 0, i % 5 < 3 ? 0 : 10));
    const y = over.map(() => 0);
    expect(fitTemperature(over, y)).toBeGreaterThan(3);
    // ... and always right with margin 0.1 (under-confident).
    const under = Array.from({ length: 100 }, () => Float64Array.of(0.1, 0));
    expect(fitTemperature(under, y)).toBeLessThan(0.2);
  });
});

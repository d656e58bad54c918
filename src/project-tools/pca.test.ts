import { describe, expect, it } from 'vitest';
import { createRng } from '../cluster/rng.ts';
import { GridIndex } from './grid-index.ts';
import { fitPca2, projectPca2 } from './pca.ts';
import { drawPoints, toScreen } from './scatter-draw.ts';

/** n points in d dims with variance 9 along axis 2, 4 along axis 0, 0.01 elsewhere. */
function cloud(n: number, d: number): Float32Array {
  const rng = createRng(1);
  const data = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) data[i * d + j] = 0.1 * rng.normal() + 5;
    data[i * d + 2] += 3 * rng.normal();
    data[i * d] += 2 * rng.normal();
  }
  return data;
}

describe('PCA (power iteration)', () => {
  it('finds the two directions of largest variance, in order, orthonormal', () => {
    const d = 16;
    const pca = fitPca2(cloud(2000, d), 2000, d);
    const c0 = pca.components.subarray(0, d);
    const c1 = pca.components.subarray(d, 2 * d);
    expect(Math.abs(c0[2])).toBeGreaterThan(0.99);
    expect(Math.abs(c1[0])).toBeGreaterThan(0.99);
    const dot = c0.reduce((s, v, j) => s + v * c1[j], 0);
    expect(Math.abs(dot)).toBeLessThan(1e-5);
    expect(pca.variances[0]).toBeGreaterThan(8);
    expect(pca.variances[0]).toBeLessThan(10);
    expect(pca.variances[1]).toBeGreaterThan(3.5);
    expect(pca.variances[1]).toBeLessThan(4.5);
    expect(Math.abs(pca.mean[5] - 5)).toBeLessThan(0.05);
  });

  it('estimates on a sample of rows and projects every row (centred)', () => {
    const d = 8;
    const n = 3000;
    const data = cloud(n, d);
    const pca = fitPca2(data, n, d, { maxRows: 300 });
    const xy = projectPca2(pca, data, n, d);
    expect(xy).toHaveLength(2 * n);
    let mx = 0;
    for (let i = 0; i < n; i++) mx += xy[2 * i];
    expect(Math.abs(mx / n)).toBeLessThan(0.2);
    expect(Math.abs(pca.components[2])).toBeGreaterThan(0.98);
  });

  it('is deterministic and copes with degenerate data', () => {
    const d = 4;
    const flat = new Float32Array(10 * d).fill(1);
    const pca = fitPca2(flat, 10, d);
    expect(Array.from(projectPca2(pca, flat, 10, d)).every((v) => v === 0)).toBe(true);
    const data = cloud(200, d);
    expect(fitPca2(data, 200, d).components).toEqual(fitPca2(data, 200, d).components);
  });
});

describe('map drawing and hit-testing', () => {
  it('maps data into the canvas, draws every point, finds the point under the mouse', () => {
    const xy = Float32Array.of(0, 0, 10, 10, 5, 5, 10, 0);
    const screen = toScreen(xy, 100, 100, 10);
    expect([screen[0], screen[1]]).toEqual([10, 90]);
    expect([screen[2], screen[3]]).toEqual([90, 10]);
    const image = { width: 100, height: 100, data: new Uint8ClampedArray(100 * 100 * 4) } as ImageData;
    expect(drawPoints(image, screen, Uint32Array.of(0xff0000, 0x00ff00, 0x0000ff, 0x123456))).toBe(4);
    const p = (90 * 100 + 10) * 4;
    expect(Array.from(image.data.subarray(p, p + 4))).toEqual([255, 0, 0, 255]);
    expect(image.data[0]).toBe(255);
    const grid = new GridIndex(screen, 100, 100, 8);
    expect(grid.nearest(51, 49)).toBe(2);
    expect(grid.nearest(89, 89, 6)).toBe(3);
    expect(grid.nearest(30, 30, 6)).toBe(-1);
  });
});

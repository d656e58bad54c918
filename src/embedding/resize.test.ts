import { describe, expect, it } from 'vitest';
import { decodeTiff } from './decode-tiff.ts';
import { fitWithin, resizeBilinear } from './resize.ts';
import { expected, loadTestImage } from './test-images/load.ts';

/** rgb-raw.tif (40x30) as planar 0..1 floats, the input of PIL's reference resizes. */
async function planarRgb(): Promise<{ data: Float32Array; width: number; height: number }> {
  const p = await decodeTiff(loadTestImage('rgb-raw.tif'));
  const n = p.width * p.height;
  const data = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) data[c * n + i] = p.data[i * 3 + c] / 255;
  return { data, width: p.width, height: p.height };
}

describe('resizeBilinear matches PIL BILINEAR (mode F)', () => {
  it.each(Object.entries(expected.resize))('%s', async (_name, e) => {
    const src = await planarRgb();
    const box = e.box ? { x0: e.box[0], y0: e.box[1], x1: e.box[2], y1: e.box[3] } : undefined;
    const out = resizeBilinear(src.data, src.width, src.height, 3, e.width, e.height, box);
    expect(out.length).toBe(3 * e.width * e.height);
    let total = 0;
    for (const v of out) total += v;
    expect(total).toBeCloseTo(e.sum, 3);
    for (const s of e.samples) {
      expect(out[s.c * e.width * e.height + s.y * e.width + s.x]).toBeCloseTo(s.v, 5);
    }
  });
});

describe('resizeBilinear', () => {
  it('same size returns an equal copy', () => {
    const src = Float32Array.from({ length: 12 }, (_, i) => i);
    const out = resizeBilinear(src, 2, 2, 3, 2, 2);
    expect(out).toEqual(src);
    expect(out).not.toBe(src);
  });

  it('keeps a constant image constant at any size', () => {
    const src = new Float32Array(3 * 7 * 5).fill(0.25);
    for (const [w, h] of [[1, 1], [3, 2], [14, 10], [100, 3]]) {
      for (const v of resizeBilinear(src, 7, 5, 3, w, h)) expect(v).toBeCloseTo(0.25, 6);
    }
  });

  it('downscaling by 2 averages 2x2 blocks (antialiased, not point-sampled)', () => {
    // Checkerboard 8x8 → 2x2: 4-tap bilinear would give 0.5 only by luck of alignment (and
    // 0 or 1 at other phases); the widened triangle filter gives ~0.5 everywhere.
    const src = Float32Array.from({ length: 64 }, (_, i) => ((i % 8) + Math.floor(i / 8)) % 2);
    for (const v of resizeBilinear(src, 8, 8, 1, 2, 2)) expect(Math.abs(v - 0.5)).toBeLessThan(0.05);
    const phase = Float32Array.from({ length: 64 }, (_, i) => ((i % 8) + Math.floor(i / 8) + 1) % 2);
    for (const v of resizeBilinear(phase, 8, 8, 1, 3, 3)) expect(Math.abs(v - 0.5)).toBeLessThan(0.1);
  });

  it('rejects bad sizes', () => {
    expect(() => resizeBilinear(new Float32Array(4), 2, 2, 1, 0, 2)).toThrow(RangeError);
    expect(() => resizeBilinear(new Float32Array(3), 2, 2, 1, 1, 1)).toThrow(RangeError);
  });
});

describe('fitWithin', () => {
  it('never upscales', () => expect(fitWithin(100, 50, 1024)).toEqual({ width: 100, height: 50 }));
  it('caps the longest side, keeping aspect', () => {
    expect(fitWithin(2048, 1000, 1024)).toEqual({ width: 1024, height: 500 });
    expect(fitWithin(1000, 3000, 1024)).toEqual({ width: 341, height: 1024 });
    expect(fitWithin(5000, 5000, 1024)).toEqual({ width: 1024, height: 1024 });
    expect(fitWithin(10000, 3, 1024)).toEqual({ width: 1024, height: 1 });
  });
});

import { describe, expect, it } from 'vitest';
import type { PreprocessSpec } from './manifest-types.ts';
import { decodeTiff } from './decode-tiff.ts';
import type { Pixels } from './pixels.ts';
import { IMAGENET_MEAN, IMAGENET_STD, NATIVE_MAX_SIDE, outputSize, preprocess, toUnitRgb } from './preprocess.ts';
import { expected, loadTestImage } from './test-images/load.ts';

const unitNative: PreprocessSpec = { resize: 'native', normalise: 'unit', highBitDepth: 'max' };

function rgb8(width: number, height: number, fill: (x: number, y: number) => [number, number, number]): Pixels {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data.set(fill(x, y), (y * width + x) * 3);
  }
  return { width, height, channels: 3, bitDepth: 8, data };
}

describe('preprocess: layout and unit scaling', () => {
  it('native keeps the size and gives CHW 0..1 (ToTensor())', () => {
    const p = rgb8(3, 2, (x, y) => [x * 100, y * 200, 255]);
    const t = preprocess(p, unitNative);
    expect([t.width, t.height, t.data.length]).toEqual([3, 2, 18]);
    // Plane R, then G, then B; row-major inside each plane.
    expect(Array.from(t.data.subarray(0, 6))).toEqual([0, 100, 200, 0, 100, 200].map((v) => Math.fround(v / 255)));
    expect(Array.from(t.data.subarray(6, 12))).toEqual([0, 0, 0, 200, 200, 200].map((v) => Math.fround(v / 255)));
    expect(Array.from(t.data.subarray(12))).toEqual([1, 1, 1, 1, 1, 1]);
  });

  it('greyscale is copied to 3 identical channels', () => {
    const p: Pixels = { width: 2, height: 1, channels: 1, bitDepth: 8, data: Uint8Array.of(51, 255) };
    const t = preprocess(p, unitNative);
    expect(Array.from(t.data)).toEqual([0.2, 1, 0.2, 1, 0.2, 1].map(Math.fround));
  });

  it('RGBA is composited over white: c·a + 255·(1 - a)', () => {
    const data = Uint8ClampedArray.of(
      10, 20, 30, 255, // opaque: unchanged
      10, 20, 30, 0, // transparent: white
      0, 100, 200, 128, // half: blend
    );
    const t = preprocess({ width: 3, height: 1, channels: 4, bitDepth: 8, data }, unitNative);
    const a = 128 / 255;
    const blend = (c: number): number => (c * a + 255 * (1 - a)) / 255;
    const r = Array.from(t.data.subarray(0, 3));
    const g = Array.from(t.data.subarray(3, 6));
    const b = Array.from(t.data.subarray(6, 9));
    expect(r[0]).toBeCloseTo(10 / 255, 6);
    expect([r[1], g[1], b[1]]).toEqual([1, 1, 1]);
    expect(r[2]).toBeCloseTo(blend(0), 6);
    expect(g[2]).toBeCloseTo(blend(100), 6);
    expect(b[2]).toBeCloseTo(blend(200), 6);
  });

  it('RGBA TIFF: transparent half is white, opaque half keeps its colour', async () => {
    const p = await decodeTiff(loadTestImage('rgba-lzw.tif'));
    const t = preprocess(p, unitNative);
    const n = p.width * p.height;
    for (let c = 0; c < 3; c++) {
      expect(t.data[c * n + 19]).toBe(1); // x=19: alpha 0
      expect(t.data[c * n + 0]).toBeCloseTo(p.data[c] / 255, 6); // x=0: alpha 255
    }
  });
});

describe('preprocess: 16-bit "max"', () => {
  it('divides by the image maximum, like the reference (grey16-raw: max 1020 → 1)', async () => {
    const p = await decodeTiff(loadTestImage('grey16-raw.tif'));
    const e = expected['grey16-raw.tif'] as { sum: number; max: number };
    const t = preprocess(p, unitNative);
    expect([t.width, t.height]).toEqual([64, 64]);
    let max = 0;
    let min = Infinity;
    let total = 0;
    for (const v of t.data) {
      max = Math.max(max, v);
      min = Math.min(min, v);
      total += v;
    }
    expect(max).toBe(1);
    expect(min).toBeCloseTo(600 / 1020, 6);
    // 3 identical channels, each sum(v) / max.
    expect(total).toBeCloseTo((3 * e.sum) / e.max, 2);
    const n = 64 * 64;
    expect(t.data.subarray(0, n)).toEqual(t.data.subarray(n, 2 * n));
  });

  it('an all-zero 16-bit image gives zeros, not NaN', () => {
    const p: Pixels = { width: 4, height: 4, channels: 1, bitDepth: 16, data: new Uint16Array(16) };
    const t = preprocess(p, { ...unitNative, normalise: 'imagenet' });
    expect(t.data.every((v) => Number.isFinite(v))).toBe(true);
    expect(t.data[0]).toBeCloseTo(-IMAGENET_MEAN[0] / IMAGENET_STD[0], 6);
    expect(Array.from(toUnitRgb(p, 'max'))).toEqual(new Array(48).fill(0));
  });

  it('16-bit RGBA: colour by the max, alpha by 65535', () => {
    const data = Uint16Array.of(500, 1000, 250, 65535, 1000, 1000, 1000, 0);
    const t = preprocess({ width: 2, height: 1, channels: 4, bitDepth: 16, data }, unitNative);
    expect([t.data[0], t.data[2], t.data[4]]).toEqual([0.5, 1, 0.25]);
    expect([t.data[1], t.data[3], t.data[5]]).toEqual([1, 1, 1]); // transparent → white
  });

  it('8-bit images are scaled by 255 even when their max is lower', () => {
    const t = preprocess(rgb8(1, 1, () => [51, 51, 51]), unitNative);
    expect(t.data[0]).toBeCloseTo(0.2, 6);
  });
});

describe('preprocess: normalise', () => {
  it('imagenet: (x - mean) / std per channel', () => {
    const t = preprocess(rgb8(1, 1, () => [255, 0, 128]), { ...unitNative, normalise: 'imagenet' });
    expect(t.data[0]).toBeCloseTo((1 - 0.485) / 0.229, 5);
    expect(t.data[1]).toBeCloseTo((0 - 0.456) / 0.224, 5);
    expect(t.data[2]).toBeCloseTo((128 / 255 - 0.406) / 0.225, 5);
  });

  it('rejects unknown modes, listing the valid ones', () => {
    const p = rgb8(1, 1, () => [0, 0, 0]);
    expect(() => preprocess(p, { ...unitNative, normalise: 'zscore' as never })).toThrow(/valid: "unit", "imagenet"/);
    expect(() => preprocess(p, { ...unitNative, highBitDepth: 'clip' as never, resize: 'native' })).not.toThrow(); // 8-bit: unused
    expect(() =>
      preprocess({ width: 1, height: 1, channels: 1, bitDepth: 16, data: Uint16Array.of(1) }, {
        ...unitNative,
        highBitDepth: 'clip' as never,
      }),
    ).toThrow(/valid: "max"/);
    expect(() => preprocess(p, { ...unitNative, resize: { size: 224, fit: 'letterbox' } as never })).toThrow(/valid: "native"/);
    expect(() => preprocess(p, { ...unitNative, resize: { size: 0, fit: 'crop' } })).toThrow(/positive integer/);
  });
});

describe('preprocess: resize modes', () => {
  const rgbRaw = async (): Promise<Pixels> => decodeTiff(loadTestImage('rgb-raw.tif'));
  const sumOf = (a: Float32Array): number => a.reduce((s, v) => s + v, 0);

  it('stretch: both sides to size, matching PIL', async () => {
    const e = expected.resize['stretch-16'];
    const t = preprocess(await rgbRaw(), { ...unitNative, resize: { size: 16, fit: 'stretch' } });
    expect([t.width, t.height]).toEqual([16, 16]);
    expect(sumOf(t.data)).toBeCloseTo(e.sum, 3);
  });

  it('crop: short side to size, centre crop (one resample of the centred square), matching PIL', async () => {
    const e = expected.resize['crop-24'];
    const t = preprocess(await rgbRaw(), { ...unitNative, resize: { size: 24, fit: 'crop' } });
    expect([t.width, t.height]).toEqual([24, 24]);
    expect(sumOf(t.data)).toBeCloseTo(e.sum, 3);
    for (const s of e.samples) expect(t.data[s.c * 576 + s.y * 24 + s.x]).toBeCloseTo(s.v, 5);
  });

  it('crop of a tall image keeps the vertical centre', () => {
    // 2 wide x 6 tall, rows 0..5 valued by row; crop to 2 keeps rows 2..3.
    const p = rgb8(2, 6, (_x, y) => [y * 40, 0, 0]);
    const t = preprocess(p, { ...unitNative, resize: { size: 2, fit: 'crop' } });
    expect(Array.from(t.data.subarray(0, 4)).map((v) => Math.round(v * 255))).toEqual([80, 80, 120, 120]);
  });

  it(`native caps the longest side at NATIVE_MAX_SIDE (${NATIVE_MAX_SIDE}), keeping aspect`, () => {
    expect(NATIVE_MAX_SIDE).toBe(1024);
    expect(outputSize(3000, 1500, 'native')).toEqual({ width: 1024, height: 512 });
    expect(outputSize(1024, 1024, 'native')).toEqual({ width: 1024, height: 1024 });
    expect(outputSize(100, 37, 'native')).toEqual({ width: 100, height: 37 });
    const p = rgb8(2050, 10, () => [255, 255, 255]);
    const t = preprocess(p, unitNative);
    expect([t.width, t.height]).toEqual([1024, 5]);
    expect(t.data.every((v) => Math.abs(v - 1) < 1e-6)).toBe(true);
  });

  it('fixed sizes ignore the native cap', () => {
    expect(outputSize(3000, 1500, { size: 224, fit: 'crop' })).toEqual({ width: 224, height: 224 });
  });
});

describe('preprocess: pad to a square on white', () => {
  it('centres a wide image on white rows (aspect kept), then resizes the square', () => {
    // 4 x 2 black image: padded to 4 x 4 with one white row above and below.
    const black = rgb8(4, 2, () => [0, 0, 0]);
    const t = preprocess(black, { ...unitNative, resize: { size: 4, fit: 'pad' } });
    expect([t.width, t.height]).toEqual([4, 4]);
    for (let c = 0; c < 3; c++) {
      const plane = Array.from(t.data.subarray(c * 16, (c + 1) * 16));
      expect(plane).toEqual([1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1]);
    }
    // A tall image at size 8: left and right margins white, the middle columns dark.
    const tall = preprocess(rgb8(2, 4, () => [0, 0, 0]), { ...unitNative, resize: { size: 8, fit: 'pad' } });
    expect([tall.width, tall.height]).toEqual([8, 8]);
    expect(tall.data[0]).toBeCloseTo(1, 6); // top-left corner: white margin
    expect(tall.data[4 * 8 + 4]).toBeLessThan(0.5); // centre: the image
    // Already square: the same as stretch.
    const sq = rgb8(3, 3, (x, y) => [x * 50, y * 50, 100]);
    expect(Array.from(preprocess(sq, { ...unitNative, resize: { size: 6, fit: 'pad' } }).data)).toEqual(
      Array.from(preprocess(sq, { ...unitNative, resize: { size: 6, fit: 'stretch' } }).data),
    );
  });
});

describe('preprocess: pad with the image border colour (background "border")', () => {
  it('fills the margin with the per-channel median of the outermost pixels, colour kept', () => {
    // 6 x 2 FlowCam-like crop: grey-green ground (120, 130, 110) with a dark particle touching
    // the top edge at two pixels; the median ignores the particle.
    const crop = rgb8(6, 2, (x, y) => (y === 0 && (x === 2 || x === 3) ? [10, 20, 30] : [120, 130, 110]));
    const t = preprocess(crop, { ...unitNative, resize: { size: 6, fit: 'pad', background: 'border' } });
    expect([t.width, t.height]).toEqual([6, 6]);
    const at = (c: number, x: number, y: number): number => t.data[c * 36 + y * 6 + x];
    // Top margin rows (y 0, 1) and bottom (y 4, 5): the ground colour, per channel.
    for (const y of [0, 1, 4, 5]) {
      expect([at(0, 0, y), at(1, 0, y), at(2, 0, y)]).toEqual([120, 130, 110].map((v) => Math.fround(v / 255)));
    }
    // The particle is still there, dark, in the middle band.
    expect(at(0, 2, 2)).toBeCloseTo(10 / 255, 6);
    // White stays the default for entries that do not ask for "border".
    const white = preprocess(crop, { ...unitNative, resize: { size: 6, fit: 'pad' } });
    expect(white.data[0]).toBe(1);
  });

  it('a black dark-field ground pads black; 16-bit greyscale pads with its own (max-scaled) ground', () => {
    const dark = rgb8(2, 4, (x, y) => (y === 1 ? [200, 200, 200] : [0, 0, 0]));
    const t = preprocess(dark, { ...unitNative, resize: { size: 4, fit: 'pad', background: 'border' } });
    expect(t.data[0]).toBe(0); // top-left margin: black, not white
    const grey16: Pixels = { width: 3, height: 1, channels: 1, bitDepth: 16, data: Uint16Array.of(1000, 4000, 1000) };
    const g = preprocess(grey16, { ...unitNative, resize: { size: 3, fit: 'pad', background: 'border' } });
    // 3 x 1 → 3 x 3; the ring is the whole row (1000, 4000, 1000): median 1000 / max 4000.
    expect(g.data[0]).toBeCloseTo(0.25, 6);
  });
});

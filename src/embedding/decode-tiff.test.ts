import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { writeArrayBuffer } from 'geotiff';
import { describe, expect, it } from 'vitest';
import { decodeTiff } from './decode-tiff.ts';
import { ImageError } from './image-errors.ts';
import type { Pixels } from './pixels.ts';
import { expected, expectedTiff, loadTestImage } from './test-images/load.ts';

function sum(p: Pixels): number {
  let s = 0;
  for (let i = 0; i < p.data.length; i++) s += p.data[i];
  return s;
}

function at(p: Pixels, x: number, y: number): number[] {
  const i = (y * p.width + x) * p.channels;
  return Array.from(p.data.subarray(i, i + p.channels));
}

async function expectImageError(promise: Promise<unknown>, code: string, message?: RegExp): Promise<ImageError> {
  try {
    await promise;
  } catch (e) {
    expect(e).toBeInstanceOf(ImageError);
    expect((e as ImageError).code).toBe(code);
    if (message) expect((e as ImageError).message).toMatch(message);
    return e as ImageError;
  }
  throw new Error(`expected an ImageError ${code}`);
}

describe('decodeTiff: generated files, checked against PIL/libtiff', () => {
  it.each([
    ['rgb-lzw-predictor.tif', 5, 2],
    ['rgb-lzw.tif', 5, 1],
    ['rgb-deflate.tif', 8, 1],
    ['rgb-packbits.tif', 32773, 1],
    ['rgb-raw.tif', 1, 1],
    ['rgba-lzw.tif', 5, 1],
    ['grey-deflate.tif', 8, 1],
    ['grey16-raw.tif', 1, 1],
  ])('%s (compression %i, predictor %i)', async (name, compression, predictor) => {
    const e = expectedTiff(name);
    // The fixture really has the compression and predictor the test claims.
    expect([e.compression, e.predictor]).toEqual([compression, predictor]);
    const p = await decodeTiff(loadTestImage(name));
    expect({ width: p.width, height: p.height, channels: p.channels }).toEqual({
      width: e.width,
      height: e.height,
      channels: e.channels,
    });
    expect(p.bitDepth).toBe(e.mode === 'I;16' ? 16 : 8);
    expect(p.data).toBeInstanceOf(p.bitDepth === 16 ? Uint16Array : Uint8Array);
    expect(sum(p)).toBe(e.sum);
    for (const s of e.samples) expect(at(p, s.x, s.y)).toEqual(s.v);
  });

  it('all RGB compressions decode to identical pixels', async () => {
    const ref = await decodeTiff(loadTestImage('rgb-raw.tif'));
    for (const name of ['rgb-lzw-predictor.tif', 'rgb-lzw.tif', 'rgb-deflate.tif', 'rgb-packbits.tif']) {
      expect((await decodeTiff(loadTestImage(name))).data).toEqual(ref.data);
    }
  });

  it('16-bit greyscale keeps its 600..1020 values', async () => {
    const p = await decodeTiff(loadTestImage('grey16-raw.tif'));
    let min = Infinity;
    let max = 0;
    for (const v of p.data) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    expect([min, max]).toEqual([600, 1020]);
  });

  it('RGBA keeps straight alpha (ExtraSamples = 2)', async () => {
    const p = await decodeTiff(loadTestImage('rgba-lzw.tif'));
    expect(at(p, 0, 0)[3]).toBe(255);
    expect(at(p, 8, 0)[3]).toBe(128);
    expect(at(p, 19, 15)[3]).toBe(0);
  });

  it('big-endian ("MM") 16-bit decodes to the same values as little-endian', async () => {
    const be = await decodeTiff(loadTestImage('grey16-be.tif'));
    const le = await decodeTiff(loadTestImage('grey16-raw.tif'));
    expect(be.bitDepth).toBe(16);
    expect(be.data).toEqual(le.data);
  });

  it('palette (PackBits) expands to RGB as PIL does', async () => {
    const e = expected['palette.tif'] as { rgbSum: number; rgbSamples: { x: number; y: number; v: number[] }[] };
    const p = await decodeTiff(loadTestImage('palette.tif'));
    expect([p.channels, p.bitDepth]).toEqual([3, 8]);
    expect(sum(p)).toBe(e.rgbSum);
    for (const s of e.rgbSamples) expect(at(p, s.x, s.y)).toEqual(s.v);
  });

  it('multi-page: decodes the first page only', async () => {
    const e = expectedTiff('multipage.tif');
    const p = await decodeTiff(loadTestImage('multipage.tif'));
    expect([p.width, p.height]).toEqual([12, 10]);
    expect(sum(p)).toBe(e.sum);
  });
});

describe('decodeTiff: bad input', () => {
  it('a valid LZW TIFF cut in half → truncated', async () => {
    const err = await expectImageError(decodeTiff(loadTestImage('truncated-lzw.tif')), 'truncated', /cut short/);
    expect(err.message).toMatch(/Re-upload/);
  });

  it('an LZW TIFF cut inside its pixel data (directory intact) → truncated', async () => {
    // The same file, truncated at every 10% step: never garbage, always a typed error.
    const full = new Uint8Array(loadTestImage('rgb-lzw-predictor.tif'));
    for (let f = 0.1; f < 1; f += 0.1) {
      const cut = full.slice(0, Math.floor(full.length * f)).buffer;
      await expectImageError(decodeTiff(cut), 'truncated');
    }
  });

  it('strip table pointing past the end → truncated, naming the sizes', async () => {
    await expectImageError(decodeTiff(loadTestImage('strips-missing.tif')), 'truncated', /needs 24\d+ bytes/);
  });

  it('0 x 0 TIFF → zero-size', async () => {
    await expectImageError(decodeTiff(loadTestImage('zero-size.tif')), 'zero-size', /0 x 0/);
  });

  it('empty file → zero-size', async () => {
    await expectImageError(decodeTiff(new ArrayBuffer(0)), 'zero-size', /empty/);
  });

  it('10,000 x 10,000 → too-large from the directory alone, without allocating', async () => {
    const before = process.memoryUsage().arrayBuffers;
    const err = await expectImageError(decodeTiff(loadTestImage('huge-10000.tif')), 'too-large', /10000 x 10000/);
    expect(err.message).toMatch(/limit is 50 megapixels/);
    // A decode would have allocated 300 MB for the raster.
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(50e6);
  });

  it('a smaller budget is honoured', async () => {
    await expectImageError(decodeTiff(loadTestImage('rgb-raw.tif'), { maxPixels: 100 }), 'too-large');
  });

  it('1-bit bilevel → unsupported', async () => {
    await expectImageError(decodeTiff(loadTestImage('bilevel.tif')), 'unsupported', /1 bits per sample/);
  });

  it('32-bit float samples → unsupported, listing what is supported', async () => {
    // A tiny 1-sample float TIFF (geotiff's writer takes the sample format from the array).
    const err = await expectImageError(decodeTiff(writeArrayBuffer(Float32Array.from([0.5, 1.5]), { width: 2, height: 1 })), 'unsupported', /32 bits per sample/);
    expect(err.message).toMatch(/LZW/);
  });
});

// Real FlowCam crops (8-bit RGB, LZW + horizontal predictor; test_0 uncompressed; exiftest with
// EXIF). Present only in the development checkout: skip, not fail, elsewhere.
const FLOWCAM_DIR = fileURLToPath(new URL('../../../shared/fixtures/flowcam/', import.meta.url));

/** name, width, height, sum of all RGB samples, centre pixel RGB: from Debian's PIL 9.4, once. */
const FLOWCAM_PIL: [string, number, number, number, number, number, number][] = [
  ['exiftest.tif', 36, 89, 1990845, 224, 224, 224],
  ['test_0.tif', 24, 28, 492513, 195, 195, 195],
  ['testymctestface_127.tif', 69, 90, 3876378, 19, 19, 19],
  ['testymctestface_1388.tif', 138, 149, 13556760, 18, 18, 18],
  ['testymctestface_1830.tif', 81, 81, 2413491, 103, 103, 103],
  ['testymctestface_188.tif', 45, 69, 2010957, 138, 138, 138],
  ['testymctestface_1887.tif', 25, 260, 4199436, 255, 255, 255],
  ['testymctestface_1892.tif', 105, 141, 11257731, 255, 255, 255],
  ['testymctestface_1909.tif', 47, 180, 6295647, 255, 255, 255],
  ['testymctestface_1914.tif', 49, 371, 12800358, 246, 246, 246],
  ['testymctestface_1919.tif', 113, 283, 22544205, 254, 254, 254],
  ['testymctestface_1924.tif', 62, 180, 8112411, 255, 255, 255],
  ['testymctestface_1953.tif', 64, 81, 1976631, 166, 166, 166],
  ['testymctestface_1965.tif', 29, 592, 4143549, 21, 21, 21],
  ['testymctestface_2012.tif', 21, 295, 309918, 14, 14, 14],
  ['testymctestface_2102.tif', 61, 93, 1684434, 255, 255, 255],
  ['testymctestface_2110.tif', 68, 158, 2116059, 14, 14, 14],
  ['testymctestface_2117.tif', 64, 100, 1839513, 255, 255, 255],
  ['testymctestface_2172.tif', 118, 233, 20952306, 255, 255, 255],
  ['testymctestface_36.tif', 79, 80, 2491143, 65, 65, 65],
  ['testymctestface_3612.tif', 162, 271, 32069607, 243, 243, 243],
  ['testymctestface_4715.tif', 72, 79, 3273318, 19, 19, 19],
];

describe.skipIf(!existsSync(FLOWCAM_DIR))('decodeTiff: real FlowCam crops (shared fixtures)', () => {
  it('the table covers every fixture file', () => {
    const files = readdirSync(FLOWCAM_DIR).filter((f) => f.endsWith('.tif')).sort();
    expect(files).toEqual(FLOWCAM_PIL.map((r) => r[0]).sort());
  });

  it.each(FLOWCAM_PIL)('%s: %ix%i, sum and centre pixel as PIL', async (name, w, h, total, r, g, b) => {
    const bytes = readFileSync(FLOWCAM_DIR + name);
    const p = await decodeTiff(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    expect([p.width, p.height, p.channels, p.bitDepth]).toEqual([w, h, 3, 8]);
    expect(sum(p)).toBe(total);
    expect(at(p, Math.floor(w / 2), Math.floor(h / 2))).toEqual([r, g, b]);
  });
});

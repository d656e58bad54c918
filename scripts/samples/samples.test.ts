import { createHash } from 'node:crypto';
import { inflateSync } from 'node:zlib';
import { fromArrayBuffer } from 'geotiff';
import { describe, expect, it } from 'vitest';
import { EXPECTED_LABELS, SAMPLE_CLASSES } from './classes.ts';
import { CYTOMETER_FILE, generateSamples, TASKS_FILE } from './generate-samples.ts';
import { crc32, encodePng, PNG_SIGNATURE } from './png-encode.ts';
import { CROP_LIMITS } from './render-sample.ts';
import { encodeTiff } from './tiff-encode.ts';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Decode what encodePng writes (8-bit, one IDAT) back to raw pixels: the reverse of its filters. */
function decodePng(png: Uint8Array): { width: number; height: number; colorType: number; data: Uint8Array } {
  const dv = new DataView(png.buffer, png.byteOffset, png.byteLength);
  let offset = 8;
  let width = 0, height = 0, colorType = 0;
  const idat: Uint8Array[] = [];
  while (offset < png.length) {
    const length = dv.getUint32(offset);
    const type = String.fromCharCode(...png.subarray(offset + 4, offset + 8));
    const body = png.subarray(offset + 8, offset + 8 + length);
    expect(dv.getUint32(offset + 8 + length)).toBe(crc32(png.subarray(offset + 4, offset + 8 + length)));
    if (type === 'IHDR') {
      width = dv.getUint32(offset + 8);
      height = dv.getUint32(offset + 12);
      colorType = body[9];
    }
    if (type === 'IDAT') idat.push(body);
    offset += 12 + length;
  }
  const bpp = ({ 0: 1, 2: 3, 6: 4 } as Record<number, number>)[colorType];
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * bpp;
  const data = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    for (let i = 0; i < stride; i++) {
      const x = raw[y * (stride + 1) + 1 + i];
      const a = i >= bpp ? data[y * stride + i - bpp] : 0;
      const b = y > 0 ? data[(y - 1) * stride + i] : 0;
      const c = y > 0 && i >= bpp ? data[(y - 1) * stride + i - bpp] : 0;
      const p = a + b - c;
      const pred = [0, a, b, (a + b) >> 1, Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a : Math.abs(p - b) <= Math.abs(p - c) ? b : c][filter];
      data[y * stride + i] = (x + pred) & 0xff;
    }
  }
  return { width, height, colorType, data };
}

describe('generateSamples', () => {
  const first = generateSamples({ seed: 7, count: 2 });

  it('is deterministic for a seed and differs across seeds', () => {
    const again = generateSamples({ seed: 7, count: 2 });
    expect(again.files.map((f) => [f.name, sha(f.bytes)])).toEqual(first.files.map((f) => [f.name, sha(f.bytes)]));
    const other = generateSamples({ seed: 8, count: 2 });
    expect(sha(other.files[0].bytes)).not.toBe(sha(first.files[0].bytes));
  });

  it('keeps image k of a class the same whatever --count is', () => {
    const more = generateSamples({ seed: 7, count: 3 });
    const byName = new Map(more.files.map((f) => [f.name, sha(f.bytes)]));
    expect(byName.get('colony-02.png')).toBe(sha(first.files.find((f) => f.name === 'colony-02.png')!.bytes));
  });

  it('writes valid RGB PNGs of FlowCam-like crop sizes', () => {
    const pngs = first.files.filter((f) => f.name.endsWith('.png'));
    expect(pngs).toHaveLength(SAMPLE_CLASSES.length * 2);
    for (const file of pngs) {
      expect(Array.from(file.bytes.subarray(0, 8))).toEqual(PNG_SIGNATURE);
      expect(String.fromCharCode(...file.bytes.subarray(12, 16))).toBe('IHDR');
      const image = decodePng(file.bytes);
      expect(image.colorType).toBe(2);
      for (const side of [image.width, image.height]) {
        expect(side).toBeGreaterThanOrEqual(CROP_LIMITS.min);
        expect(side).toBeLessThanOrEqual(CROP_LIMITS.max);
      }
      expect(image.data.length).toBe(image.width * image.height * 3);
    }
  });

  it('lists every PNG once in tasks.json, classes interleaved, with expected labels', () => {
    const tasksFile = first.files.find((f) => f.name === TASKS_FILE)!;
    const tasks = JSON.parse(new TextDecoder().decode(tasksFile.bytes));
    expect(tasks).toEqual(first.tasks);
    expect(tasks.map((t: { id: number }) => t.id)).toEqual(tasks.map((_: unknown, i: number) => i + 1));
    const pngNames = first.files.filter((f) => f.name.endsWith('.png')).map((f) => `samples/${f.name}`).sort();
    expect(tasks.map((t: { data: { image: string } }) => t.data.image).sort()).toEqual(pngNames);
    for (const task of first.tasks) {
      expect(Object.keys(task.data)).toEqual(['image']);
      expect(task.data.image.startsWith(`samples/${task.meta.class}-`)).toBe(true);
      expect(task.meta.expected).toEqual(EXPECTED_LABELS[task.meta.class]);
    }
    const firstSix = new Set(first.tasks.slice(0, 6).map((t) => t.meta.class));
    expect(firstSix.size).toBeGreaterThan(2);
  });

  it('writes a 16-bit greyscale TIFF that geotiff reads, values ~600..1020 with a particle', async () => {
    const tif = first.files.find((f) => f.name === CYTOMETER_FILE)!;
    const buffer = tif.bytes.buffer.slice(tif.bytes.byteOffset, tif.bytes.byteOffset + tif.bytes.byteLength) as ArrayBuffer;
    const image = await (await fromArrayBuffer(buffer)).getImage();
    expect([image.getWidth(), image.getHeight(), image.getSamplesPerPixel(), image.getBitsPerSample()]).toEqual([248, 248, 1, 16]);
    const [band] = (await image.readRasters()) as unknown as Uint16Array[];
    let min = Infinity, max = -Infinity;
    for (const v of band) { min = Math.min(min, v); max = Math.max(max, v); }
    expect(min).toBeGreaterThanOrEqual(600);
    expect(min).toBeLessThan(700);
    expect(max).toBeLessThanOrEqual(1020);
    expect(max).toBeGreaterThan(980);
  });
});

describe('encoders', () => {
  it('round-trips greyscale and RGBA PNGs through every filter', () => {
    const grey = Uint8Array.from({ length: 7 * 5 }, (_, i) => (i * 37) & 0xff);
    expect(decodePng(encodePng({ width: 7, height: 5, channels: 1, data: grey })).data).toEqual(grey);
    const rgba = Uint8Array.from({ length: 4 * 3 * 4 }, (_, i) => (i * i) & 0xff);
    expect(decodePng(encodePng({ width: 4, height: 3, channels: 4, data: rgba })).data).toEqual(rgba);
    expect(() => encodePng({ width: 2, height: 2, channels: 3, data: new Uint8Array(5) })).toThrow(/Expected 12 bytes/);
  });

  it('computes the standard CRC-32', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });

  it('writes multi-strip and 8-bit TIFFs geotiff reads back exactly', async () => {
    const data = Uint16Array.from({ length: 300 * 40 }, (_, i) => (i * 7) % 65536);
    const bytes = encodeTiff({ width: 300, height: 40, data });
    const image = await (await fromArrayBuffer(bytes.buffer as ArrayBuffer)).getImage();
    const [band] = (await image.readRasters()) as unknown as Uint16Array[];
    expect(Array.from(band)).toEqual(Array.from(data));
    const small = Uint8Array.from([0, 50, 100, 150, 200, 250]);
    const image8 = await (await fromArrayBuffer(encodeTiff({ width: 3, height: 2, data: small }).buffer as ArrayBuffer)).getImage();
    expect(image8.getBitsPerSample()).toBe(8);
    expect(Array.from(((await image8.readRasters()) as unknown as Uint8Array[])[0])).toEqual(Array.from(small));
  });
});

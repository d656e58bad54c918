import { createHash } from 'node:crypto';
import { decode } from 'fast-png';
import { fromArrayBuffer } from 'geotiff';
import { describe, expect, it } from 'vitest';
import { decodeTiff } from '../../src/embedding/decode-tiff.ts';
import { EXPECTED_LABELS, SAMPLE_CLASSES } from './classes.ts';
import { CYTOMETER_FILE, generateSamples, TASKS_FILE } from './generate-samples.ts';
import { CROP_LIMITS } from './render-sample.ts';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

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
      const image = decode(file.bytes);
      expect([image.channels, image.depth, image.palette]).toEqual([3, 8, undefined]);
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
    // The plugin's own decoder (browser and `npm run import`) sees the same 16-bit pixels.
    const pixels = await decodeTiff(buffer);
    expect([pixels.width, pixels.height, pixels.channels, pixels.bitDepth]).toEqual([248, 248, 1, 16]);
    expect(Buffer.from(pixels.data.buffer, pixels.data.byteOffset, pixels.data.byteLength).equals(Buffer.from(band.buffer, band.byteOffset, band.byteLength))).toBe(true);
  });
});

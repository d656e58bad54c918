import { describe, expect, it } from 'vitest';
import { readImageSize } from './image-header.ts';
import { ImageError } from './image-errors.ts';
import { sniffFormat } from './sniff-format.ts';
import { expected, loadTestImage } from './test-images/load.ts';

describe('readImageSize', () => {
  it.each(Object.entries(expected.browser))('%s: size from the header matches PIL', (name, e) => {
    const bytes = new Uint8Array(loadTestImage(name));
    const format = sniffFormat(bytes);
    if (format === null || format === 'tiff') throw new Error(`bad fixture ${name}`);
    expect(readImageSize(bytes, format)).toEqual({ width: e.width, height: e.height });
  });

  it('walks JPEG markers past a large APP1 segment', () => {
    const bytes = new Uint8Array(loadTestImage('tiny.jpg'));
    expect(bytes.length).toBeGreaterThan(2000);
    expect(readImageSize(bytes, 'jpeg')).toEqual({ width: 9, height: 6 });
  });

  it('reads a 10,000 x 10,000 PNG size from 24 bytes', () => {
    const b = new Uint8Array(24);
    b.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
    new DataView(b.buffer).setUint32(16, 10000);
    new DataView(b.buffer).setUint32(20, 10000);
    expect(readImageSize(b, 'png')).toEqual({ width: 10000, height: 10000 });
  });

  it('reads top-down BMP heights as positive', () => {
    const b = new Uint8Array(loadTestImage('tiny.bmp'));
    new DataView(b.buffer).setInt32(22, -3, true);
    expect(readImageSize(b, 'bmp')).toEqual({ width: 6, height: 3 });
  });

  it.each(['tiny-rgba.png', 'tiny.jpg', 'tiny.gif', 'tiny.bmp', 'tiny-lossy.webp'])(
    '%s cut inside its header → truncated',
    (name) => {
      const full = new Uint8Array(loadTestImage(name));
      const format = sniffFormat(full) as 'png' | 'jpeg' | 'gif' | 'bmp' | 'webp';
      // Each cut keeps the signature but ends before the size fields.
      const cut = full.subarray(0, { png: 20, jpeg: 200, gif: 8, bmp: 20, webp: 20 }[format]);
      expect(() => readImageSize(cut, format)).toThrow(expect.objectContaining({ code: 'truncated' }));
    },
  );

  it('a PNG whose first chunk is not IHDR → decode-failed', () => {
    const b = new Uint8Array(loadTestImage('tiny-rgba.png')).slice();
    b[12] = 0x58;
    try {
      readImageSize(b, 'png');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ImageError);
      expect((e as ImageError).code).toBe('decode-failed');
      expect((e as ImageError).message).toMatch(/IHDR/);
    }
  });
});

import { describe, expect, it } from 'vitest';
import { readPngRgb } from './png-reader.ts';
import { crc32, encodePngRgb } from './png-writer.ts';

describe('crc32', () => {
  it('matches the standard check value', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });
});

describe('encodePngRgb', () => {
  it('round-trips pixels exactly', () => {
    const rgb = Uint8Array.from({ length: 5 * 3 * 3 }, (_, i) => (i * 37) & 255);
    const back = readPngRgb(encodePngRgb(5, 3, rgb));
    expect(back.width).toBe(5);
    expect(back.height).toBe(3);
    expect(Array.from(back.rgb)).toEqual(Array.from(rgb));
  });

  it('refuses a buffer of the wrong size', () => {
    expect(() => encodePngRgb(2, 2, new Uint8Array(11))).toThrow(/expected 12 bytes/);
  });
});

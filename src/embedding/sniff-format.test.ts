import { describe, expect, it } from 'vitest';
import { sniffFormat } from './sniff-format.ts';
import { loadTestImage } from './test-images/load.ts';

const bytes = (...b: number[]): Uint8Array => new Uint8Array(b);
const text = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('sniffFormat', () => {
  it.each([
    ['tiny-rgba.png', 'png'],
    ['tiny.jpg', 'jpeg'],
    ['tiny.gif', 'gif'],
    ['tiny.bmp', 'bmp'],
    ['tiny-lossy.webp', 'webp'],
    ['tiny-lossless.webp', 'webp'],
    ['rgb-lzw-predictor.tif', 'tiff'],
    ['grey16-raw.tif', 'tiff'],
    ['truncated-lzw.tif', 'tiff'],
  ])('%s → %s', (name, format) => {
    expect(sniffFormat(new Uint8Array(loadTestImage(name)))).toBe(format);
  });

  it('recognises big-endian TIFF and both BigTIFF byte orders', () => {
    expect(sniffFormat(bytes(0x4d, 0x4d, 0x00, 0x2a, 0, 0, 0, 8))).toBe('tiff');
    expect(sniffFormat(bytes(0x49, 0x49, 0x2b, 0x00, 8, 0, 0, 0))).toBe('tiff');
    expect(sniffFormat(bytes(0x4d, 0x4d, 0x00, 0x2b, 0, 8, 0, 0))).toBe('tiff');
  });

  it('ignores names and MIME: only bytes count', () => {
    expect(sniffFormat(text('<!DOCTYPE html><html>'))).toBeNull();
    expect(sniffFormat(text('{"detail":"Authentication credentials were not provided."}'))).toBeNull();
    expect(sniffFormat(bytes())).toBeNull();
    expect(sniffFormat(bytes(0x89, 0x50, 0x4e))).toBeNull(); // PNG signature cut short
    expect(sniffFormat(text('RIFF\0\0\0\0WAVEfmt '))).toBeNull(); // RIFF but not WebP
    expect(sniffFormat(text('BMW is not a bitmap, really'))).toBeNull(); // "BM" without a DIB header
  });
});

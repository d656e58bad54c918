import { decode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { encodeDisplayPng, prepareImage } from './prepare-image.ts';
import { expected, loadTestImage } from '../embedding/test-images/load.ts';
import { sha256Hex } from '../store/sha256.ts';
import { encode } from 'fast-png';

const bytesOf = (name: string) => new Uint8Array(loadTestImage(name));

describe('prepareImage', () => {
  it('converts a 16-bit greyscale TIFF to an 8-bit PNG scaled by the image maximum, as the plugin', async () => {
    const p = await prepareImage(bytesOf('grey16-be.tif'), 'cells.tif');
    expect(p.converted).toBe(true);
    expect(p.displayName).toBe('cells.png');
    const png = decode(p.displayBytes);
    expect([png.width, png.height, png.depth, png.channels]).toEqual([64, 64, 8, 1]);
    // The maximum (1020) maps to 255: not the near-black a plain 16-to-8 shift would give.
    expect(Math.max(...png.data)).toBe(255);
    expect(p.displaySha256).toBe(await sha256Hex(p.displayBytes));
    expect(Array.from(p.pixels!.data)).toEqual(Array.from(png.data));
  });

  it('converts LZW, Deflate and PackBits RGB TIFFs to the same pixels', async () => {
    const results = await Promise.all(['rgb-lzw.tif', 'rgb-deflate.tif', 'rgb-packbits.tif', 'rgb-raw.tif'].map((f) => prepareImage(bytesOf(f), f)));
    const first = Array.from(results[0].pixels!.data);
    for (const r of results) {
      expect(r.pixels!.channels).toBe(3);
      expect(Array.from(r.pixels!.data)).toEqual(first);
    }
    expect((expected['rgb-lzw.tif'] as { width: number }).width).toBe(results[0].width);
  });

  it('composites an RGBA TIFF over white (what the model sees, and exact in a browser)', async () => {
    const p = await prepareImage(bytesOf('rgba-lzw.tif'), 'a.tif');
    expect(p.pixels!.channels).toBe(3);
    expect(decode(p.displayBytes).channels).toBe(3);
  });

  it('keeps an 8-bit RGB PNG byte for byte, and converts one with alpha', async () => {
    const rgb = encode({ width: 2, height: 1, data: new Uint8Array([10, 20, 30, 40, 50, 60]), channels: 3, depth: 8 });
    const kept = await prepareImage(rgb, 'x.png');
    expect(kept.converted).toBe(false);
    expect(kept.displayBytes).toBe(rgb);
    expect(Array.from(kept.pixels!.data)).toEqual([10, 20, 30, 40, 50, 60]);

    const rgba = encode({ width: 1, height: 1, data: new Uint8Array([0, 0, 0, 0]), channels: 4, depth: 8 });
    const converted = await prepareImage(rgba, 'y.png');
    expect(converted.converted).toBe(true);
    expect(Array.from(converted.pixels!.data)).toEqual([255, 255, 255]);
  });

  it('is deterministic: the same pixels give the same PNG bytes (the browser cache key)', async () => {
    const a = await prepareImage(bytesOf('grey16-raw.tif'), 'a.tif');
    const b = await prepareImage(bytesOf('grey16-raw.tif'), 'b.tif');
    expect(a.displaySha256).toBe(b.displaySha256);
    expect(encodeDisplayPng(a.pixels!)).toEqual(a.displayBytes);
  });

  it('refuses text and cut-short files with typed errors', async () => {
    await expect(prepareImage(new TextEncoder().encode('<html>login</html>'), 'x.tif')).rejects.toMatchObject({ code: 'not-an-image' });
    await expect(prepareImage(bytesOf('truncated-lzw.tif'), 't.tif')).rejects.toMatchObject({ code: 'truncated' });
    await expect(prepareImage(new Uint8Array(0), 'e.png')).rejects.toMatchObject({ code: 'zero-size' });
  });

  it('uploads JPEG as it is; decodes it (sharp, libjpeg-turbo) only when pixels are asked for', async () => {
    const p = await prepareImage(bytesOf('tiny.jpg'), 'tiny.jpg');
    expect(p.converted).toBe(false);
    expect(p.pixels).toBeUndefined();
    const withPixels = await prepareImage(bytesOf('tiny.jpg'), 'tiny.jpg', { browserFormatPixels: true });
    expect(withPixels.converted).toBe(false);
    expect(withPixels.displaySha256).toBe(p.displaySha256);
    expect(withPixels.pixels).toMatchObject({ width: p.width, height: p.height, bitDepth: 8 });
    expect(withPixels.pixels!.data.length).toBe(p.width * p.height * withPixels.pixels!.channels);
  });

  it('leaves a BMP to the browser with the reason, and refuses a 50-megapixel PNG from its header without inflating it', async () => {
    // 2x1 24-bit BMP.
    const bmp = new Uint8Array(62);
    const v = new DataView(bmp.buffer);
    bmp.set([0x42, 0x4d]); v.setUint32(2, 62, true); v.setUint32(10, 54, true); v.setUint32(14, 40, true);
    v.setInt32(18, 2, true); v.setInt32(22, 1, true); v.setUint16(26, 1, true); v.setUint16(28, 24, true);
    const b = await prepareImage(bmp, 'x.bmp', { browserFormatPixels: true });
    expect(b.pixels).toBeUndefined();
    expect(b.leftToBrowser).toMatch(/BMP/);
    // A PNG whose header says 10,000 x 10,000 and whose data is garbage: refused as too large, not as corrupt.
    const png = encode({ width: 1, height: 1, data: new Uint8Array([1, 2, 3]), channels: 3, depth: 8 });
    const huge = png.slice();
    new DataView(huge.buffer).setUint32(16, 10_000);
    new DataView(huge.buffer).setUint32(20, 10_000);
    await expect(prepareImage(huge, 'huge.png')).rejects.toMatchObject({ code: 'too-large' });
  });
});

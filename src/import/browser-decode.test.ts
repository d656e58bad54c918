/**
 * What `browser-decode.ts` leaves to the browser, and why (the parity with Chromium itself is
 * e2e/import-parity.spec.ts). Images are made here with sharp.
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { BrowserOnly, decodeLikeBrowser } from './browser-decode.ts';

const W = 6;
const H = 4;
const rgb = (): Buffer => Buffer.from(Array.from({ length: W * H * 3 }, (_, i) => (i * 37) % 256));

describe('decodeLikeBrowser', () => {
  it('applies EXIF orientation (as the browser draws it): orientation 6 turns 6 x 4 into 4 x 6', async () => {
    const jpeg = await sharp(rgb(), { raw: { width: W, height: H, channels: 3 } }).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    const out = await decodeLikeBrowser(new Uint8Array(jpeg), 'jpeg');
    expect(out).not.toBeInstanceOf(BrowserOnly);
    expect(out).toMatchObject({ width: H, height: W, channels: 3, bitDepth: 8 });
  });

  it('leaves CMYK JPEGs and partially transparent WebP to the browser, saying why', async () => {
    const cmyk = await sharp(rgb(), { raw: { width: W, height: H, channels: 3 } }).toColourspace('cmyk').jpeg().toBuffer();
    const c = await decodeLikeBrowser(new Uint8Array(cmyk), 'jpeg');
    expect(c).toBeInstanceOf(BrowserOnly);
    expect((c as BrowserOnly).reason).toMatch(/CMYK JPEG/);
    const rgba = Buffer.from(Array.from({ length: W * H * 4 }, (_, i) => (i % 4 === 3 ? 128 : 200)));
    const webp = await sharp(rgba, { raw: { width: W, height: H, channels: 4 } }).webp({ lossless: true }).toBuffer();
    const w = await decodeLikeBrowser(new Uint8Array(webp), 'webp');
    expect((w as BrowserOnly).reason).toMatch(/partial transparency/);
  });

  it('keeps a GIF with fully transparent pixels (the canvas stores those exactly)', async () => {
    const rgba = Buffer.from(Array.from({ length: W * H * 4 }, (_, i) => (i % 4 === 3 ? ((i >> 2) % 2 ? 255 : 0) : 90)));
    const gif = await sharp(rgba, { raw: { width: W, height: H, channels: 4 } }).gif().toBuffer();
    const g = await decodeLikeBrowser(new Uint8Array(gif), 'gif');
    expect(g).toMatchObject({ width: W, height: H, channels: 4 });
  });

  it('refuses from the header, before decoding, an image over the pixel budget', async () => {
    const jpeg = await sharp(rgb(), { raw: { width: W, height: H, channels: 3 } }).jpeg().toBuffer();
    await expect(decodeLikeBrowser(new Uint8Array(jpeg), 'jpeg', 10)).rejects.toMatchObject({ code: 'too-large' });
  });
});

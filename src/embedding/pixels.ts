/**
 * The decoders' common output: raw interleaved samples plus the facts preprocessing needs.
 * Decoders (TIFF, browser bitmap) produce it; `preprocess` consumes it. Keeping one plain
 * shape lets the pure preprocessing path run on any of them, in a worker or in Node.
 */
import { ImageError } from './image-errors.ts';

/** Samples per pixel: greyscale, RGB, RGBA (straight, i.e. not premultiplied, alpha). */
export type PixelChannels = 1 | 3 | 4;

/** Bits per sample. 16-bit data are scaled by the `highBitDepth` rule, 8-bit by 255. */
export type PixelBitDepth = 8 | 16;

/** Interleaved samples, row-major, `channels` per pixel; `Uint16Array` iff `bitDepth` is 16. */
export type PixelData = Uint8Array | Uint8ClampedArray | Uint16Array;

/** A decoded image. `data.length === width * height * channels`. */
export interface Pixels {
  width: number;
  height: number;
  channels: PixelChannels;
  bitDepth: PixelBitDepth;
  data: PixelData;
}

/**
 * Largest image we decode, in pixels (width x height): 50 megapixels. Checked from the header,
 * before any pixel data is decoded, so a 10,000 x 10,000 image costs nothing. At 50 MP an RGBA
 * bitmap is 200 MB, already a lot for a tab that also holds a model; plankton crops are ~0.01 MP
 * and FlowCam collages ~4 MP.
 */
export const MAX_DECODE_PIXELS = 50_000_000;

/**
 * Refuses sizes we must not decode: 0 (or missing) width/height → `zero-size`; more than
 * `maxPixels` → `too-large`. `what` names the image in the message (e.g. "TIFF").
 */
export function checkDimensions(
  width: number,
  height: number,
  what: string,
  maxPixels: number = MAX_DECODE_PIXELS,
): void {
  if (!(width > 0) || !(height > 0) || !Number.isFinite(width) || !Number.isFinite(height)) {
    throw new ImageError(
      'zero-size',
      `The ${what} image is ${width} x ${height} pixels: it has no pixels to embed. Re-export the image.`,
    );
  }
  if (width * height > maxPixels) {
    const mp = (width * height) / 1e6;
    throw new ImageError(
      'too-large',
      `The ${what} image is ${width} x ${height} pixels (${mp.toFixed(1)} megapixels); the limit is ` +
        `${maxPixels / 1e6} megapixels. Use single-particle crops, not whole frames or collages, or downscale the image.`,
    );
  }
}

/** Checks the invariant `data.length === width * height * channels` (a decoder bug otherwise). */
export function assertPixels(p: Pixels): void {
  const expected = p.width * p.height * p.channels;
  if (p.data.length !== expected) {
    throw new ImageError(
      'decode-failed',
      `The decoder returned ${p.data.length} samples for a ${p.width} x ${p.height} image with ` +
        `${p.channels} channel(s) (expected ${expected}). The file is probably corrupt.`,
    );
  }
  if ((p.bitDepth === 16) !== (p.data instanceof Uint16Array)) {
    throw new ImageError('decode-failed', `The decoder returned ${p.bitDepth}-bit pixels in the wrong array type.`);
  }
}

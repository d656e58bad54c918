/**
 * PNG / JPEG / GIF / WebP / BMP → Pixels with the browser's own decoders: `createImageBitmap`
 * then an `OffscreenCanvas` 2D context's `getImageData`. No DOM, so it works in a Web Worker
 * (Chromium already decodes off the main thread; in our worker nothing blocks the page).
 *
 * Choices:
 * - `colorSpaceConversion: 'none'`: raw sample values, ignoring embedded ICC/gamma, as PIL
 *   (the reference's loader) does;
 * - `premultiplyAlpha: 'none'`; the canvas still stores premultiplied colour, so RGB of nearly
 *   transparent pixels loses precision; harmless, since preprocessing composites over white;
 * - EXIF orientation is applied (the default `imageOrientation`), as Label Studio displays it;
 * - downscale during decode when `maxSide` is exceeded: the full-size bitmap is resized with
 *   `createImageBitmap(bitmap, {resizeWidth, resizeHeight, resizeQuality: 'high'})` before the
 *   only CPU-side copy (`getImageData`) is made, so a large photo never costs a full-size RGBA
 *   array. The resize runs after orientation, so the sizes are those of the displayed image.
 */
import { ImageError, describeCause } from './image-errors.ts';
import type { Pixels } from './pixels.ts';
import { fitWithin } from './resize.ts';

/** Result of `decodeBitmap`: 8-bit RGBA pixels plus the size before any decode-time downscale. */
export interface BitmapDecodeResult {
  pixels: Pixels;
  sourceWidth: number;
  sourceHeight: number;
}

/** True where `decodeBitmap` can run (browsers and their workers; not Node). */
export function canDecodeBitmap(): boolean {
  return typeof createImageBitmap === 'function' && typeof OffscreenCanvas === 'function';
}

/**
 * Decodes `blob` with the browser. `format` only names the image in messages. `maxSide`
 * (optional) caps the longest side during decode (see the module comment).
 */
export async function decodeBitmap(blob: Blob, format: string, maxSide?: number): Promise<BitmapDecodeResult> {
  const name = format.toUpperCase();
  if (!canDecodeBitmap()) {
    throw new ImageError(
      'unsupported',
      `Decoding ${name} needs createImageBitmap and OffscreenCanvas (a browser page or Web Worker); ` +
        'this environment has neither. Only TIFF decodes everywhere.',
    );
  }
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(blob, { premultiplyAlpha: 'none', colorSpaceConversion: 'none' });
  } catch (e) {
    throw new ImageError(
      'decode-failed',
      `The browser could not decode this ${name} image (${describeCause(e)}). The file is corrupt or cut short; re-upload it.`,
      { cause: e },
    );
  }
  const sourceWidth = bitmap.width;
  const sourceHeight = bitmap.height;
  try {
    if (maxSide !== undefined && Math.max(sourceWidth, sourceHeight) > maxSide) {
      const size = fitWithin(sourceWidth, sourceHeight, maxSide);
      const small = await createImageBitmap(bitmap, {
        resizeWidth: size.width,
        resizeHeight: size.height,
        resizeQuality: 'high',
        premultiplyAlpha: 'none',
      });
      bitmap.close();
      bitmap = small;
    }
    const { width, height } = bitmap;
    const canvas = new OffscreenCanvas(width, height);
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    if (!ctx) throw new Error('no 2D context on OffscreenCanvas');
    ctx.drawImage(bitmap, 0, 0);
    const data = ctx.getImageData(0, 0, width, height).data;
    return { pixels: { width, height, channels: 4, bitDepth: 8, data }, sourceWidth, sourceHeight };
  } catch (e) {
    if (e instanceof ImageError) throw e;
    throw new ImageError('decode-failed', `Reading the decoded ${name} pixels failed: ${describeCause(e)}.`, {
      cause: e,
    });
  } finally {
    bitmap.close();
  }
}

/**
 * Bytes → Pixels, whatever the format: sniff the magic bytes, enforce the pixel budget from the
 * header, then decode TIFF with geotiff (pure JS, works in Node too) and everything else with
 * the browser (`decode-bitmap.ts`).
 */
import { decodeBitmap } from './decode-bitmap.ts';
import { decodeTiff } from './decode-tiff.ts';
import { readImageSize } from './image-header.ts';
import { ImageError } from './image-errors.ts';
import { MAX_DECODE_PIXELS, checkDimensions, type Pixels } from './pixels.ts';
import { IMAGE_FORMATS, SNIFF_BYTES, sniffFormat, type ImageFormat } from './sniff-format.ts';

/** Options of `decodeImage`. */
export interface DecodeImageOptions {
  /**
   * Browser formats only: downscale during decode so the longest side is at most this (see
   * `decode-bitmap.ts`). TIFF rasters are decoded at full size (within the pixel budget) and
   * left to preprocessing to scale. Default: no downscale.
   */
  maxSide?: number;
  /** Pixel budget, checked from the header before decoding. Default `MAX_DECODE_PIXELS` (50 MP). */
  maxPixels?: number;
}

/** Decoded pixels plus where they came from. */
export interface DecodedImage extends Pixels {
  format: ImageFormat;
  /** Size of the image as stored/displayed, before any decode-time downscale. */
  sourceWidth: number;
  sourceHeight: number;
}

function hexPreview(bytes: Uint8Array): string {
  return Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
}

function textPreview(bytes: Uint8Array): string | null {
  const head = bytes.subarray(0, 32);
  // Printable ASCII / whitespace only: probably an HTML error or login page, worth showing.
  if (head.length === 0 || !head.every((b) => (b >= 0x20 && b < 0x7f) || b === 9 || b === 10 || b === 13)) return null;
  return String.fromCharCode(...head).replace(/\s+/g, ' ').trim();
}

/** The `not-an-image` error for `bytes`, naming what was found. */
export function notAnImage(bytes: Uint8Array): ImageError {
  const text = textPreview(bytes);
  const found = text ? `text starting "${text}"` : `bytes ${hexPreview(bytes)}`;
  return new ImageError(
    'not-an-image',
    `The file is not an image we can read (found ${found}). Supported: ` +
      `${IMAGE_FORMATS.map((f) => f.toUpperCase()).join(', ')}. Check that the task's image URL points at ` +
      'the image itself (not an HTML or login page).',
  );
}

/**
 * Decodes `bytes` (an `ArrayBuffer` or a `Blob`, e.g. a fetch response's `blob()`). Throws
 * `ImageError` for every failure: `zero-size` (empty file or 0 x 0), `not-an-image`,
 * `too-large`, `truncated`, `unsupported`, `decode-failed`.
 */
export async function decodeImage(bytes: ArrayBuffer | Blob, options: DecodeImageOptions = {}): Promise<DecodedImage> {
  const maxPixels = options.maxPixels ?? MAX_DECODE_PIXELS;
  const size = bytes instanceof Blob ? bytes.size : bytes.byteLength;
  if (size === 0) throw new ImageError('zero-size', 'The image file is empty (0 bytes). Re-upload the image.');

  // Sniff from the first bytes; for a Blob read only those until we know the format.
  const head =
    bytes instanceof Blob
      ? new Uint8Array(await bytes.slice(0, Math.max(SNIFF_BYTES, 64 * 1024)).arrayBuffer())
      : new Uint8Array(bytes, 0, Math.min(bytes.byteLength, 64 * 1024));
  const format = sniffFormat(head);
  if (format === null) throw notAnImage(head);

  if (format === 'tiff') {
    const buffer = bytes instanceof Blob ? await bytes.arrayBuffer() : bytes;
    const pixels = await decodeTiff(buffer, { maxPixels });
    return { ...pixels, format, sourceWidth: pixels.width, sourceHeight: pixels.height };
  }

  // Header size first: the budget is enforced before the browser allocates a bitmap. JPEG
  // headers can hold large EXIF/ICC segments before the frame header: read the whole file then.
  let headerBytes = head;
  if (format === 'jpeg' && head.length < size) {
    headerBytes = bytes instanceof Blob ? new Uint8Array(await bytes.arrayBuffer()) : new Uint8Array(bytes);
  }
  const stored = readImageSize(headerBytes, format);
  checkDimensions(stored.width, stored.height, format.toUpperCase(), maxPixels);

  const blob = bytes instanceof Blob ? bytes : new Blob([bytes]);
  const { pixels, sourceWidth, sourceHeight } = await decodeBitmap(blob, format, options.maxSide);
  return { ...pixels, format, sourceWidth, sourceHeight };
}

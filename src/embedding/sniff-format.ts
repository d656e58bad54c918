/**
 * Image format from magic bytes. Label Studio serves images under odd names (upload hashes,
 * `/data/local-files/?d=…`, presigned S3 URLs) and often with a generic MIME type, so the
 * bytes are the only trustworthy source.
 */

/** Formats we decode: TIFF with geotiff, the rest with the browser (`createImageBitmap`). */
export type ImageFormat = 'png' | 'jpeg' | 'gif' | 'webp' | 'bmp' | 'tiff';

/** Every supported format, for messages that list them. */
export const IMAGE_FORMATS: readonly ImageFormat[] = Object.freeze(['png', 'jpeg', 'gif', 'webp', 'bmp', 'tiff']);

/** Bytes needed to recognise any supported format (WebP: "RIFF" size "WEBP"). */
export const SNIFF_BYTES = 12;

function startsWith(bytes: Uint8Array, sig: readonly number[], at = 0): boolean {
  if (bytes.length < at + sig.length) return false;
  for (let i = 0; i < sig.length; i++) if (bytes[at + i] !== sig[i]) return false;
  return true;
}

const ascii = (s: string): number[] => Array.from(s, (c) => c.charCodeAt(0));

/**
 * The format of `bytes` (only the first `SNIFF_BYTES` are read), or `null` when they match
 * none. TIFF covers classic and BigTIFF, both byte orders.
 */
export function sniffFormat(bytes: Uint8Array): ImageFormat | null {
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(bytes, ascii('GIF87a')) || startsWith(bytes, ascii('GIF89a'))) return 'gif';
  if (startsWith(bytes, ascii('RIFF')) && startsWith(bytes, ascii('WEBP'), 8)) return 'webp';
  // "BM" alone is weak (text files can start with it): also require the DIB header size to be
  // one of the known ones (12, 40, 52, 56, 64, 108, 124).
  if (startsWith(bytes, ascii('BM')) && bytes.length >= 18) {
    const dib = bytes[14] | (bytes[15] << 8) | (bytes[16] << 16) | (bytes[17] << 24);
    if ([12, 40, 52, 56, 64, 108, 124].includes(dib)) return 'bmp';
  }
  if (
    startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) || // II*\0  little-endian TIFF
    startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a]) || // MM\0*  big-endian TIFF
    startsWith(bytes, [0x49, 0x49, 0x2b, 0x00]) || // II+\0  little-endian BigTIFF
    startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2b]) //    MM\0+  big-endian BigTIFF
  ) {
    return 'tiff';
  }
  return null;
}

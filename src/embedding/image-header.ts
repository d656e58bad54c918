/**
 * Image dimensions read from the header of the browser-decoded formats (PNG, JPEG, GIF, WebP,
 * BMP), without decoding: the pixel budget is enforced before `createImageBitmap` allocates
 * anything. TIFF dimensions come from geotiff's directory parsing (see `decode-tiff.ts`).
 */
import { ImageError } from './image-errors.ts';
import type { ImageFormat } from './sniff-format.ts';

/** Width and height in pixels, as stored (before any EXIF orientation). */
export interface ImageSize {
  width: number;
  height: number;
}

function truncated(format: string): ImageError {
  return new ImageError(
    'truncated',
    `The ${format.toUpperCase()} file ends inside its header: it was cut short (an interrupted ` +
      'download or copy). Re-upload the image.',
  );
}

function malformed(format: string, what: string): ImageError {
  return new ImageError(
    'decode-failed',
    `The ${format.toUpperCase()} header is malformed (${what}). The file is corrupt; re-export the image.`,
  );
}

/**
 * Reads the stored size of a browser-decoded format. Throws `truncated` when the bytes end
 * before the size fields, `decode-failed` when the header is inconsistent.
 */
export function readImageSize(bytes: Uint8Array, format: Exclude<ImageFormat, 'tiff'>): ImageSize {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const need = (n: number): void => {
    if (bytes.length < n) throw truncated(format);
  };
  switch (format) {
    case 'png': {
      // 8-byte signature, then the first chunk must be IHDR: length(4) "IHDR" width(4) height(4), big-endian.
      need(24);
      if (view.getUint32(12) !== 0x49484452) throw malformed(format, 'first chunk is not IHDR');
      return { width: view.getUint32(16), height: view.getUint32(20) };
    }
    case 'gif':
      // Logical screen descriptor: what createImageBitmap returns for the first frame.
      need(10);
      return { width: view.getUint16(6, true), height: view.getUint16(8, true) };
    case 'bmp': {
      need(26);
      const dib = view.getUint32(14, true);
      if (dib === 12) return { width: view.getUint16(18, true), height: view.getUint16(20, true) };
      // Negative height means top-down rows; the size is its absolute value.
      return { width: Math.abs(view.getInt32(18, true)), height: Math.abs(view.getInt32(22, true)) };
    }
    case 'webp':
      return readWebpSize(bytes, view);
    case 'jpeg':
      return readJpegSize(bytes, view);
    default: {
      const never: never = format;
      throw new Error(`readImageSize: unhandled format ${String(never)}`);
    }
  }
}

function readWebpSize(bytes: Uint8Array, view: DataView): ImageSize {
  if (bytes.length < 30) throw truncated('webp');
  const chunk = String.fromCharCode(bytes[12], bytes[13], bytes[14], bytes[15]);
  switch (chunk) {
    case 'VP8 ': {
      // Lossy: frame tag (3 bytes) then start code 9d 01 2a, then 14-bit width and height.
      if (bytes[23] !== 0x9d || bytes[24] !== 0x01 || bytes[25] !== 0x2a) throw malformed('webp', 'bad VP8 start code');
      return { width: view.getUint16(26, true) & 0x3fff, height: view.getUint16(28, true) & 0x3fff };
    }
    case 'VP8L': {
      // Lossless: signature 0x2f, then width-1 (14 bits) and height-1 (14 bits), little-endian bit order.
      if (bytes[20] !== 0x2f) throw malformed('webp', 'bad VP8L signature');
      const bits = view.getUint32(21, true);
      return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
    }
    case 'VP8X': {
      // Extended: canvas width-1 and height-1 as 24-bit little-endian at 24 and 27.
      const w = bytes[24] | (bytes[25] << 8) | (bytes[26] << 16);
      const h = bytes[27] | (bytes[28] << 8) | (bytes[29] << 16);
      return { width: w + 1, height: h + 1 };
    }
    default:
      throw malformed('webp', `unknown first chunk "${chunk}"`);
  }
}

/** SOFn markers that carry the frame size (C0..CF except DHT C4, JPG C8, DAC CC). */
function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

function readJpegSize(bytes: Uint8Array, view: DataView): ImageSize {
  // Walk the marker segments from after SOI until a SOFn; EXIF/ICC segments come first and
  // can be large, so this is a walk, not a fixed offset.
  let pos = 2;
  for (;;) {
    if (pos + 1 >= bytes.length) throw truncated('jpeg');
    if (bytes[pos] !== 0xff) throw malformed('jpeg', `expected a marker at byte ${pos}`);
    let marker = bytes[pos + 1];
    // Any number of 0xFF fill bytes may precede a marker.
    while (marker === 0xff) {
      pos++;
      if (pos + 1 >= bytes.length) throw truncated('jpeg');
      marker = bytes[pos + 1];
    }
    pos += 2;
    // Standalone markers (no length): TEM, RSTn.
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) continue;
    if (marker === 0xd9 || marker === 0xda) throw malformed('jpeg', 'no frame header before the image data');
    if (pos + 2 > bytes.length) throw truncated('jpeg');
    const length = view.getUint16(pos);
    if (length < 2) throw malformed('jpeg', `segment length ${length}`);
    if (isStartOfFrame(marker)) {
      // Segment: length(2) precision(1) height(2) width(2).
      if (pos + 7 > bytes.length) throw truncated('jpeg');
      return { width: view.getUint16(pos + 5), height: view.getUint16(pos + 3) };
    }
    pos += length;
  }
}

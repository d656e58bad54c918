/**
 * One file → what Label Studio gets and what the model is fed: the display bytes (the file
 * itself when a browser shows it exactly; an 8-bit PNG otherwise), their SHA-256 (the browser's
 * embedding-cache key), the source file's SHA-256 (the import's duplicate check), and the 8-bit
 * pixels a browser will decode from the display bytes, for `--embed`.
 *
 * Decoding is the plugin's own: `decodeTiff` (geotiff, runs in Node) and `toDisplayPixels`
 * (its preprocessing step 1: 16-bit scaled by the image maximum, alpha over white). PNG is read
 * and written with fast-png (maintained, pure JS, 1-16 bit, palette and alpha).
 *
 * Kept as they are (byte for byte): 8-bit grey or RGB PNG without alpha, JPEG, GIF, WebP, BMP.
 * Converted to PNG: TIFF (Label Studio 1.12 refuses .tif uploads, browsers do not draw TIFF),
 * and PNGs that a canvas decodes inexactly (16-bit, palette, alpha), so the browser's embedding
 * of the displayed image equals the one computed here.
 */
import { inflateSync } from 'node:zlib';
import { decode as decodePng, encode as encodePng } from 'fast-png';
import { decodeTiff } from '../embedding/decode-tiff.ts';
import { toDisplayPixels, type DisplayPixels } from '../embedding/display-pixels.ts';
import { notAnImage } from '../embedding/decode-image.ts';
import { ImageError } from '../embedding/image-errors.ts';
import type { HighBitDepthMode } from '../embedding/manifest-types.ts';
import { readImageSize } from '../embedding/image-header.ts';
import { MAX_DECODE_PIXELS, checkDimensions, type Pixels } from '../embedding/pixels.ts';
import { BrowserOnly, decodeLikeBrowser } from './browser-decode.ts';
import { sniffFormat, type ImageFormat } from '../embedding/sniff-format.ts';
import { sha256Hex } from '../store/sha256.ts';

/** A file ready for Label Studio. */
export interface PreparedImage {
  /** Sniffed format of the source file. */
  format: ImageFormat;
  /** SHA-256 of the source file's bytes (duplicate check across runs). */
  sourceSha256: string;
  /** Bytes to upload: the source itself, or the PNG it was converted to. */
  displayBytes: Uint8Array;
  /** SHA-256 of `displayBytes`: the key under which the browser caches its embedding. */
  displaySha256: string;
  /** File name to upload under (the source name, with `.png` when converted). */
  displayName: string;
  converted: boolean;
  width: number;
  height: number;
  /** The pixels a browser decodes from `displayBytes`; absent when not asked for, or when Node cannot repeat the browser's decode (`leftToBrowser` says why). */
  pixels?: DisplayPixels;
  /** Why `pixels` is absent for an image the browser will have to embed itself. */
  leftToBrowser?: string;
}

/** Options of {@link prepareImage}. */
export interface PrepareOptions {
  highBitDepth?: HighBitDepthMode;
  /** Decode JPEG, GIF and WebP (as the browser does, `browser-decode.ts`) for `--embed`. Default false: they are uploaded byte for byte and need no pixels. */
  browserFormatPixels?: boolean;
  /** Pixel budget, checked from the header before decoding. Default `MAX_DECODE_PIXELS` (50 MP). */
  maxPixels?: number;
}


/** fast-png output → our Pixels (palette expanded; grey + alpha widened to RGBA). */
function pngToPixels(png: ReturnType<typeof decodePng>): Pixels {
  const { width, height, depth } = png;
  checkDimensions(width, height, 'PNG');
  if (png.palette) {
    const n = width * height;
    const hasAlpha = png.palette.some((c) => c.length === 4 && c[3] !== 255);
    const channels = hasAlpha ? 4 : 3;
    const out = new Uint8Array(n * channels);
    const bits = depth;
    const rowBytes = Math.ceil((width * bits) / 8);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const bit = x * bits;
        const byte = png.data[y * rowBytes + (bit >> 3)];
        const index = bits === 8 ? byte : (byte >> (8 - bits - (bit & 7))) & ((1 << bits) - 1);
        const colour = png.palette[index] ?? [0, 0, 0, 255];
        const o = (y * width + x) * channels;
        out[o] = colour[0];
        out[o + 1] = colour[1];
        out[o + 2] = colour[2];
        if (hasAlpha) out[o + 3] = colour[3] ?? 255;
      }
    }
    return { width, height, channels, bitDepth: 8, data: out };
  }
  if (depth !== 8 && depth !== 16) {
    // 1/2/4-bit greyscale: widen to 8 bits (scaled to full range, as browsers display it).
    const n = width * height;
    const out = new Uint8Array(n);
    const rowBytes = Math.ceil(width * depth / 8);
    const scale = 255 / ((1 << depth) - 1);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const bit = x * depth;
        const byte = png.data[y * rowBytes + (bit >> 3)];
        out[y * width + x] = Math.round(((byte >> (8 - depth - (bit & 7))) & ((1 << depth) - 1)) * scale);
      }
    }
    return { width, height, channels: 1, bitDepth: 8, data: out };
  }
  const bitDepth = depth;
  const data = png.data;
  if (png.channels === 2) {
    const n = width * height;
    const out = bitDepth === 16 ? new Uint16Array(n * 4) : new Uint8Array(n * 4);
    for (let i = 0; i < n; i++) {
      out[4 * i] = out[4 * i + 1] = out[4 * i + 2] = data[2 * i];
      out[4 * i + 3] = data[2 * i + 1];
    }
    return { width, height, channels: 4, bitDepth, data: out };
  }
  const channels = png.channels as 1 | 3 | 4;
  const typed = bitDepth === 16 ? Uint16Array.from(data) : data instanceof Uint8Array ? data : Uint8Array.from(data);
  return { width, height, channels, bitDepth, data: typed };
}

/** Encodes display pixels as a PNG (deterministic: same pixels, same bytes, same key). */
export function encodeDisplayPng(pixels: DisplayPixels): Uint8Array {
  return encodePng({ width: pixels.width, height: pixels.height, data: pixels.data, depth: 8, channels: pixels.channels });
}

/** Channels per PNG colour type (grey, -, RGB, palette, grey+alpha, -, RGBA). */
const PNG_CHANNELS: Readonly<Record<number, number>> = Object.freeze({ 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 });

/**
 * Refuses a PNG whose image data inflates to more than its header's size allows (a deflate bomb:
 * 1 MB of IDAT can inflate to 1 GB, which fast-png would hold whole). Inflates the IDAT chunks
 * with Node's zlib capped at that bound (`maxOutputLength`), before fast-png decodes anything.
 */
function checkPngData(bytes: Uint8Array, width: number, height: number): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const depth = bytes[24];
  const channels = PNG_CHANNELS[bytes[25]] ?? 4;
  // Rows plus a filter byte each; interlaced images have at most ~2x the rows (Adam7 passes).
  const bound = 2 * height * (2 + Math.ceil((width * channels * depth) / 8)) + 1024;
  const idat: Uint8Array[] = [];
  for (let pos = 8; pos + 8 <= bytes.length;) {
    const length = view.getUint32(pos);
    const type = String.fromCharCode(...bytes.subarray(pos + 4, pos + 8));
    if (type === 'IDAT') idat.push(bytes.subarray(pos + 8, Math.min(bytes.length, pos + 8 + length)));
    if (type === 'IEND') break;
    pos += 12 + length;
  }
  try {
    inflateSync(Buffer.concat(idat), { maxOutputLength: bound, finishFlush: 2 /* Z_SYNC_FLUSH: a cut-short stream is fast-png's to report */ });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new ImageError('too-large', `the PNG's image data inflates to more than the ${bound} bytes a ${width} x ${height} image needs (a decompression bomb or a corrupt file); re-export the image`);
    }
    // Other zlib errors: fast-png reports them with its own message.
  }
}

function withExtension(name: string, ext: string): string {
  const dot = name.lastIndexOf('.');
  return `${dot > 0 ? name.slice(0, dot) : name}${ext}`;
}

/**
 * Prepares one file (see the module comment). Throws `ImageError` for bytes that are not an
 * image or cannot be decoded; the caller reports them as skipped.
 */
export async function prepareImage(bytes: Uint8Array, fileName: string, options: PrepareOptions = {}): Promise<PreparedImage> {
  const highBitDepth = options.highBitDepth ?? 'max';
  const maxPixels = options.maxPixels ?? MAX_DECODE_PIXELS;
  if (bytes.length === 0) throw new ImageError('zero-size', 'the file is empty (0 bytes)');
  const format = sniffFormat(bytes.subarray(0, 64));
  if (format === null) throw notAnImage(bytes);
  const sourceSha256 = await sha256Hex(bytes);
  const keep = async (pixels?: DisplayPixels, width = 0, height = 0): Promise<PreparedImage> => ({
    format, sourceSha256, displayBytes: bytes, displaySha256: sourceSha256, displayName: fileName, converted: false,
    width: pixels?.width ?? width, height: pixels?.height ?? height, ...(pixels ? { pixels } : {}),
  });
  const convert = async (source: Pixels): Promise<PreparedImage> => {
    const pixels = toDisplayPixels(source, highBitDepth);
    const png = encodeDisplayPng(pixels);
    return {
      format, sourceSha256, displayBytes: png, displaySha256: await sha256Hex(png),
      displayName: withExtension(fileName, '.png'), converted: true, width: pixels.width, height: pixels.height, pixels,
    };
  };

  if (format === 'tiff') {
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    return convert(await decodeTiff(buffer, { maxPixels }));
  }
  if (format === 'png') {
    // Decide from the header before inflating anything (a 50-megapixel PNG is refused unread).
    const size = readImageSize(bytes, 'png');
    checkDimensions(size.width, size.height, 'PNG', maxPixels);
    checkPngData(bytes, size.width, size.height);
    let png: ReturnType<typeof decodePng>;
    try {
      png = decodePng(bytes);
    } catch (error) {
      throw new ImageError('decode-failed', `the PNG could not be decoded: ${(error as Error).message}`, { cause: error });
    }
    const pixels = pngToPixels(png);
    const exact = !png.palette && png.depth === 8 && (png.channels === 1 || png.channels === 3) && !png.transparency;
    if (exact) return keep(toDisplayPixels(pixels, highBitDepth));
    return convert(pixels);
  }
  // Browser formats: the header check always (a huge image is refused whatever the options),
  // the decode only for --embed.
  const size = readImageSize(bytes, format);
  checkDimensions(size.width, size.height, format.toUpperCase(), maxPixels);
  if (!options.browserFormatPixels) return keep(undefined, size.width, size.height);
  const decoded = await decodeLikeBrowser(bytes, format, maxPixels);
  if (decoded instanceof BrowserOnly) return { ...(await keep(undefined, size.width, size.height)), leftToBrowser: decoded.reason };
  return keep(toDisplayPixels(decoded, highBitDepth));
}

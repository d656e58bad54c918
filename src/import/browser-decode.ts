/**
 * JPEG, GIF and WebP → the pixels Chromium's `createImageBitmap` + `getImageData` give the plugin
 * (`src/embedding/decode-bitmap.ts`), in Node, so `--embed` can pre-compute their embeddings.
 *
 * Decoder: sharp (libvips, prebuilt binaries shipped in the npm registry as `@img/sharp-*`; no
 * install script needed). Its JPEG decoder is libjpeg-turbo's (as Chromium's, built from mozjpeg,
 * whose decoder is libjpeg-turbo's), with the same defaults (accurate integer IDCT, fancy
 * upsampling): on all 480 ndsb-dev JPEGs its RGB samples equal Chromium's byte for byte (jpeg-js,
 * the pure-JS alternative, differs by 1 in 1.7 % of samples). The e2e parity spec
 * (e2e/import-parity.spec.ts) checks the embeddings against the browser's.
 *
 * Matched to the plugin's choices: `colorSpaceConversion: 'none'` (embedded ICC profiles
 * ignored: `ignoreIcc`), EXIF orientation applied (`autoOrient`). What we cannot match is left
 * to the browser (`BrowserOnly` with the reason): CMYK JPEGs (Chromium's and libvips' CMYK → RGB
 * conversions differ), images with partial transparency (the canvas stores premultiplied colour,
 * which rounds), 16-bit data, and BMP (libvips has no BMP loader).
 *
 * sharp is loaded on demand: without it, the import still runs and these formats are left to the
 * browser, with a message saying what to install.
 */
import { ImageError } from '../embedding/image-errors.ts';
import { readImageSize } from '../embedding/image-header.ts';
import { MAX_DECODE_PIXELS, checkDimensions, type Pixels } from '../embedding/pixels.ts';
import type { ImageFormat } from '../embedding/sniff-format.ts';

type SharpModule = typeof import('sharp').default;

let loaded: Promise<SharpModule | Error> | undefined;

function loadSharp(): Promise<SharpModule | Error> {
  loaded ??= import('sharp').then(
    (m) => {
      const sharp = m.default ?? (m as unknown as SharpModule);
      // No decoded-image cache: each file is decoded once, and the cache would hold up to 50 MB.
      sharp.cache(false);
      return sharp;
    },
    (error: unknown) => error instanceof Error ? error : new Error(String(error)),
  );
  return loaded;
}

/** Formats this module decodes as Chromium does. */
export const NODE_BROWSER_FORMATS: readonly ImageFormat[] = Object.freeze(['jpeg', 'gif', 'webp']);

/** Why an image is left to the browser to embed. */
export class BrowserOnly {
  constructor(readonly reason: string) {}
}

/**
 * Decodes `bytes` (already sniffed as `format`) to 8-bit RGB or RGBA pixels equal to the
 * browser's, or says why it cannot. The size is checked from the header against `maxPixels`
 * before anything is decoded (throws `ImageError` 'too-large' / 'zero-size', like the plugin).
 */
export async function decodeLikeBrowser(bytes: Uint8Array, format: ImageFormat, maxPixels = MAX_DECODE_PIXELS): Promise<Pixels | BrowserOnly> {
  if (format === 'tiff' || format === 'png') throw new Error(`decodeLikeBrowser: ${format} is decoded by prepare-image.ts`);
  const size = readImageSize(bytes, format);
  checkDimensions(size.width, size.height, format.toUpperCase(), maxPixels);
  if (!NODE_BROWSER_FORMATS.includes(format)) return new BrowserOnly(`${format.toUpperCase()}: no Node decoder that matches the browser's (libvips has no BMP loader), so annotators' browsers embed it`);
  const sharp = await loadSharp();
  if (sharp instanceof Error) {
    return new BrowserOnly(`${format.toUpperCase()}: sharp, which decodes it as the browser does, could not be loaded (${sharp.message.split('\n')[0]}); install it with \`npm install sharp\``);
  }
  // `limitInputPixels` repeats the header check inside libvips (a header that lies about its size).
  const image = sharp(bytes, { autoOrient: true, ignoreIcc: true, limitInputPixels: maxPixels, failOn: 'error', animated: false });
  let meta;
  try {
    meta = await image.metadata();
  } catch (error) {
    throw new ImageError('decode-failed', `the ${format.toUpperCase()} could not be decoded: ${(error as Error).message}`, { cause: error });
  }
  if (meta.space === 'cmyk') return new BrowserOnly('CMYK JPEG: Chromium and libvips convert CMYK to RGB differently, so annotators\' browsers embed it');
  if ((meta.depth ?? 'uchar') !== 'uchar') return new BrowserOnly(`${format.toUpperCase()} with ${meta.depth} samples: the browser's 8-bit decode cannot be repeated exactly`);
  let raw: { data: Buffer; info: { width: number; height: number; channels: number } };
  try {
    raw = await image.toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  } catch (error) {
    throw new ImageError('decode-failed', `the ${format.toUpperCase()} could not be decoded: ${(error as Error).message}`, { cause: error });
  }
  const { width, height, channels } = raw.info;
  const data = new Uint8Array(raw.data.buffer, raw.data.byteOffset, raw.data.byteLength);
  if (channels === 4) {
    // Fully opaque or fully transparent pixels only: those the canvas stores exactly.
    for (let i = 3; i < data.length; i += 4) {
      if (data[i] !== 255 && data[i] !== 0) return new BrowserOnly(`${format.toUpperCase()} with partial transparency: the browser's canvas rounds such pixels, so annotators' browsers embed it`);
    }
    return { width, height, channels: 4, bitDepth: 8, data };
  }
  if (channels !== 3) return new BrowserOnly(`${format.toUpperCase()} decoded to ${channels} channels: not repeatable exactly`);
  return { width, height, channels: 3, bitDepth: 8, data };
}

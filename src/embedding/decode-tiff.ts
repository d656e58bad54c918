/**
 * TIFF → Pixels with geotiff (`fromArrayBuffer`, first image, `readRasters({interleave: true})`).
 *
 * Supported: 8-bit greyscale (BlackIsZero/WhiteIsZero), palette, RGB and RGBA; 16-bit greyscale,
 * RGB and RGBA (flow cytometers); uncompressed, LZW, Deflate/Adobe Deflate, PackBits and JPEG,
 * with or without the horizontal predictor; strips or tiles; chunky or planar. Multi-page files:
 * the first page. Everything else is refused with a typed `ImageError` naming what was found.
 *
 * Cost control: the size is read from the directory (no pixel data touched) and checked against
 * `MAX_DECODE_PIXELS` before `readRasters` allocates anything; strip/tile extents are checked
 * against the file length so a cut-short file fails as `truncated` instead of decoding garbage.
 *
 * Decompression bombs: the LZW, Deflate, PackBits and JPEG decoders are bounded to the block's
 * own size (`tiff-bounded-decoders.ts`), and a file with more than `MAX_TIFF_BLOCKS` strips or
 * tiles is refused from its directory (a million 1-row strips cost geotiff gigabytes of
 * bookkeeping before the first pixel).
 *
 * No worker pool: `readRasters` without `pool` decodes in the calling thread, which is already
 * our embedding worker (a pool would spawn nested workers from a blob URL, which a plugin on a
 * strict CSP page cannot do). geotiff's decoders are dynamic imports in its registry; Vite
 * bundles them (as chunks, or inline in the worker and plugin builds).
 */
import { fromArrayBuffer, type GeoTIFFImage } from 'geotiff';
import { ImageError, describeCause } from './image-errors.ts';
import { BlockTooLarge, useBoundedTiffDecoders } from './tiff-bounded-decoders.ts';
import { MAX_DECODE_PIXELS, assertPixels, checkDimensions, type PixelChannels, type Pixels } from './pixels.ts';

/** TIFF compression codes we decode, with names for messages. */
export const TIFF_COMPRESSIONS: Readonly<Record<number, string>> = Object.freeze({
  1: 'none',
  5: 'LZW',
  7: 'JPEG',
  8: 'Deflate',
  32946: 'Deflate (Adobe)',
  32773: 'PackBits',
});

const PHOTOMETRIC_NAMES: Readonly<Record<number, string>> = Object.freeze({
  0: 'WhiteIsZero',
  1: 'BlackIsZero',
  2: 'RGB',
  3: 'Palette',
  4: 'TransparencyMask',
  5: 'CMYK',
  6: 'YCbCr',
  8: 'CIELab',
});

/**
 * Most strips or tiles we read: 65,536 (a 50-megapixel image in 1-row strips has ~7,000; 256 x 256
 * tiles, ~800). More is refused from the directory, before geotiff sets up a read per block.
 */
export const MAX_TIFF_BLOCKS = 65_536;

/** Options of `decodeTiff`. */
export interface DecodeTiffOptions {
  /** Pixel budget (width x height); default `MAX_DECODE_PIXELS`. */
  maxPixels?: number;
}

function unsupported(what: string): ImageError {
  return new ImageError(
    'unsupported',
    `This TIFF uses ${what}, which is not supported. Supported: 8- or 16-bit greyscale, palette, RGB or RGBA, ` +
      `compression ${Object.values(TIFF_COMPRESSIONS).join(', ')}. Convert it (e.g. to an 8-bit RGB PNG or LZW TIFF).`,
  );
}

function truncated(where: string, cause?: unknown): ImageError {
  return new ImageError(
    'truncated',
    `The TIFF file is cut short (${where}): an interrupted download or copy. Re-upload the image.`,
    { cause },
  );
}

/** geotiff reports reads past the end of the buffer as DataView RangeErrors. */
function isOutOfBounds(e: unknown): boolean {
  return e instanceof RangeError || (e instanceof Error && /outside the bounds|out of bounds/i.test(e.message));
}

function toNumbers(value: unknown): number[] {
  if (value === undefined || value === null) return [];
  if (typeof value === 'number' || typeof value === 'bigint') return [Number(value)];
  return Array.from(value as ArrayLike<number | bigint>, Number);
}

/** Decodes the first image of a TIFF file. Throws `ImageError` for every failure. */
export async function decodeTiff(buffer: ArrayBuffer, options: DecodeTiffOptions = {}): Promise<Pixels> {
  const maxPixels = options.maxPixels ?? MAX_DECODE_PIXELS;
  if (buffer.byteLength === 0) {
    throw new ImageError('zero-size', 'The image file is empty (0 bytes). Re-upload the image.');
  }

  await useBoundedTiffDecoders();

  // 1. Header and first directory only.
  let image: GeoTIFFImage;
  try {
    const tiff = await fromArrayBuffer(buffer);
    image = await tiff.getImage(0);
  } catch (e) {
    if (isOutOfBounds(e)) throw truncated('its header or image directory lies past the end of the file', e);
    throw new ImageError('decode-failed', `The TIFF directory could not be read: ${describeCause(e)}.`, { cause: e });
  }
  const dir = image.getFileDirectory();
  const width = image.getWidth();
  const height = image.getHeight();

  // 2. Refuse bad sizes before any pixel data is read or allocated.
  checkDimensions(width, height, 'TIFF', maxPixels);

  const spp = image.getSamplesPerPixel();
  const bits = toNumbers(dir.getValue('BitsPerSample'));
  const bitsPerSample = bits.length ? bits[0] : 1;
  if (bits.some((b) => b !== bitsPerSample)) throw unsupported(`mixed bits per sample (${bits.join(', ')})`);
  if (bitsPerSample !== 8 && bitsPerSample !== 16) throw unsupported(`${bitsPerSample} bits per sample`);
  const sampleFormat = toNumbers(dir.getValue('SampleFormat'));
  if (sampleFormat.some((f) => f !== 1)) {
    throw unsupported(`sample format ${sampleFormat.join(', ')} (signed or floating-point samples)`);
  }
  const compression = Number(dir.getValue('Compression') ?? 1);
  if (!(compression in TIFF_COMPRESSIONS)) throw unsupported(`compression ${compression}`);
  const photometric = Number(dir.getValue('PhotometricInterpretation') ?? (spp >= 3 ? 2 : 1));
  const extra = toNumbers(dir.getValue('ExtraSamples'));

  // 3. Work out the layout before decoding, so unsupported files cost nothing.
  let colour: 1 | 3;
  switch (photometric) {
    case 0:
    case 1:
      colour = 1;
      break;
    case 2:
      colour = 3;
      break;
    case 3:
      if (bitsPerSample !== 8 || spp !== 1) throw unsupported(`a ${bitsPerSample}-bit palette with ${spp} samples`);
      colour = 1;
      break;
    case 6:
      // JPEG-in-TIFF is usually YCbCr; geotiff converts only via readRGB. Rare for our sources.
      throw unsupported('YCbCr colour (usually JPEG-compressed TIFF)');
    default:
      throw unsupported(`the ${PHOTOMETRIC_NAMES[photometric] ?? `#${photometric}`} colour space`);
  }
  if (spp < colour) throw unsupported(`${spp} sample(s) per pixel for ${PHOTOMETRIC_NAMES[photometric]}`);
  // The first extra sample is alpha when declared so (1 associated/premultiplied, 2 unassociated);
  // unspecified extras (0) are ignored, as PIL does (RGBX).
  const alphaKind = spp > colour ? (extra[0] ?? 0) : 0;
  const hasAlpha = alphaKind === 1 || alphaKind === 2;

  await checkBlockExtents(image, buffer.byteLength);

  // 4. Decode. No `pool`: decode in this thread (see the module comment).
  let raster: ArrayLike<number> & { length: number };
  try {
    raster = (await image.readRasters({ interleave: true })) as unknown as ArrayLike<number> & { length: number };
  } catch (e) {
    if (e instanceof BlockTooLarge) {
      throw new ImageError('too-large', `The TIFF is refused: ${e.message}. Re-export the image; if it opens elsewhere, save it uncompressed or with LZW.`, { cause: e });
    }
    if (isOutOfBounds(e)) throw truncated('its pixel data ends early', e);
    throw new ImageError('decode-failed', `The TIFF pixel data could not be decoded: ${describeCause(e)}.`, {
      cause: e,
    });
  }
  if (raster.length !== width * height * spp) {
    throw new ImageError(
      'decode-failed',
      `The TIFF decoder returned ${raster.length} samples for ${width} x ${height} x ${spp}; the file is corrupt.`,
    );
  }

  const pixels = await toPixels(image, raster, {
    width,
    height,
    spp,
    colour,
    hasAlpha,
    premultiplied: alphaKind === 1,
    bitDepth: bitsPerSample,
    photometric,
  });
  assertPixels(pixels);
  return pixels;
}

/** Checks that every strip/tile lies inside the file; a cut file fails here, before decoding. */
async function checkBlockExtents(image: GeoTIFFImage, byteLength: number): Promise<void> {
  const dir = image.getFileDirectory();
  const tiled = !dir.hasTag('StripOffsets');
  let offsets: number[];
  let counts: number[];
  try {
    offsets = toNumbers(await dir.loadValue(tiled ? 'TileOffsets' : 'StripOffsets'));
    counts = toNumbers(await dir.loadValue(tiled ? 'TileByteCounts' : 'StripByteCounts'));
  } catch (e) {
    if (isOutOfBounds(e)) throw truncated('its strip table lies past the end of the file', e);
    throw new ImageError('decode-failed', `The TIFF strip table could not be read: ${describeCause(e)}.`, { cause: e });
  }
  if (offsets.length > MAX_TIFF_BLOCKS) {
    throw new ImageError(
      'too-large',
      `The TIFF has ${offsets.length} ${tiled ? 'tiles' : 'strips'}; the limit is ${MAX_TIFF_BLOCKS}. ` +
        'Re-save it with larger strips (e.g. `tiffcp -r 64 in.tif out.tif`) or as PNG.',
    );
  }
  if (offsets.length === 0 || counts.length !== offsets.length) {
    throw new ImageError('decode-failed', 'The TIFF has no valid strip or tile table; the file is corrupt.');
  }
  let end = 0;
  for (let i = 0; i < offsets.length; i++) end = Math.max(end, offsets[i] + counts[i]);
  if (end > byteLength) {
    throw truncated(`its pixel data needs ${end} bytes, the file has ${byteLength}`);
  }
}

interface Layout {
  width: number;
  height: number;
  spp: number;
  colour: 1 | 3;
  hasAlpha: boolean;
  premultiplied: boolean;
  bitDepth: number;
  photometric: number;
}

/** Interleaved raster with `spp` samples → Pixels with 1, 3 or 4 channels. */
async function toPixels(
  image: GeoTIFFImage,
  raster: ArrayLike<number>,
  l: Layout,
): Promise<Pixels> {
  const n = l.width * l.height;
  const bitDepth = l.bitDepth as 8 | 16;
  const max = bitDepth === 16 ? 65535 : 255;
  const alloc = (len: number): Uint8Array | Uint16Array => (bitDepth === 16 ? new Uint16Array(len) : new Uint8Array(len));

  if (l.photometric === 3) {
    // Palette: ColorMap holds 3 x 256 16-bit entries (all reds, then greens, then blues).
    const map = toNumbers(await image.getFileDirectory().loadValue('ColorMap'));
    if (map.length < 3 * 256) throw new ImageError('decode-failed', 'The palette TIFF has no valid colour map.');
    const out = new Uint8Array(n * 3);
    for (let i = 0; i < n; i++) {
      const v = raster[i];
      out[3 * i] = map[v] >> 8;
      out[3 * i + 1] = map[256 + v] >> 8;
      out[3 * i + 2] = map[512 + v] >> 8;
    }
    return { width: l.width, height: l.height, channels: 3, bitDepth: 8, data: out };
  }

  const channels: PixelChannels = l.hasAlpha ? 4 : l.colour;
  const invert = l.photometric === 0; // WhiteIsZero
  // Fast path: already in our layout.
  if (l.spp === channels && !invert && !l.premultiplied && (raster instanceof Uint8Array || raster instanceof Uint16Array)) {
    return { width: l.width, height: l.height, channels, bitDepth, data: raster };
  }
  const out = alloc(n * channels);
  for (let i = 0; i < n; i++) {
    const src = i * l.spp;
    const a = l.hasAlpha ? raster[src + l.colour] : max;
    for (let c = 0; c < channels; c++) {
      // Grey + alpha expands to RGBA (grey copied to R, G, B).
      const s = c === 3 ? a : raster[src + (l.colour === 1 ? 0 : c)];
      let v = invert && c < 3 ? max - s : s;
      // Associated alpha: colours are premultiplied; un-premultiply so alpha is straight.
      if (l.premultiplied && c < 3) v = a > 0 ? Math.min(max, Math.round((v * max) / a)) : 0;
      out[i * channels + c] = v;
    }
  }
  return { width: l.width, height: l.height, channels, bitDepth, data: out };
}

/**
 * geotiff decoders that stop at the strip's or tile's own size, registered over geotiff's
 * (`addDecoder`), so a decompression bomb is refused instead of exhausting memory:
 *
 * - geotiff's LZW decoder collects its output in a growing JS array until the end-of-information
 *   code: a 452 KB LZW strip that decodes to ~600 MB aborts V8 (a fatal error, not an exception);
 * - its Deflate decoder (pako `inflate`) returns the whole output: 1 MB → 1 GB;
 * - PackBits expands up to 64 x; JPEG strips decode to the size in their own frame header.
 *
 * A block never holds more than `tileWidth x tileHeight x bytes per pixel` (one plane of it for
 * planar data); these decoders write into a buffer of that size and throw `BlockTooLarge` past
 * it (Deflate streams through `DecompressionStream`, in browsers and Node alike, and stops
 * reading there). Output equals geotiff's own for every valid file (decode-tiff.test.ts).
 */
import { BaseDecoder, addDecoder, getDecoder } from 'geotiff';
import { readImageSize } from './image-header.ts';

/** Thrown by a bounded decoder when a block decodes to more bytes than it can hold. */
export class BlockTooLarge extends Error {
  constructor(readonly compression: string, readonly limit: number) {
    super(`a ${compression} block decodes to more than the ${limit} bytes its size allows (a decompression bomb or a corrupt file)`);
  }
}

interface BoundedParameters {
  tileWidth: number;
  tileHeight: number;
  predictor: number;
  bitsPerSample: number | number[];
  planarConfiguration: number;
  /** Most bytes one block can decode to. */
  maxBytes: number;
}

type Directory = { loadValue(name: string): Promise<unknown>; hasTag(name: string): boolean };

async function boundedParameters(dir: Directory): Promise<BoundedParameters> {
  const tiled = !dir.hasTag('StripOffsets');
  const num = async (name: string): Promise<number> => Number(await dir.loadValue(name) ?? 0);
  const imageHeight = await num('ImageLength');
  const tileWidth = tiled ? await num('TileWidth') : await num('ImageWidth');
  // Same values as geotiff's default parameters (the predictor uses them), plus the bound.
  const tileHeight = tiled ? await num('TileLength') : (await num('RowsPerStrip')) || imageHeight;
  const planarConfiguration = await num('PlanarConfiguration');
  const rawBits = await dir.loadValue('BitsPerSample');
  const bits = rawBits === undefined ? [1] : typeof rawBits === 'number' ? [rawBits] : Array.from(rawBits as ArrayLike<number>, Number);
  const bitsPerBlockPixel = planarConfiguration === 2 ? bits[0] : bits.reduce((a, b) => a + b, 0);
  const rows = tiled ? tileHeight : Math.min(tileHeight, imageHeight);
  return {
    tileWidth, tileHeight, planarConfiguration,
    bitsPerSample: rawBits as number | number[],
    predictor: (await num('Predictor')) || 1,
    maxBytes: Math.ceil((tileWidth * bitsPerBlockPixel) / 8) * rows,
  };
}

/** TIFF LZW (MSB first, early change), as geotiff's decoder, into a buffer of `maxBytes`. */
export function lzwDecodeBounded(input: Uint8Array, maxBytes: number): Uint8Array {
  const CLEAR = 256;
  const EOI = 257;
  const prefix = new Uint16Array(4096);
  const suffix = new Uint8Array(4096);
  const length = new Uint16Array(4096);
  for (let i = 0; i < 256; i++) {
    suffix[i] = i;
    length[i] = 1;
  }
  const out = new Uint8Array(maxBytes);
  let n = 0;
  let bitPos = 0;
  const totalBits = input.length * 8;
  let width = 9;
  let next = 258;
  let old = -1;
  const read = (): number => {
    if (bitPos + width > totalBits) return EOI; // ran off the end: as geotiff, end of data
    let v = 0;
    for (let i = 0; i < width; i++) {
      const bit = bitPos + i;
      v = (v << 1) | ((input[bit >> 3] >> (7 - (bit & 7))) & 1);
    }
    bitPos += width;
    return v;
  };
  /** Writes the string of `code` at `n`; returns its first byte. */
  const emit = (code: number): number => {
    const len = length[code];
    if (n + len > maxBytes) throw new BlockTooLarge('LZW', maxBytes);
    let c = code;
    for (let i = n + len - 1; i >= n; i--) {
      out[i] = suffix[c];
      c = prefix[c];
    }
    n += len;
    return out[n - len];
  };
  for (let code = read(); code !== EOI; code = read()) {
    if (code === CLEAR) {
      width = 9;
      next = 258;
      old = -1;
      continue;
    }
    if (old === -1) {
      if (code > 255) throw new Error(`corrupted LZW code ${code} after a clear code`);
      emit(code);
      old = code;
    } else if (code < next) {
      const first = emit(code);
      if (next < 4096) {
        prefix[next] = old;
        suffix[next] = first;
        length[next] = length[old] + 1;
        next++;
      }
      old = code;
    } else if (code === next && next < 4096) {
      // KwKwK: the code being defined is old's string plus its own first byte.
      const first = emit(old);
      if (n + 1 > maxBytes) throw new BlockTooLarge('LZW', maxBytes);
      out[n++] = first;
      prefix[next] = old;
      suffix[next] = first;
      length[next] = length[old] + 1;
      next++;
      old = code;
    } else {
      throw new Error(`invalid LZW code ${code} (dictionary holds ${next})`);
    }
    // Early change: the width grows one code before the dictionary needs it (TIFF 6.0).
    if (next + 1 >= 1 << width && width < 12) width++;
  }
  return out.slice(0, n);
}

/** PackBits, into a buffer of `maxBytes`. */
export function packBitsDecodeBounded(input: Uint8Array, maxBytes: number): Uint8Array {
  const out = new Uint8Array(maxBytes);
  let n = 0;
  for (let i = 0; i < input.length;) {
    const h = (input[i++] << 24) >> 24; // signed
    if (h >= 0) {
      const count = h + 1;
      if (n + count > maxBytes) throw new BlockTooLarge('PackBits', maxBytes);
      out.set(input.subarray(i, i + count), n);
      n += count;
      i += count;
    } else if (h !== -128) {
      const count = 1 - h;
      if (n + count > maxBytes) throw new BlockTooLarge('PackBits', maxBytes);
      out.fill(input[i++], n, n + count);
      n += count;
    }
  }
  return out.slice(0, n);
}

/** zlib-wrapped Deflate through `DecompressionStream`, stopping past `maxBytes`. */
export async function inflateBounded(input: Uint8Array, maxBytes: number): Promise<Uint8Array> {
  const stream = new Blob([input as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('deflate'));
  const reader = stream.getReader();
  const out = new Uint8Array(maxBytes);
  let n = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (n + value.length > maxBytes) throw new BlockTooLarge('Deflate', maxBytes);
      out.set(value, n);
      n += value.length;
    }
  } catch (error) {
    await reader.cancel().catch(() => undefined);
    throw error;
  }
  return out.slice(0, n);
}

function bytesOf(buffer: ArrayBufferLike | ArrayBufferView): Uint8Array {
  return ArrayBuffer.isView(buffer) ? new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength) : new Uint8Array(buffer);
}

class BoundedLzw extends BaseDecoder {
  override decodeBlock(buffer: ArrayBufferLike): ArrayBufferLike {
    return lzwDecodeBounded(bytesOf(buffer), (this.parameters as unknown as BoundedParameters).maxBytes).buffer;
  }
}

class BoundedPackBits extends BaseDecoder {
  override decodeBlock(buffer: ArrayBufferLike): ArrayBufferLike {
    return packBitsDecodeBounded(bytesOf(buffer), (this.parameters as unknown as BoundedParameters).maxBytes).buffer;
  }
}

class BoundedDeflate extends BaseDecoder {
  override async decodeBlock(buffer: ArrayBufferLike): Promise<ArrayBufferLike> {
    return (await inflateBounded(bytesOf(buffer), (this.parameters as unknown as BoundedParameters).maxBytes)).buffer;
  }
}

let registered: Promise<void> | undefined;

/** Replaces geotiff's LZW, Deflate, PackBits and JPEG decoders with bounded ones (once). */
export function useBoundedTiffDecoders(): Promise<void> {
  registered ??= (async () => {
    // geotiff's JPEG decoder, kept: its frame size is checked against the block's before it runs.
    const jpeg = await getDecoder(7, { tileWidth: 1, tileHeight: 1, predictor: 1, bitsPerSample: 8, planarConfiguration: 1 } as never);
    const JpegDecoder = jpeg.constructor as new (p: unknown) => BaseDecoder;
    class BoundedJpeg extends JpegDecoder {
      override decodeBlock(buffer: ArrayBufferLike): Promise<ArrayBufferLike> | ArrayBufferLike {
        const p = this.parameters as unknown as BoundedParameters;
        const size = readImageSize(bytesOf(buffer), 'jpeg');
        if (size.width * size.height > p.tileWidth * p.tileHeight) throw new BlockTooLarge('JPEG', p.maxBytes);
        return super.decodeBlock(buffer);
      }
    }
    const params = boundedParameters as never;
    addDecoder(5, () => Promise.resolve(BoundedLzw as never), params, false);
    addDecoder([8, 32946], () => Promise.resolve(BoundedDeflate as never), params, false);
    addDecoder(32773, () => Promise.resolve(BoundedPackBits as never), params, false);
    addDecoder(7, () => Promise.resolve(BoundedJpeg as never), (async (dir: Directory) => ({
      ...(await boundedParameters(dir)), JPEGTables: await dir.loadValue('JPEGTables'),
    })) as never, false);
  })();
  return registered;
}

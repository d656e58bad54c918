/**
 * Reads back PNGs written by `png-writer.ts` (8-bit RGB, no interlace, filter 0 rows only),
 * checking every chunk's CRC. For tests: a general decoder is not needed in Node here.
 */
import { inflateSync } from 'node:zlib';
import { crc32 } from './png-writer.ts';
import type { RgbImage } from './synthetic-images.ts';

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Decodes a PNG of the subset we write; throws on anything else or on a bad CRC. */
export function readPngRgb(png: Uint8Array): RgbImage {
  const dv = new DataView(png.buffer, png.byteOffset, png.byteLength);
  if (!SIGNATURE.every((b, i) => png[i] === b)) throw new Error('not a PNG');
  let o = 8;
  let width = 0;
  let height = 0;
  const idat: Uint8Array[] = [];
  for (;;) {
    const len = dv.getUint32(o);
    const type = String.fromCharCode(...png.subarray(o + 4, o + 8));
    const data = png.subarray(o + 8, o + 8 + len);
    if (dv.getUint32(o + 8 + len) !== crc32(png.subarray(o + 4, o + 8 + len))) throw new Error(`bad CRC in ${type}`);
    if (type === 'IHDR') {
      width = dv.getUint32(o + 8);
      height = dv.getUint32(o + 12);
      if (data.subarray(8).join() !== '8,2,0,0,0') throw new Error('only 8-bit RGB, non-interlaced PNGs are supported');
    } else if (type === 'IDAT') idat.push(data);
    o += 12 + len;
    if (type === 'IEND') break;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * 3;
  const rgb = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    if (raw[y * (stride + 1)] !== 0) throw new Error(`row ${y}: only filter type 0 is supported`);
    rgb.set(raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)), y * stride);
  }
  return { width, height, rgb };
}

/**
 * A minimal lossless PNG encoder: 8-bit RGB, no interlace, filter 0 on every row.
 * Enough for fixed test fixtures whose exact pixels matter (a parity test decodes them in a
 * browser and must see the same bytes the reference vectors were computed from).
 */
import { deflateSync } from 'node:zlib';
import { chunk, PNG_SIGNATURE } from '../samples/png-encode.ts';

// Chunk framing and CRC are shared with the sample encoder; this file keeps only the
// filter-0 layout that png-reader.ts (and the parity fixtures) rely on.
export { crc32 } from '../samples/png-encode.ts';

/** Encodes interleaved 8-bit RGB pixels (row-major, length width*height*3) as a PNG file. */
export function encodePngRgb(width: number, height: number, rgb: Uint8Array): Uint8Array {
  if (rgb.length !== width * height * 3) {
    throw new Error(`encodePngRgb: expected ${width * height * 3} bytes for ${width}x${height} RGB, got ${rgb.length}`);
  }
  const ihdr = new Uint8Array(13);
  const dv = new DataView(ihdr.buffer);
  dv.setUint32(0, width);
  dv.setUint32(4, height);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type: truecolour (RGB)
  ihdr[10] = 0; // compression: deflate
  ihdr[11] = 0; // filter method 0
  ihdr[12] = 0; // no interlace
  const stride = width * 3;
  const raw = new Uint8Array((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (stride + 1)] = 0; // filter type "None" for this row
    raw.set(rgb.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  }
  const idat = deflateSync(raw, { level: 9 });
  const parts = [Uint8Array.from(PNG_SIGNATURE), chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

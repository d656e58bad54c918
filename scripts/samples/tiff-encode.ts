/**
 * A minimal baseline TIFF writer: one greyscale channel, 8 or 16 bits, little-endian,
 * uncompressed strips. Flow cytometers write 16-bit greyscale TIFFs like this, and the
 * preprocessing must handle them (divide by the image's max), so the demo ships one.
 */

/** A greyscale image for {@link encodeTiff}. */
export interface GreyImage {
  width: number;
  height: number;
  /** Uint16Array for 16-bit, Uint8Array for 8-bit; rows top to bottom. */
  data: Uint16Array | Uint8Array;
}

/** TIFF field types used here (a plain object: const enums do not survive isolated transpilers). */
const FieldType = { Short: 3, Long: 4, Rational: 5 } as const;
type FieldType = (typeof FieldType)[keyof typeof FieldType];

interface Entry {
  tag: number;
  type: FieldType;
  values: number[];
}

/** Bytes per strip aimed at: the TIFF spec recommends strips of about 8 KB. */
const STRIP_BYTES = 8192;

/** Encode a greyscale image as an uncompressed little-endian TIFF. */
export function encodeTiff(image: GreyImage): Uint8Array {
  const { width, height, data } = image;
  const bits = data instanceof Uint16Array ? 16 : 8;
  const bytesPerPixel = bits / 8;
  if (data.length !== width * height) {
    throw new RangeError(`Expected ${width * height} samples for ${width}x${height}, got ${data.length}.`);
  }
  const rowBytes = width * bytesPerPixel;
  const rowsPerStrip = Math.max(1, Math.min(height, Math.floor(STRIP_BYTES / rowBytes)));
  const stripCount = Math.ceil(height / rowsPerStrip);
  const stripByteCounts = Array.from({ length: stripCount }, (_, i) => Math.min(rowsPerStrip, height - i * rowsPerStrip) * rowBytes);

  // Layout: header (8) | IFD | out-of-line values | pixel data.
  const entries: Entry[] = [
    { tag: 256, type: FieldType.Long, values: [width] }, // ImageWidth
    { tag: 257, type: FieldType.Long, values: [height] }, // ImageLength
    { tag: 258, type: FieldType.Short, values: [bits] }, // BitsPerSample
    { tag: 259, type: FieldType.Short, values: [1] }, // Compression: none
    { tag: 262, type: FieldType.Short, values: [1] }, // PhotometricInterpretation: BlackIsZero
    { tag: 273, type: FieldType.Long, values: new Array<number>(stripCount).fill(0) }, // StripOffsets (patched)
    { tag: 277, type: FieldType.Short, values: [1] }, // SamplesPerPixel
    { tag: 278, type: FieldType.Long, values: [rowsPerStrip] }, // RowsPerStrip
    { tag: 279, type: FieldType.Long, values: stripByteCounts }, // StripByteCounts
    { tag: 282, type: FieldType.Rational, values: [72, 1] }, // XResolution
    { tag: 283, type: FieldType.Rational, values: [72, 1] }, // YResolution
    { tag: 296, type: FieldType.Short, values: [1] }, // ResolutionUnit: none
    { tag: 339, type: FieldType.Short, values: [1] }, // SampleFormat: unsigned integer
  ];
  const ifdOffset = 8;
  const ifdSize = 2 + entries.length * 12 + 4;
  let extraOffset = ifdOffset + ifdSize;
  const extraOffsets = new Map<Entry, number>();
  for (const entry of entries) {
    const size = byteSize(entry);
    if (size > 4) {
      extraOffsets.set(entry, extraOffset);
      extraOffset += size + (size % 2); // values start on word boundaries
    }
  }
  const pixelOffset = extraOffset;
  const stripOffsets = entries.find((e) => e.tag === 273)!;
  stripOffsets.values = stripByteCounts.map((_, i) => pixelOffset + i * rowsPerStrip * rowBytes);

  const out = new Uint8Array(pixelOffset + width * height * bytesPerPixel);
  const dv = new DataView(out.buffer);
  out[0] = 0x49; // 'I'
  out[1] = 0x49; // 'I': little-endian
  dv.setUint16(2, 42, true);
  dv.setUint32(4, ifdOffset, true);
  dv.setUint16(ifdOffset, entries.length, true);
  entries.forEach((entry, i) => {
    const at = ifdOffset + 2 + i * 12;
    dv.setUint16(at, entry.tag, true);
    dv.setUint16(at + 2, entry.type, true);
    dv.setUint32(at + 4, entry.type === FieldType.Rational ? entry.values.length / 2 : entry.values.length, true);
    const extra = extraOffsets.get(entry);
    if (extra === undefined) writeValues(dv, at + 8, entry);
    else {
      dv.setUint32(at + 8, extra, true);
      writeValues(dv, extra, entry);
    }
  });
  dv.setUint32(ifdOffset + 2 + entries.length * 12, 0, true); // no next IFD

  if (bits === 16) {
    for (let i = 0; i < data.length; i++) dv.setUint16(pixelOffset + i * 2, data[i], true);
  } else {
    out.set(data, pixelOffset);
  }
  return out;
}

function byteSize(entry: Entry): number {
  return entry.values.length * (entry.type === FieldType.Short ? 2 : 4);
}

function writeValues(dv: DataView, at: number, entry: Entry): void {
  entry.values.forEach((v, i) => {
    if (entry.type === FieldType.Short) dv.setUint16(at + i * 2, v, true);
    else dv.setUint32(at + i * 4, v, true);
  });
}

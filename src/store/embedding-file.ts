/**
 * The embedding part file: embeddings computed outside the browser (`npm run import -- --embed`,
 * or a Ray/Spark job, see src/import/README.md) in the form the plugin bulk-loads into its
 * IndexedDB embedding cache. Keys are exactly the browser's: the model id and the lower-case hex
 * SHA-256 of the image bytes the browser will fetch (see `sha256Hex`, `EmbeddingRecord`).
 *
 * Layout (little-endian), chosen so any language writes it with a JSON encoder and a float32
 * array dump (Python: `struct` + `json` + `numpy.tobytes()`), and a browser reads the vectors
 * without copying (a Float32Array view on 4-byte aligned data):
 *
 *   bytes 0-7    magic "CYEMB001"
 *   bytes 8-11   uint32: header length H in bytes (UTF-8 JSON)
 *   bytes 12..   header JSON {format: 1, modelId, dim, count, imageKeys: string[], sizes: [w, h][]}
 *   padding      spaces up to the next multiple of 4
 *   then         count x dim float32 values, row-major (vector i = values [i*dim, (i+1)*dim))
 *
 * A part holds a bounded number of vectors (the writer flushes every `PART_VECTORS`), so
 * memory stays bounded on both ends and distributed workers each write their own parts.
 */

/** The 8 bytes every part starts with. */
export const EMBEDDING_FILE_MAGIC = 'CYEMB001';

/** Vectors per part the import writes (5,000 x 512 floats = 10 MB). */
export const PART_VECTORS = 5000;

/** File name extension of parts. */
export const PART_EXTENSION = '.cyemb';

/** The JSON header of a part. */
export interface EmbeddingFileHeader {
  format: 1;
  modelId: string;
  /** Embedding size (the manifest's `embeddingSize`). */
  dim: number;
  count: number;
  /** Lower-case hex SHA-256 of each image's bytes, parallel to the vectors. */
  imageKeys: string[];
  /** Width and height of the decoded image each vector came from (as the browser stores them). */
  sizes: Array<[number, number]>;
}

/** A decoded part: the header and one vector per image key. */
export interface EmbeddingPart {
  header: EmbeddingFileHeader;
  vectors: Float32Array[];
}

/** Thrown for a file that is not a valid part; the message says what is wrong. */
export class EmbeddingFileError extends Error {
  override name = 'EmbeddingFileError';
}

const HEX64 = /^[0-9a-f]{64}$/;

/** Encodes vectors as one part file. */
export function encodeEmbeddingPart(
  modelId: string,
  dim: number,
  items: ReadonlyArray<{ imageKey: string; vector: Float32Array; width: number; height: number }>,
): Uint8Array {
  const header: EmbeddingFileHeader = {
    format: 1,
    modelId,
    dim,
    count: items.length,
    imageKeys: items.map((i) => i.imageKey),
    sizes: items.map((i) => [i.width, i.height]),
  };
  validateHeader(header);
  for (const item of items) {
    if (item.vector.length !== dim) throw new EmbeddingFileError(`vector of ${item.imageKey} has ${item.vector.length} values, expected ${dim}`);
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil((12 + json.length) / 4) * 4 - 12;
  if (padded !== json.length) {
    const withPad = new Uint8Array(padded).fill(0x20);
    withPad.set(json);
    json = withPad;
  }
  const out = new Uint8Array(12 + json.length + items.length * dim * 4);
  out.set(new TextEncoder().encode(EMBEDDING_FILE_MAGIC), 0);
  new DataView(out.buffer).setUint32(8, json.length, true);
  out.set(json, 12);
  const floats = new Float32Array(out.buffer, 12 + json.length, items.length * dim);
  items.forEach((item, i) => floats.set(item.vector, i * dim));
  if (!littleEndian()) byteSwap32(out.subarray(12 + json.length));
  return out;
}

/**
 * Checks a part from its first bytes and its total size, without its vectors: magic, header,
 * alignment and the vectors' byte count. `prefix` must hold at least the header (the shim checks
 * a streamed upload this way, without holding 64 MiB). Returns the header and where the vectors start.
 * @throws EmbeddingFileError naming the problem.
 */
export function checkEmbeddingPartHeader(prefix: Uint8Array, totalBytes: number): { header: EmbeddingFileHeader; dataStart: number } {
  if (totalBytes < 12 || prefix.length < 12) throw new EmbeddingFileError(`the file has ${totalBytes} bytes: too short for an embedding part`);
  const magic = new TextDecoder().decode(prefix.subarray(0, 8));
  if (magic !== EMBEDDING_FILE_MAGIC) {
    throw new EmbeddingFileError(`not an embedding part (starts "${magic.replace(/[^\x20-\x7e]/g, '?')}", expected "${EMBEDDING_FILE_MAGIC}")`);
  }
  const headerLength = new DataView(prefix.buffer, prefix.byteOffset, prefix.byteLength).getUint32(8, true);
  if (12 + headerLength > totalBytes) throw new EmbeddingFileError('the header runs past the end of the file (cut short?)');
  if (12 + headerLength > prefix.length) throw new EmbeddingFileError(`the header is ${headerLength} bytes, more than the ${prefix.length - 12} read`);
  let header: EmbeddingFileHeader;
  try {
    header = JSON.parse(new TextDecoder().decode(prefix.subarray(12, 12 + headerLength))) as EmbeddingFileHeader;
  } catch (error) {
    throw new EmbeddingFileError(`the header is not JSON: ${(error as Error).message}`);
  }
  validateHeader(header);
  const dataStart = 12 + headerLength;
  if (dataStart % 4 !== 0) throw new EmbeddingFileError('the vectors are not 4-byte aligned (header not padded)');
  const expected = header.count * header.dim * 4;
  if (totalBytes - dataStart !== expected) {
    throw new EmbeddingFileError(`the file holds ${totalBytes - dataStart} bytes of vectors, the header says ${expected} (${header.count} x ${header.dim} float32)`);
  }
  return { header, dataStart };
}

/** Decodes a part file; throws `EmbeddingFileError` naming the problem. */
export function decodeEmbeddingPart(bytes: ArrayBuffer | Uint8Array): EmbeddingPart {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  const { header, dataStart } = checkEmbeddingPartHeader(view, view.length);
  // Copy once into an aligned buffer (the input view may start anywhere), then slice per vector.
  // `new Uint8Array(view)` copies; `view.slice` would not on a Node Buffer (Buffer#slice is a view).
  const data = new Uint8Array(view.subarray(dataStart));
  if (!littleEndian()) byteSwap32(data);
  const floats = new Float32Array(data.buffer, 0, header.count * header.dim);
  const vectors: Float32Array[] = [];
  for (let i = 0; i < header.count; i++) vectors.push(floats.slice(i * header.dim, (i + 1) * header.dim));
  return { header, vectors };
}

function validateHeader(h: EmbeddingFileHeader): void {
  if (h.format !== 1) throw new EmbeddingFileError(`unknown part format ${JSON.stringify(h.format)} (this plugin reads format 1)`);
  if (typeof h.modelId !== 'string' || h.modelId === '') throw new EmbeddingFileError('the header has no modelId');
  if (!Number.isInteger(h.dim) || h.dim < 1) throw new EmbeddingFileError(`dim must be a positive integer, got ${JSON.stringify(h.dim)}`);
  if (!Number.isInteger(h.count) || h.count < 0) throw new EmbeddingFileError(`count must be an integer >= 0, got ${JSON.stringify(h.count)}`);
  if (!Array.isArray(h.imageKeys) || h.imageKeys.length !== h.count) throw new EmbeddingFileError('imageKeys must list one key per vector');
  if (!Array.isArray(h.sizes) || h.sizes.length !== h.count) throw new EmbeddingFileError('sizes must list one [width, height] per vector');
  const bad = h.imageKeys.find((k) => typeof k !== 'string' || !HEX64.test(k));
  if (bad !== undefined) throw new EmbeddingFileError(`image key ${JSON.stringify(bad)} is not a lower-case hex SHA-256`);
}

function littleEndian(): boolean {
  return new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
}

function byteSwap32(bytes: Uint8Array): void {
  for (let i = 0; i + 3 < bytes.length; i += 4) {
    const a = bytes[i];
    const b = bytes[i + 1];
    bytes[i] = bytes[i + 3];
    bytes[i + 1] = bytes[i + 2];
    bytes[i + 2] = b;
    bytes[i + 3] = a;
  }
}

/**
 * SHA-256 as lower-case hex, the image key of the embedding cache and the integrity check of
 * downloaded assets. Uses Web Crypto, present in pages, workers and Node ≥ 20 alike; note that
 * `crypto.subtle` exists only in secure contexts (https or localhost).
 */

/** Lower-case hex SHA-256 of `bytes` (~0.1-0.3 s for a 45 MB model; under a millisecond for an image crop). */
export async function sha256Hex(bytes: ArrayBuffer | ArrayBufferView): Promise<string> {
  const view =
    bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', view as Uint8Array<ArrayBuffer>));
  let hex = '';
  for (const byte of digest) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

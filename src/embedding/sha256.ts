/** Lower-case hex SHA-256 of some bytes, with the platform's crypto.subtle (page or worker). */
export async function sha256Hex(bytes: ArrayBuffer | Uint8Array): Promise<string> {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  const digest = await crypto.subtle.digest('SHA-256', view as Uint8Array<ArrayBuffer>);
  const out = new Array<string>(digest.byteLength);
  const d = new Uint8Array(digest);
  for (let i = 0; i < d.length; i++) out[i] = d[i].toString(16).padStart(2, '0');
  return out.join('');
}

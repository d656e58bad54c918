/**
 * Fetches an onnxruntime-web `.wasm` binary as the build ships it: gzip-compressed
 * (`*.wasm.gz`, written by scripts/build/ort-runtime-files.ts), and gives back the WebAssembly
 * bytes.
 *
 * Why the build compresses them: the two ORT binaries are 42.5 MB raw and 10.3 MB gzipped, most
 * of the demo's and the plugin's size on disk; over the wire a server compressed them anyway.
 * Decompressed here with the browser's own DecompressionStream, so any static host serves them
 * as plain files, no `Content-Encoding` set-up needed. A host that does send them with
 * `Content-Encoding: gzip` hands over bytes the browser has already inflated: those start with
 * the WebAssembly magic, not gzip's, and are passed on as they are.
 */

const GZIP_MAGIC = [0x1f, 0x8b];

export async function fetchRuntimeBinary(url: string): Promise<Response> {
  const response = await fetch(url);
  if (!response.ok) return response;
  const bytes = new Uint8Array(await response.arrayBuffer());
  const gzipped = GZIP_MAGIC.every((b, i) => bytes[i] === b);
  const body = gzipped ? new Response(bytes).body!.pipeThrough(new DecompressionStream('gzip')) : bytes;
  return new Response(body, { status: response.status, headers: { 'Content-Type': 'application/wasm' } });
}

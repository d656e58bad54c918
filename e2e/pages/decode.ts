/**
 * Test page and worker for e2e/decode.spec.ts. The same built file runs in both roles:
 * in a page it exposes `decodeInPage` / `decodeInWorker` on `window`; started as a module
 * worker it answers decode requests, exercising the real worker path (no DOM, geotiff
 * without a pool, createImageBitmap + OffscreenCanvas).
 */
import { decodeImage } from '../../src/embedding/decode-image.ts';
import { isImageError } from '../../src/embedding/image-errors.ts';
import { imageToTensor } from '../../src/embedding/image-to-tensor.ts';
import type { PreprocessSpec } from '../../src/embedding/manifest-types.ts';

export interface DecodeReply {
  ok: boolean;
  error?: { code: string; message: string };
  pixels?: { width: number; height: number; channels: number; bitDepth: number; format: string; data: number[] };
  tensor?: { width: number; height: number; sourceWidth: number; sourceHeight: number; format: string; sum: number };
}

/** Decode (spec absent) or decode + preprocess (spec given); errors as data. */
async function run(bytes: ArrayBuffer, spec?: PreprocessSpec): Promise<DecodeReply> {
  try {
    if (!spec) {
      const p = await decodeImage(bytes);
      const { width, height, channels, bitDepth, format } = p;
      return { ok: true, pixels: { width, height, channels, bitDepth, format, data: Array.from(p.data) } };
    }
    const t = await imageToTensor(bytes, spec);
    let sum = 0;
    for (const v of t.data) sum += v;
    const { width, height, sourceWidth, sourceHeight, format } = t;
    return { ok: true, tensor: { width, height, sourceWidth, sourceHeight, format, sum } };
  } catch (e) {
    const error = isImageError(e) ? e.toData() : { code: 'internal', message: String(e) };
    return { ok: false, error };
  }
}

const isWorker = typeof window === 'undefined';

if (isWorker) {
  self.onmessage = async (ev: MessageEvent<{ id: number; bytes: ArrayBuffer; spec?: PreprocessSpec }>) => {
    const { id, bytes, spec } = ev.data;
    self.postMessage({ id, ...(await run(bytes, spec)) });
  };
} else {
  let worker: Worker | null = null;
  let nextId = 0;
  const pending = new Map<number, (r: DecodeReply) => void>();
  const w = window as unknown as Record<string, unknown>;
  w.decodeInPage = (bytes: number[], spec?: PreprocessSpec) => run(new Uint8Array(bytes).buffer, spec);
  w.decodeInWorker = (bytes: number[], spec?: PreprocessSpec): Promise<DecodeReply> => {
    if (!worker) {
      worker = new Worker(import.meta.url, { type: 'module' });
      worker.onmessage = (ev: MessageEvent<DecodeReply & { id: number }>) => {
        pending.get(ev.data.id)?.(ev.data);
        pending.delete(ev.data.id);
      };
    }
    const id = nextId++;
    const buffer = new Uint8Array(bytes).buffer;
    return new Promise((resolve) => {
      pending.set(id, resolve);
      worker!.postMessage({ id, bytes: buffer, spec }, [buffer]);
    });
  };
  w.decodeReady = true;
}

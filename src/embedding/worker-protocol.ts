/**
 * The typed message protocol between the main thread (`EmbeddingClient`) and the engine
 * worker. Every request carries an `id`; the worker answers each with exactly one response of
 * the same id. Errors travel as data (`EngineErrorData`), never as thrown exceptions, and
 * typed arrays are transferred, not copied.
 */
import type { EngineErrorData } from './engine-errors.ts';
import type { Backend } from './ort-session.ts';

/** Absolute URLs of the ORT runtime files, computed on the main thread from the bundle's own URL. */
export interface OrtAssetUrls {
  wasmMjs: string;
  wasmBinary: string;
  jsepMjs: string;
  jsepBinary: string;
}

export interface EngineConfig {
  manifestUrl: string;
  /** Manifest entry to load; the manifest's default when absent. */
  modelId?: string;
  ortAssets: OrtAssetUrls;
  /** Try WebGPU when an adapter exists (default true). */
  webgpu: boolean;
  /** Keep embeddings in IndexedDB (default true). */
  cache: boolean;
  /** Cap on cached embeddings per browser profile (LRU beyond it). */
  cacheMaxEntries?: number;
}

/** One image to embed: a URL (fetched in the worker, same-origin credentials) or its bytes. */
export interface EmbedItem {
  url?: string;
  bytes?: ArrayBuffer;
  /** Skip the cache lookup (benchmarks of the uncached path). */
  noCache?: boolean;
}

export interface EmbedTimings {
  /** Cache lookup by URL or by content hash. */
  lookupMs: number;
  fetchMs: number;
  decodeMs: number;
  inferMs: number;
  totalMs: number;
}

export type EmbedOutcome =
  | {
      ok: true;
      vector: Float32Array;
      imageKey: string;
      /** 'url': found by URL without fetching; 'content': bytes fetched, found by hash; 'none': computed. */
      cacheHit: 'url' | 'content' | 'none';
      width: number;
      height: number;
      timings: EmbedTimings;
    }
  | { ok: false; error: EngineErrorData };

export interface EngineInfo {
  modelId: string;
  modelName: string;
  trained: boolean;
  embeddingSize: number;
  backend: Backend;
  threads: number;
  /** Why WebGPU is not the backend (no adapter, failed session, disabled). */
  webgpuNote?: string;
  crossOriginIsolated: boolean;
  storage: { persistent: boolean; reason?: string };
  timings: { manifestMs: number; modelMs: number; runtimeMs: number; sessionMs: number; totalMs: number };
  /** Bytes fetched from the network during start-up (0 when model and runtime came from the cache). */
  bytesDownloaded: number;
  modelFromCache: boolean;
}

export type WorkerRequest =
  | { kind: 'init'; id: number; config: EngineConfig }
  | { kind: 'embed'; id: number; items: EmbedItem[] }
  | { kind: 'vectors'; id: number }
  /** A small 8-bit RGBA picture of an image browsers cannot draw (TIFF), for thumbnails. */
  | { kind: 'thumbnail'; id: number; url: string; maxSide: number }
  | { kind: 'crash'; id: number };

export type WorkerResponse =
  | { kind: 'ready'; id: number; info: EngineInfo }
  | { kind: 'embedded'; id: number; outcomes: EmbedOutcome[] }
  | { kind: 'vectors'; id: number; keys: string[]; vectors: Float32Array[] }
  | { kind: 'thumbnail'; id: number; width: number; height: number; rgba: Uint8ClampedArray<ArrayBuffer> }
  | { kind: 'error'; id: number; error: EngineErrorData };

/** Typed arrays inside a response, for the transfer list. */
export function transferablesOf(response: WorkerResponse): Transferable[] {
  switch (response.kind) {
    case 'embedded':
      return response.outcomes.flatMap((o) => (o.ok ? [o.vector.buffer as ArrayBuffer] : []));
    case 'vectors':
      return response.vectors.map((v) => v.buffer as ArrayBuffer);
    case 'thumbnail':
      return [response.rgba.buffer];
    case 'ready':
    case 'error':
      return [];
  }
}

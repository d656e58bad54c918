/**
 * Platform detection, in one place. Everything that asks "can this browser do X?" (WebGPU,
 * WASM threads, IndexedDB, the Cache API, crypto.subtle) reads the frozen object this module
 * returns, and nothing else in the code base touches `navigator.gpu`, `crossOriginIsolated`
 * or `indexedDB` directly for feature detection. Works in a page and in a worker.
 */

export interface WebGpuInfo {
  /** True when `navigator.gpu.requestAdapter()` returned an adapter. */
  available: boolean;
  /** Vendor/architecture/description when the browser tells; `fallback` marks software adapters (SwiftShader). */
  adapter?: { vendor: string; architecture: string; description: string; isFallbackAdapter: boolean };
  /** Why WebGPU is not used: not exposed, no adapter, or the request threw. */
  reason?: string;
}

export interface Platform {
  webgpu: WebGpuInfo;
  /** COOP+COEP in force: SharedArrayBuffer exists, so ORT can run WASM threads. */
  crossOriginIsolated: boolean;
  hardwareConcurrency: number;
  /** The WASM thread count ORT should use: min(cores, 4) when isolated, else 1. */
  wasmThreads: number;
  indexedDB: boolean;
  cacheApi: boolean;
  /** crypto.subtle needs a secure context (https or localhost). */
  subtleCrypto: boolean;
  /** True inside a (dedicated) worker. */
  inWorker: boolean;
}

/** Upper bound on WASM threads: ORT's speed-up flattens beyond 4 and the page needs cores too. */
export const MAX_WASM_THREADS = 4;

interface GpuAdapterLike {
  info?: { vendor?: string; architecture?: string; description?: string; isFallbackAdapter?: boolean };
  isFallbackAdapter?: boolean;
}
interface GpuLike {
  requestAdapter(options?: { powerPreference?: 'high-performance' | 'low-power' }): Promise<GpuAdapterLike | null>;
}

async function detectWebGpu(allow: boolean): Promise<WebGpuInfo> {
  if (!allow) return { available: false, reason: 'WebGPU disabled by the options' };
  const gpu = (globalThis.navigator as (Navigator & { gpu?: GpuLike }) | undefined)?.gpu;
  if (!gpu) return { available: false, reason: 'this browser does not expose WebGPU (navigator.gpu)' };
  try {
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter) return { available: false, reason: 'no WebGPU adapter (no usable GPU or it is blocklisted)' };
    const info = adapter.info ?? {};
    return {
      available: true,
      adapter: {
        vendor: info.vendor ?? '',
        architecture: info.architecture ?? '',
        description: info.description ?? '',
        isFallbackAdapter: Boolean(info.isFallbackAdapter ?? adapter.isFallbackAdapter),
      },
    };
  } catch (error) {
    return { available: false, reason: `WebGPU adapter request failed: ${(error as Error)?.message ?? error}` };
  }
}

let cached: Promise<Readonly<Platform>> | undefined;

/**
 * Detect once per realm (page or worker); later calls return the same frozen object.
 * `allowWebGpu: false` skips the adapter request (it can take ~100 ms and wake a GPU).
 */
export function detectPlatform(options: { allowWebGpu?: boolean } = {}): Promise<Readonly<Platform>> {
  cached ??= (async () => {
    const g = globalThis as typeof globalThis & { crossOriginIsolated?: boolean; WorkerGlobalScope?: unknown };
    const isolated = g.crossOriginIsolated === true;
    const cores = Math.max(1, globalThis.navigator?.hardwareConcurrency ?? 1);
    const platform: Platform = {
      webgpu: await detectWebGpu(options.allowWebGpu ?? true),
      crossOriginIsolated: isolated,
      hardwareConcurrency: cores,
      wasmThreads: isolated ? Math.min(cores, MAX_WASM_THREADS) : 1,
      indexedDB: typeof g.indexedDB !== 'undefined',
      cacheApi: typeof g.caches !== 'undefined',
      subtleCrypto: typeof g.crypto?.subtle?.digest === 'function',
      inWorker: typeof g.WorkerGlobalScope !== 'undefined' && typeof (g as { document?: unknown }).document === 'undefined',
    };
    return Object.freeze({ ...platform, webgpu: Object.freeze(platform.webgpu) });
  })();
  return cached;
}

/** For tests only: forget the detected platform so the next call detects again. */
export function resetPlatformForTests(): void {
  cached = undefined;
}

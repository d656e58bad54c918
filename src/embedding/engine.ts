/**
 * The embedding engine as it runs inside the worker: start-up (manifest, model bytes with
 * integrity check, ORT runtime, session with WebGPU → WASM fallback) and `embed` with the
 * IndexedDB cache in front of it. Message plumbing is in `embed-worker.ts`; this file holds
 * the behaviour so it reads top to bottom.
 *
 * Cache order for a URL: (1) URL index → vector, no network at all; (2) fetch the bytes,
 * hash them, content index → vector (same image under another URL); (3) decode, preprocess,
 * run the model, store under both keys.
 */
import { detectPlatform } from '../platform/detect-platform.ts';
import { openStore, type Store } from '../store/open-db.ts';
import { imageToTensor } from './image-to-tensor.ts';
import { EngineError, toEngineErrorData } from './engine-errors.ts';
import { loadManifest, modelFileUrl, selectModel, verifyModelBytes } from './manifest.ts';
import type { ModelEntry } from './manifest-types.ts';
import { EmbeddingSession, type Backend, type OrtModule } from './ort-session.ts';
import { fetchRuntimeBinary } from './runtime-binary.ts';
import { sha256Hex } from '../store/sha256.ts';
import type { EmbedItem, EmbedOutcome, EngineConfig, EngineInfo } from './worker-protocol.ts';

interface FetchedAsset {
  bytes: ArrayBuffer;
  fromCache: boolean;
}

/** Load the ORT build for a backend. Both builds are bundled into the worker; only one is evaluated. */
async function importOrt(backend: Backend): Promise<OrtModule> {
  return backend === 'webgpu'
    ? ((await import('onnxruntime-web')) as unknown as OrtModule)
    : ((await import('onnxruntime-web/wasm')) as unknown as OrtModule);
}

/** Explain a failed image fetch in words that say what to configure. */
function describeFetchFailure(url: string, error: unknown): EngineError {
  let crossOrigin = false;
  try {
    crossOrigin = new URL(url, self.location.href).origin !== self.location.origin;
  } catch {
    return new EngineError('image-blocked', `the image URL "${url}" is not a valid URL`);
  }
  if (crossOrigin) {
    return new EngineError('image-blocked',
      `the image ${url} could not be fetched from this page (${(error as Error)?.message ?? error}): it is on another origin, ` +
      `so that server must send CORS headers (Access-Control-Allow-Origin: ${self.location.origin}), or serve images ` +
      `through Label Studio (same origin)`);
  }
  return new EngineError('image-blocked',
    `the image ${url} could not be fetched (${(error as Error)?.message ?? error}): the server is unreachable or the browser is offline`);
}

const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d];

/**
 * A server that answers every path with its index page (SPA fallback) turns a wrong runtime
 * URL into HTML with status 200; catch that here, by content, and drop it from the cache.
 */
async function checkRuntimeFiles(
  store: Store, mjs: FetchedAsset, wasm: FetchedAsset, [mjsUrl, wasmUrl]: [string, string],
): Promise<void> {
  const head = new Uint8Array(wasm.bytes, 0, Math.min(4, wasm.bytes.byteLength));
  const firstChar = new TextDecoder().decode(new Uint8Array(mjs.bytes, 0, Math.min(64, mjs.bytes.byteLength))).trimStart()[0];
  const badWasm = !WASM_MAGIC.every((b, i) => head[i] === b);
  const badMjs = firstChar === '<';
  if (!badWasm && !badMjs) return;
  await Promise.all([store.assets.delete(mjsUrl), store.assets.delete(wasmUrl)]);
  throw new EngineError('model-missing',
    `the onnxruntime file ${badWasm ? wasmUrl : mjsUrl} is not ${badWasm ? 'WebAssembly' : 'JavaScript'} ` +
    '(the server answered with a page instead): serve the ORT .wasm/.mjs files that `npm run build` writes next to cyto-ml.js');
}

export class Engine {
  private constructor(
    private readonly entry: ModelEntry,
    private session: EmbeddingSession,
    private readonly store: Store,
    readonly info: EngineInfo,
    private readonly useCache: boolean,
  ) {}

  static async start(config: EngineConfig): Promise<Engine> {
    const started = performance.now();
    const platform = await detectPlatform({ allowWebGpu: config.webgpu });
    const store = await openStore({ maxEmbeddings: config.cacheMaxEntries });
    let bytesDownloaded = 0;
    const getAsset = async (url: string, fetchImpl?: (url: string) => Promise<Response>): Promise<FetchedAsset> => {
      const asset = await store.assets.getOrFetch(url, fetchImpl ? { fetchImpl } : {});
      if (!asset.fromCache) bytesDownloaded += asset.bytes.byteLength;
      return asset;
    };

    const t0 = performance.now();
    const manifest = await loadManifest(config.manifestUrl);
    const entry = selectModel(manifest, config.modelId);
    const manifestMs = performance.now() - t0;

    const t1 = performance.now();
    const modelUrl = modelFileUrl(config.manifestUrl, entry);
    let model: FetchedAsset;
    try {
      model = await getAsset(modelUrl);
    } catch (error) {
      throw new EngineError('model-missing',
        `could not load model file ${entry.file} from ${modelUrl} (${(error as Error).message}); ` +
        'run `npm run models` (generated models) or put the exported file next to the manifest');
    }
    try {
      await verifyModelBytes(entry, model.bytes);
    } catch (error) {
      // A corrupt file must not stay cached: the next load fetches it again.
      await store.assets.delete(modelUrl);
      throw error;
    }
    const modelMs = performance.now() - t1;

    let backend: Backend = platform.webgpu.available ? 'webgpu' : 'wasm';
    let webgpuNote = platform.webgpu.available ? undefined : platform.webgpu.reason;
    const t2 = performance.now();
    let session: EmbeddingSession | undefined;
    let runtimeMs = 0;
    const createFor = async (which: Backend): Promise<EmbeddingSession> => {
      const r0 = performance.now();
      const [mjs, wasm, ort] = await Promise.all([
        getAsset(which === 'webgpu' ? config.ortAssets.jsepMjs : config.ortAssets.wasmMjs),
        // Shipped gzipped; the cache keeps the inflated bytes, so later starts inflate nothing.
        getAsset(which === 'webgpu' ? config.ortAssets.jsepBinary : config.ortAssets.wasmBinary, fetchRuntimeBinary),
        importOrt(which),
      ]);
      await checkRuntimeFiles(store, mjs, wasm, which === 'webgpu'
        ? [config.ortAssets.jsepMjs, config.ortAssets.jsepBinary]
        : [config.ortAssets.wasmMjs, config.ortAssets.wasmBinary]);
      // The glue is imported from a blob URL: same origin as this worker whatever served the plugin.
      const mjsUrl = URL.createObjectURL(new Blob([mjs.bytes], { type: 'text/javascript' }));
      runtimeMs += performance.now() - r0;
      return EmbeddingSession.create(ort, entry, model.bytes.slice(0), {
        backend: which,
        threads: which === 'webgpu' ? 1 : platform.wasmThreads,
        assets: { mjsUrl, wasmBinary: wasm.bytes },
      });
    };
    if (backend === 'webgpu') {
      try {
        session = await createFor('webgpu');
      } catch (error) {
        webgpuNote = `WebGPU failed, using WASM: ${toEngineErrorData(error).message}`;
        backend = 'wasm';
      }
    }
    session ??= await createFor('wasm');
    const sessionMs = performance.now() - t2 - runtimeMs;

    const info: EngineInfo = {
      modelId: entry.id,
      modelName: entry.name,
      trained: entry.trained,
      embeddingSize: entry.embeddingSize,
      backend,
      threads: session.info.threads,
      ...(webgpuNote ? { webgpuNote } : {}),
      crossOriginIsolated: platform.crossOriginIsolated,
      storage: store.persistent ? { persistent: true } : { persistent: false, reason: store.reason },
      timings: { manifestMs, modelMs, runtimeMs, sessionMs, totalMs: performance.now() - started },
      bytesDownloaded,
      modelFromCache: model.fromCache,
    };
    return new Engine(entry, session, store, info, config.cache);
  }

  /**
   * Embed several images. Cache hits return at once; the rest are decoded, then run through
   * the model in batches of images that share a tensor size (native-size models can only
   * batch equal sizes). Each item gets its own outcome: one bad image never fails the others.
   */
  async embed(items: EmbedItem[]): Promise<EmbedOutcome[]> {
    const outcomes: EmbedOutcome[] = new Array(items.length);
    interface Pending {
      index: number;
      url?: string;
      imageKey: string;
      tensor: Float32Array;
      width: number;
      height: number;
      timings: { lookupMs: number; fetchMs: number; decodeMs: number; started: number };
    }
    const pending: Pending[] = [];
    await Promise.all(items.map(async (item, index) => {
      const started = performance.now();
      try {
        let lookupMs = 0;
        const useCache = this.useCache && !item.noCache;
        if (item.url && useCache) {
          const t = performance.now();
          const hit = await this.store.embeddings.getByUrl(this.entry.id, item.url);
          lookupMs += performance.now() - t;
          if (hit) {
            outcomes[index] = {
              ok: true, vector: hit.vector.slice(), imageKey: hit.imageKey, cacheHit: 'url', width: hit.width, height: hit.height,
              timings: { lookupMs, fetchMs: 0, decodeMs: 0, inferMs: 0, totalMs: performance.now() - started },
            };
            return;
          }
        }
        const t1 = performance.now();
        const bytes = item.bytes ?? (await this.fetchImage(item.url ?? ''));
        const fetchMs = performance.now() - t1;
        const t2 = performance.now();
        const imageKey = await sha256Hex(bytes);
        if (useCache) {
          const hit = await this.store.embeddings.get(this.entry.id, imageKey);
          lookupMs += performance.now() - t2;
          if (hit) {
            if (item.url) await this.store.embeddings.put({ modelId: this.entry.id, imageKey, url: item.url, vector: hit.vector, width: hit.width, height: hit.height });
            outcomes[index] = {
              ok: true, vector: hit.vector.slice(), imageKey, cacheHit: 'content', width: hit.width, height: hit.height,
              timings: { lookupMs, fetchMs, decodeMs: 0, inferMs: 0, totalMs: performance.now() - started },
            };
            return;
          }
        }
        const t3 = performance.now();
        const tensor = await imageToTensor(bytes, this.entry.preprocess);
        pending.push({
          index, url: item.url, imageKey, tensor: tensor.data, width: tensor.width, height: tensor.height,
          timings: { lookupMs, fetchMs, decodeMs: performance.now() - t3, started },
        });
      } catch (error) {
        outcomes[index] = { ok: false, error: toEngineErrorData(error) };
      }
    }));

    // Group by tensor size so each group is one batched ORT run.
    const groups = new Map<string, Pending[]>();
    for (const p of pending) {
      const key = `${p.height}x${p.width}`;
      groups.set(key, [...(groups.get(key) ?? []), p]);
    }
    for (const group of groups.values()) {
      const t = performance.now();
      let vectors: Float32Array[];
      try {
        vectors = await this.session.run(group.map((p) => p.tensor), group[0].height, group[0].width);
      } catch (error) {
        for (const p of group) outcomes[p.index] = { ok: false, error: toEngineErrorData(error) };
        continue;
      }
      const inferMs = (performance.now() - t) / group.length;
      const toStore = group.map((p, i) => ({
        modelId: this.entry.id, imageKey: p.imageKey, url: p.url, vector: vectors[i], width: p.width, height: p.height,
      }));
      if (this.useCache) await this.store.embeddings.putMany(toStore);
      group.forEach((p, i) => {
        outcomes[p.index] = {
          ok: true, vector: vectors[i], imageKey: p.imageKey, cacheHit: 'none', width: p.width, height: p.height,
          timings: { ...p.timings, inferMs, totalMs: performance.now() - p.timings.started },
        };
      });
    }
    return outcomes;
  }

  /** Every cached embedding of this model (for k-means fits and neighbours). */
  async allVectors(): Promise<{ keys: string[]; vectors: Float32Array[] }> {
    return this.store.embeddings.getAll(this.entry.id);
  }

  private async fetchImage(url: string): Promise<ArrayBuffer> {
    if (!url) throw new EngineError('image-invalid', 'the task has no image URL');
    let response: Response;
    try {
      // Same-origin requests carry Label Studio's session cookie, so /data/upload/ images work.
      response = await fetch(url, { credentials: 'same-origin' });
    } catch (error) {
      throw describeFetchFailure(url, error);
    }
    if (response.status === 404) {
      throw new EngineError('image-not-found', `the image ${url} does not exist (HTTP 404); check the task's data`);
    }
    if (!response.ok) {
      const hint = response.status === 401 || response.status === 403
        ? 'you may need to log in to Label Studio again, or the storage needs credentials'
        : 'the image server failed; try again later';
      throw new EngineError('image-http-error', `the image ${url} answered HTTP ${response.status}; ${hint}`);
    }
    return response.arrayBuffer();
  }
}

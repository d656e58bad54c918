/**
 * Loads embeddings computed outside the browser (`npm run import -- --embed`, served by the
 * shim, see src/shim/embedding-files.ts) into this browser's IndexedDB embedding cache, once per
 * project and model, when the plugin first opens a task of the project. Afterwards every image
 * of the project is a cache hit by content (the engine hashes the fetched bytes and finds the
 * vector): no model run, so a 20,000-image project is clustered and pre-annotated without this
 * laptop embedding it.
 *
 * Idempotent without bookkeeping: a part is written in chunked transactions in key order, so
 * when its last image key is in the cache the whole part is, and it is skipped. Each page load
 * reads the part list (one small GET) and each part once; parts are immutable (content-addressed
 * names, served `immutable`), so the browser's HTTP cache answers the repeats.
 *
 * Never throws: no shim, no parts, a 404 or a corrupt part leave the cache as it was, and the
 * plugin embeds as usual (the reason is returned, and logged once).
 */
import { decodeEmbeddingPart } from './embedding-file.ts';
import type { EmbeddingCache, EmbeddingInput } from './embedding-cache.ts';

/** How long the part list may take before the plugin goes on without imported embeddings. */
const LISTING_TIMEOUT_MS = 5000;

/** Vectors per IndexedDB transaction (bounded memory and transaction size). */
const PUT_CHUNK = 2000;

/** What an import did. */
export interface EmbeddingImportResult {
  parts: number;
  /** Vectors written to the cache. */
  imported: number;
  /** Parts already in the cache. */
  skippedParts: number;
  /** Why nothing could be imported, when that happened. */
  error?: string;
}

/** Imports the parts of one project and model (see the module comment). */
export async function importProjectEmbeddings(
  shimUrl: string, project: string, modelId: string, cache: EmbeddingCache, fetchImpl: typeof fetch = fetch,
): Promise<EmbeddingImportResult> {
  const result: EmbeddingImportResult = { parts: 0, imported: 0, skippedParts: 0 };
  const base = `${shimUrl.replace(/\/+$/, '')}/embeddings/${encodeURIComponent(project)}/${encodeURIComponent(modelId)}`;
  try {
    // Bounded: the first task of a project waits for this; a shim that does not answer must not stall it.
    const listing = await fetchImpl(base, { credentials: 'same-origin', signal: AbortSignal.timeout(LISTING_TIMEOUT_MS) });
    if (!listing.ok) return { ...result, error: `the shim answered HTTP ${listing.status} for ${base}` };
    const { parts } = (await listing.json()) as { parts: Array<{ name: string }> };
    result.parts = parts.length;
    for (const { name } of parts) {
      const response = await fetchImpl(`${base}/${encodeURIComponent(name)}`, { credentials: 'same-origin' });
      if (!response.ok) throw new Error(`part ${name}: HTTP ${response.status}`);
      const part = decodeEmbeddingPart(await response.arrayBuffer());
      if (part.header.modelId !== modelId) throw new Error(`part ${name} holds model ${part.header.modelId}, not ${modelId}`);
      const { imageKeys, sizes } = part.header;
      if (imageKeys.length === 0) continue;
      // One lookup per part (it counts in the cache's own hit/miss stats, not the plugin's).
      if (await cache.get(modelId, imageKeys[imageKeys.length - 1])) {
        result.skippedParts++;
        continue;
      }
      for (let start = 0; start < imageKeys.length; start += PUT_CHUNK) {
        const inputs: EmbeddingInput[] = [];
        for (let i = start; i < Math.min(imageKeys.length, start + PUT_CHUNK); i++) {
          inputs.push({ modelId, imageKey: imageKeys[i], vector: part.vectors[i], width: sizes[i][0], height: sizes[i][1] });
        }
        await cache.putMany(inputs);
        result.imported += inputs.length;
      }
    }
    return result;
  } catch (error) {
    return { ...result, error: (error as Error).message ?? String(error) };
  }
}

const done = new Map<string, Promise<EmbeddingImportResult>>();

/**
 * The plugin's hook: imports a project's parts once per page (later calls share the first
 * call's promise). Does nothing without a shim URL.
 */
export function importProjectEmbeddingsOnce(
  shimUrl: string | undefined, project: string, modelId: string, cache: Promise<{ embeddings: EmbeddingCache }>,
): Promise<EmbeddingImportResult | undefined> {
  if (!shimUrl) return Promise.resolve(undefined);
  const key = `${shimUrl}\u0000${project}\u0000${modelId}`;
  let running = done.get(key);
  if (!running) {
    running = cache.then((store) => importProjectEmbeddings(shimUrl, project, modelId, store.embeddings)).then((r) => {
      if (r.error) console.warn(`cyto-ml: pre-computed embeddings of project ${project} not imported: ${r.error}`);
      return r;
    });
    done.set(key, running);
  }
  return running;
}

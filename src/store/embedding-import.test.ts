import { describe, expect, it } from 'vitest';
import { MemoryEmbeddingCache } from './embedding-cache.ts';
import { encodeEmbeddingPart } from './embedding-file.ts';
import { importProjectEmbeddings } from './embedding-import.ts';

const key = (i: number) => i.toString(16).padStart(64, '0');

/** A fetch that serves parts like the shim's routes, counting requests. */
function fakeShim(parts: Record<string, Uint8Array>) {
  const requests: string[] = [];
  const fetchImpl = (async (input: string) => {
    requests.push(input);
    const url = new URL(input, 'http://shim');
    const segments = url.pathname.split('/').filter(Boolean);
    if (segments.length === 4) return Response.json({ parts: Object.keys(parts).map((name) => ({ name, bytes: parts[name].length })) });
    const bytes = parts[segments[4]];
    return bytes ? new Response(bytes as Uint8Array<ArrayBuffer>) : new Response('no', { status: 404 });
  }) as unknown as typeof fetch;
  return { fetchImpl, requests };
}

describe('importProjectEmbeddings', () => {
  const items = Array.from({ length: 5 }, (_, i) => ({ imageKey: key(i), vector: Float32Array.of(i, i + 0.5), width: 128, height: 128 }));
  const part = encodeEmbeddingPart('model-a', 2, items);

  it('puts every vector under the browser key (model, content hash), once', async () => {
    const cache = new MemoryEmbeddingCache();
    const shim = fakeShim({ 'part-0000000000000001.cyemb': part });
    const first = await importProjectEmbeddings('/cyto-ml', '7', 'model-a', cache, shim.fetchImpl);
    expect(first).toEqual({ parts: 1, imported: 5, skippedParts: 0 });
    expect(shim.requests[0]).toBe('/cyto-ml/embeddings/7/model-a');
    const hit = await cache.get('model-a', key(3));
    expect(Array.from(hit!.vector)).toEqual([3, 3.5]);
    expect([hit!.width, hit!.height]).toEqual([128, 128]);

    const second = await importProjectEmbeddings('/cyto-ml', '7', 'model-a', cache, shim.fetchImpl);
    expect(second).toEqual({ parts: 1, imported: 0, skippedParts: 1 });
    expect(await cache.count('model-a')).toBe(5);
  });

  it('reports, never throws, for a missing shim route, another model or a corrupt part', async () => {
    const cache = new MemoryEmbeddingCache();
    const notFound = (async () => new Response('', { status: 404 })) as unknown as typeof fetch;
    expect((await importProjectEmbeddings('/s', '1', 'model-a', cache, notFound)).error).toMatch(/HTTP 404/);
    const other = fakeShim({ 'part-0000000000000002.cyemb': part });
    expect((await importProjectEmbeddings('/s', '1', 'model-b', cache, other.fetchImpl)).error).toMatch(/holds model model-a, not model-b/);
    const corrupt = fakeShim({ 'part-0000000000000003.cyemb': new TextEncoder().encode('garbage!!!!!!!!') });
    expect((await importProjectEmbeddings('/s', '1', 'model-a', cache, corrupt.fetchImpl)).error).toMatch(/not an embedding part/);
    expect(await cache.count('model-a')).toBe(0);
  });
});

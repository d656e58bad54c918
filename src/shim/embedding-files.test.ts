import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EmbeddingPartWriter } from '../import/embedding-parts.ts';
import { decodeEmbeddingPart, encodeEmbeddingPart } from '../store/embedding-file.ts';
import { partName } from './embedding-files.ts';
import type { RunningShim } from './server.ts';
import { makeTempDirs, startTestShim, type TempDirs } from './test-fixtures.ts';

const key = (i: number) => i.toString(16).padStart(64, '0');
const items = (n: number) => Array.from({ length: n }, (_, i) => ({ imageKey: key(i + 1), vector: Float32Array.of(i, -i), width: 8, height: 8 }));

describe('shim: embedding part routes (real HTTP)', () => {
  let dirs: TempDirs;
  let shim: RunningShim;
  beforeEach(async () => {
    dirs = await makeTempDirs();
    shim = await startTestShim(dirs, { labelStudioUrl: 'http://127.0.0.1:9' });
  });
  afterEach(async () => {
    await shim.close();
    await dirs.cleanup();
  });

  it('stores parts the import PUTs and serves them to the plugin, on the shim and through the proxy', async () => {
    const writer = new EmbeddingPartWriter('model-a', 2, { shim: { url: shim.url, project: '12' } }, 3);
    await writer.add(items(5));
    await writer.close();
    expect(writer.written).toHaveLength(2);
    for (const base of [shim.url, `${shim.proxyUrl}/cyto-ml`]) {
      const listing = (await (await fetch(`${base}/embeddings/12/model-a`)).json()) as { parts: Array<{ name: string }> };
      expect(listing.parts.map((p) => p.name)).toEqual([...writer.written].sort());
      const part = decodeEmbeddingPart(await (await fetch(`${base}/embeddings/12/model-a/${writer.written[1]}`)).arrayBuffer());
      expect(part.header.imageKeys).toEqual([key(4), key(5)]);
    }
    expect((await (await fetch(`${shim.url}/embeddings/99/model-a`)).json())).toEqual({ parts: [] });
  });

  it('refuses a wrong name, another model, garbage and path tricks, and keeps serving', async () => {
    const bytes = encodeEmbeddingPart('model-a', 2, items(2));
    const put = (path: string, body: Uint8Array) => fetch(`${shim.url}${path}`, { method: 'PUT', headers: { 'Content-Type': 'application/octet-stream' }, body: body as Uint8Array<ArrayBuffer> });
    expect((await put('/embeddings/1/model-a/part-0000000000000000.cyemb', bytes)).status).toBe(400);
    const wrongModel = await put(`/embeddings/1/model-b/${partName(bytes)}`, bytes);
    expect(wrongModel.status).toBe(400);
    expect(await wrongModel.text()).toMatch(/model model-a, not model-b/);
    const garbage = new TextEncoder().encode('not a part at all');
    const bad = await put(`/embeddings/1/model-a/${partName(garbage)}`, garbage);
    expect(await bad.text()).toMatch(/not a valid embedding part/);
    expect((await fetch(`${shim.url}/embeddings/..%2F..%2Fetc/model-a`)).status).toBe(400);
    expect((await put(`/embeddings/1/model-a/${partName(bytes)}`, bytes)).status).toBe(201);
    expect((await fetch(`${shim.url}/health`)).ok).toBe(true);
  });
});

describe('shim: embedding part writes with auth on', () => {
  it('refuses a PUT and reads without the basic-auth pair, and stores and serves with it', async () => {
    const dirs = await makeTempDirs();
    const shim = await startTestShim(dirs, { labelStudioUrl: 'http://127.0.0.1:9', basicAuth: { user: 'u', pass: 'p' } });
    try {
      const bytes = encodeEmbeddingPart('model-a', 2, items(2));
      const url = `${shim.url}/embeddings/7/model-a/${partName(bytes)}`;
      const put = (headers: Record<string, string>) =>
        fetch(url, { method: 'PUT', headers: { 'Content-Type': 'application/octet-stream', ...headers }, body: bytes as Uint8Array<ArrayBuffer> });
      expect((await put({})).status).toBe(401);
      const basic = { Authorization: `Basic ${Buffer.from('u:p').toString('base64')}` };
      expect((await put(basic)).status).toBe(201);
      // Reads need the same authorisation as writes (issue 19): the parts hold image hashes and vectors.
      expect((await fetch(`${shim.url}/embeddings/7/model-a`)).status).toBe(401);
      expect((await fetch(`${shim.url}/embeddings/7/model-a/${partName(bytes)}`)).status).toBe(401);
      expect((await fetch(`${shim.url}/embeddings/7/model-a/${partName(bytes)}`, { headers: basic })).status).toBe(200);
      const listing = (await (await fetch(`${shim.url}/embeddings/7/model-a`, { headers: basic })).json()) as { parts: Array<{ name: string }> };
      expect(listing.parts.map((p) => p.name)).toEqual([partName(bytes)]);
    } finally {
      await shim.close();
      await dirs.cleanup();
    }
  });
});

/**
 * Embedding part files (`src/store/embedding-file.ts`) computed outside the browser by
 * `npm run import -- --embed` (or a Ray/Spark job), served to the plugin, which loads them into
 * its IndexedDB cache on the first open of a project (`src/store/embedding-import.ts`).
 *
 *   GET /embeddings/:project/:model          → {parts: [{name, bytes}]}, sorted by name
 *   GET /embeddings/:project/:model/:part    → the part's bytes
 *   PUT /embeddings/:project/:model/:part    → stores a part (application/octet-stream)
 *
 * Parts live in `<data dir>/embeddings/<project>/<model>/`. A PUT is checked before it is kept:
 * it must decode as a part of this model, and its name must be `part-<first 16 hex digits of
 * the body's SHA-256>.cyemb`, so a name never points at other content and a re-sent part is a
 * no-op. Written to a temporary file and renamed, so a reader never sees half a part.
 *
 * Writes are checked like relay writes (relay-auth.ts): with auth on, a PUT needs the basic-auth
 * pair or a Label Studio login that Label Studio confirms for that project. A 201 means the part
 * is on disk (fsync'd before the rename); a full disk answers 507 and leaves nothing behind.
 */
import { createHash } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyPluginAsync } from 'fastify';
import type { RelayAuthorizer } from './relay-auth.ts';
import { decodeEmbeddingPart, EmbeddingFileError, PART_EXTENSION } from '../store/embedding-file.ts';

/** Largest part accepted: 5,000 vectors of 2,048 floats plus the header (ResNet50). */
export const EMBEDDING_PART_LIMIT = 64 * 1024 * 1024;

/** Project ids and model ids as path segments: no separators, no dot-dot. */
const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const PART = /^part-[0-9a-f]{16}\.cyemb$/;

/** Options of {@link embeddingFileRoutes}. */
export interface EmbeddingFileRoutesOptions {
  /** The shim's data folder; parts go to its `embeddings/` subfolder. */
  dataDir: string;
  /** Checks writers when auth is on; absent: writes are open (no basic auth configured). */
  authorize?: RelayAuthorizer;
}

/** The part name for these bytes. */
export function partName(bytes: Uint8Array): string {
  return `part-${createHash('sha256').update(bytes).digest('hex').slice(0, 16)}${PART_EXTENSION}`;
}

/** Fastify plugin with the three routes above (mount under a prefix in proxy mode). */
export const embeddingFileRoutes: FastifyPluginAsync<EmbeddingFileRoutesOptions> = async (app, { dataDir, authorize }) => {
  const root = join(dataDir, 'embeddings');
  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer', bodyLimit: EMBEDDING_PART_LIMIT }, (_req, body, done) => done(null, body));

  const folder = (params: { project: string; model: string }): string | null =>
    SEGMENT.test(params.project) && SEGMENT.test(params.model) ? join(root, params.project, params.model) : null;
  const badSegment = { error: 'project and model must be plain names (letters, digits, ".", "_", "-")' };

  app.get<{ Params: { project: string; model: string } }>('/embeddings/:project/:model', async (request, reply) => {
    const dir = folder(request.params);
    if (!dir) return reply.code(400).send(badSegment);
    let names: string[] = [];
    try {
      names = (await readdir(dir)).filter((n) => PART.test(n)).sort();
    } catch {
      // No folder: nothing imported for this project and model.
    }
    const parts = await Promise.all(names.map(async (name) => ({ name, bytes: (await stat(join(dir, name))).size })));
    return { parts };
  });

  app.get<{ Params: { project: string; model: string; part: string } }>('/embeddings/:project/:model/:part', async (request, reply) => {
    const dir = folder(request.params);
    if (!dir || !PART.test(request.params.part)) return reply.code(400).send(badSegment);
    try {
      const bytes = await readFile(join(dir, request.params.part));
      // Content-addressed names: a part never changes.
      return reply.type('application/octet-stream').header('Cache-Control', 'public, max-age=31536000, immutable').send(bytes);
    } catch {
      return reply.code(404).send({ error: `no part ${request.params.part} for ${request.params.project}/${request.params.model}` });
    }
  });

  app.put<{ Params: { project: string; model: string; part: string }; Body: Buffer }>('/embeddings/:project/:model/:part', async (request, reply) => {
    const dir = folder(request.params);
    if (!dir || !PART.test(request.params.part)) return reply.code(400).send({ error: 'the part name must be part-<16 hex>.cyemb' });
    const body = request.body;
    if (!Buffer.isBuffer(body)) return reply.code(415).send({ error: 'send the part as application/octet-stream' });
    const expected = partName(body);
    if (expected !== request.params.part) {
      return reply.code(400).send({ error: `the part's name must be ${expected} (the first 16 hex digits of its SHA-256)` });
    }
    try {
      const part = decodeEmbeddingPart(body);
      if (part.header.modelId !== request.params.model) {
        return reply.code(400).send({ error: `the part holds embeddings of model ${part.header.modelId}, not ${request.params.model}` });
      }
    } catch (error) {
      if (error instanceof EmbeddingFileError) return reply.code(400).send({ error: `not a valid embedding part: ${error.message}` });
      throw error;
    }
    if (authorize) {
      const verdict = await authorize(request, [request.params.project]);
      if (!verdict.ok) return reply.code(verdict.status).send({ error: verdict.error });
    }
    const target = join(dir, expected);
    const temporary = `${target}.${process.pid}.${Date.now()}.tmp`;
    try {
      await mkdir(dir, { recursive: true });
      const file = await open(temporary, 'w');
      try {
        await file.writeFile(body);
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(temporary, target);
    } catch (error) {
      await rm(temporary, { force: true });
      request.log.error({ err: error }, 'embedding part not stored');
      return reply.code(507).send({ error: 'not stored: the shim could not write to its data dir (disk full?); free space there, then send the part again' });
    }
    return reply.code(201).send({ name: expected, bytes: body.length });
  });
};

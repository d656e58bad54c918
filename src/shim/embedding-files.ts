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
import { createHash, randomUUID } from 'node:crypto';
import { constants, createReadStream } from 'node:fs';
import type { Stats } from 'node:fs';
import { lstat, mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { RelayAuthorizer } from './relay-auth.ts';
import { checkEmbeddingPartHeader, EmbeddingFileError, PART_EXTENSION } from '../store/embedding-file.ts';

/** Largest part accepted: 5,000 vectors of 2,048 floats plus the header (ResNet50). */
export const EMBEDDING_PART_LIMIT = 64 * 1024 * 1024;
/** Largest part header read (5,000 image keys and sizes take about 400 KB). */
const HEADER_LIMIT = 8 * 1024 * 1024;

/** Project ids and model ids as path segments: no separators, no dot-dot. */
const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const PART = /^part-[0-9a-f]{16}\.cyemb$/;

/** Options of {@link embeddingFileRoutes}. */
export interface EmbeddingFileRoutesOptions {
  /** The shim's data folder; parts go to its `embeddings/` subfolder. */
  dataDir: string;
  /** Checks readers and writers when auth is on; absent: the routes are open (no basic auth configured). */
  authorize?: RelayAuthorizer;
}

/** The part name for these bytes. */
export function partName(bytes: Uint8Array): string {
  return `part-${createHash('sha256').update(bytes).digest('hex').slice(0, 16)}${PART_EXTENSION}`;
}

/** A client error of an upload, with its status. */
class UploadError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/**
 * Streams an upload into `temporary` (created exclusively, fsync'd), hashing and counting it on
 * the way and keeping only the part's header bytes in memory: the event loop does 64 KiB of work
 * at a time, however large the part.
 */
async function receivePart(body: Readable, temporary: string): Promise<{ name: string; bytes: number; prefix: Buffer }> {
  const hash = createHash('sha256');
  const head: Buffer[] = [];
  let headBytes = 0;
  let wanted = 12; // magic and header length first, then the header
  let bytes = 0;
  const file = await open(temporary, 'wx');
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      if (bytes > EMBEDDING_PART_LIMIT) throw new UploadError(413, `the part is larger than ${EMBEDDING_PART_LIMIT} bytes, the most accepted`);
      hash.update(chunk);
      // Keep the magic, the header length, then the header (a few hundred KB at most).
      for (let offset = 0; headBytes < wanted && offset < chunk.length;) {
        const piece = chunk.subarray(offset, offset + (wanted - headBytes));
        head.push(piece);
        headBytes += piece.length;
        offset += piece.length;
        if (wanted === 12 && headBytes === 12) wanted = 12 + Math.min(Buffer.concat(head).readUInt32LE(8), HEADER_LIMIT);
      }
      await file.write(chunk);
    }
    await file.sync();
  } finally {
    await file.close();
  }
  return { name: `part-${hash.digest('hex').slice(0, 16)}${PART_EXTENSION}`, bytes, prefix: Buffer.concat(head) };
}

/** True for a real folder (not a symlink to one). */
async function realFolder(path: string): Promise<boolean> {
  const info: Stats | undefined = await lstat(path).catch(() => undefined);
  return info?.isDirectory() === true;
}

/** Fastify plugin with the three routes above (mount under a prefix in proxy mode). */
export const embeddingFileRoutes: FastifyPluginAsync<EmbeddingFileRoutesOptions> = async (app, { dataDir, authorize }) => {
  const root = join(dataDir, 'embeddings');
  // The body stays a stream: the PUT route reads it only after the checks (auth first).
  app.addContentTypeParser('application/octet-stream', (_req, body, done) => done(null, body));

  const folder = (params: { project: string; model: string }): string | null =>
    SEGMENT.test(params.project) && SEGMENT.test(params.model) ? join(root, params.project, params.model) : null;
  const badSegment = { error: 'project and model must be plain names (letters, digits, ".", "_", "-")' };

  /** Refuses bad names and, with auth on, unauthorised callers, before any body is read. */
  const checkFirst = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const params = request.params as { project: string; model: string; part?: string };
    // A refused upload is not read: the connection closes after the answer instead of draining the body.
    const refuse = (status: number, body: object) => {
      if (request.headers['content-length'] !== undefined || request.headers['transfer-encoding'] !== undefined) reply.header('connection', 'close');
      return reply.code(status).send(body);
    };
    if (!folder(params) || (params.part !== undefined && !PART.test(params.part))) {
      await refuse(400, params.part !== undefined && folder(params) ? { error: 'the part name must be part-<16 hex>.cyemb' } : badSegment);
      return;
    }
    if (authorize) {
      const verdict = await authorize(request, [params.project]);
      if (!verdict.ok) await refuse(verdict.status, { error: verdict.error });
    }
  };

  /** The part folder when it and its parent are real folders in the data dir (symlinks are not followed). */
  const existingFolder = async (params: { project: string; model: string }): Promise<string | null> => {
    const dir = folder(params);
    if (!dir) return null;
    return (await realFolder(join(root, params.project))) && (await realFolder(dir)) ? dir : null;
  };

  app.get<{ Params: { project: string; model: string } }>('/embeddings/:project/:model', { onRequest: checkFirst }, async (request) => {
    const dir = await existingFolder(request.params);
    const parts: Array<{ name: string; bytes: number }> = [];
    for (const name of dir ? (await readdir(dir).catch(() => [] as string[])).filter((n) => PART.test(n)).sort() : []) {
      const info = await lstat(join(dir!, name)).catch(() => undefined);
      if (info?.isFile()) parts.push({ name, bytes: info.size }); // a symlink is not a part
    }
    return { parts };
  });

  app.get<{ Params: { project: string; model: string; part: string } }>('/embeddings/:project/:model/:part', { onRequest: checkFirst }, async (request, reply) => {
    const missing = { error: `no part ${request.params.part} for ${request.params.project}/${request.params.model}` };
    const dir = await existingFolder(request.params);
    if (!dir) return reply.code(404).send(missing);
    try {
      // O_NOFOLLOW: a symlink named like a part is refused, never followed out of the data dir.
      const handle = await open(join(dir, request.params.part), constants.O_RDONLY | constants.O_NOFOLLOW);
      const info = await handle.stat();
      if (!info.isFile()) {
        await handle.close();
        return reply.code(404).send(missing);
      }
      // Content-addressed names: a part never changes. Streamed, not read whole.
      return reply.type('application/octet-stream').header('content-length', info.size)
        .header('Cache-Control', 'public, max-age=31536000, immutable').send(createReadStream('', { fd: handle }));
    } catch {
      return reply.code(404).send(missing);
    }
  });

  app.put<{ Params: { project: string; model: string; part: string }; Body: Readable }>('/embeddings/:project/:model/:part', { onRequest: checkFirst }, async (request, reply) => {
    const body = request.body;
    if (!body || typeof (body as Readable).pipe !== 'function') return reply.code(415).send({ error: 'send the part as application/octet-stream' });
    const dir = folder(request.params)!;
    const target = join(dir, request.params.part);
    // Unique per request: concurrent uploads of one part each write their own file, and the
    // renames (atomic) leave one copy of the same bytes.
    const temporary = `${target}.${process.pid}.${randomUUID()}.tmp`;
    let received: Awaited<ReturnType<typeof receivePart>>;
    try {
      await mkdir(root, { recursive: true });
      for (const sub of [join(root, request.params.project), dir]) {
        await mkdir(sub).catch((error: NodeJS.ErrnoException) => { if (error.code !== 'EEXIST') throw error; });
        if (!(await realFolder(sub))) throw new UploadError(409, `${sub.slice(root.length + 1)} in the data dir is not a folder (a symlink?); remove it, then send the part again`);
      }
      received = await receivePart(body, temporary);
    } catch (error) {
      await rm(temporary, { force: true });
      body.resume();
      if (error instanceof UploadError) return reply.code(error.status).send({ error: error.message });
      if ((error as NodeJS.ErrnoException).code === 'ENOSPC' || (error as NodeJS.ErrnoException).code === 'EDQUOT') {
        request.log.error({ err: error }, 'embedding part not stored');
        return reply.code(507).send({ error: 'not stored: the shim\'s data dir is full; free space there, then send the part again' });
      }
      if (request.raw.aborted || (error as NodeJS.ErrnoException).code === 'ECONNRESET') return reply.code(400).send({ error: 'the upload was cut short; send the part again' });
      request.log.error({ err: error }, 'embedding part not stored');
      return reply.code(500).send({ error: `not stored: the shim could not write the part to its data dir (${(error as NodeJS.ErrnoException).code ?? 'error'}); see its log` });
    }
    const refuse = async (message: string) => {
      await rm(temporary, { force: true });
      return reply.code(400).send({ error: message });
    };
    if (received.name !== request.params.part) return refuse(`the part's name must be ${received.name} (the first 16 hex digits of its SHA-256)`);
    try {
      const { header } = checkEmbeddingPartHeader(received.prefix, received.bytes);
      if (header.modelId !== request.params.model) return refuse(`the part holds embeddings of model ${header.modelId}, not ${request.params.model}`);
    } catch (error) {
      if (error instanceof EmbeddingFileError) return refuse(`not a valid embedding part: ${error.message}`);
      throw error;
    }
    try {
      await rename(temporary, target);
    } catch (error) {
      await rm(temporary, { force: true });
      request.log.error({ err: error }, 'embedding part not stored');
      return reply.code(500).send({ error: `not stored: the shim could not rename the part in its data dir (${(error as NodeJS.ErrnoException).code ?? 'error'}); see its log` });
    }
    return reply.code(201).send({ name: received.name, bytes: received.bytes });
  });
};

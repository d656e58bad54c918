/**
 * Starts and stops a real Label Studio 1.12 Community server for the tests (the shim's vitest
 * tests, and Playwright's global setup for the e2e specs), from the offline bundle in
 * `../shared/label-studio` (README there): `setup.sh DEST` once (idempotent, 0.2 s when done),
 * `start.sh DEST DATA PORT` (~5 s on a fresh data dir), `stop.sh DATA`. Each start gets its own
 * throw-away data dir, admin and API token.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Repository root (this file is src/shim/testing/). */
const REPO_ROOT = resolve(import.meta.dirname, '../../..');

/** The bundle's folder, `../shared/label-studio` beside the repository. */
export const LABEL_STUDIO_BUNDLE = resolve(REPO_ROOT, '..', 'shared', 'label-studio');

/** Why a real server cannot run here, or undefined when it can. */
export function realLabelStudioUnavailable(): string | undefined {
  if (!existsSync(join(LABEL_STUDIO_BUNDLE, 'start.sh'))) {
    return `real Label Studio tests skipped: ${LABEL_STUDIO_BUNDLE} is absent (see the project README)`;
  }
  return undefined;
}

/** A TCP port nothing listens on right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/** A running server. */
export interface RealLabelStudio {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Its throw-away data folder (database, uploads). */
  dataDir: string;
  /** Local-files storage root (`/data/local-files/?d=…` serves files under it), when asked for. */
  localFilesRoot?: string;
  email: string;
  password: string;
  /** The admin's legacy API token (`Authorization: Token <token>`). */
  token: string;
  /** Calls the REST API as the admin; throws with the answer's text on a non-2xx status. */
  api<T = any>(method: string, path: string, body?: unknown): Promise<T>;
  /** Stops the server and removes its data dir. */
  stop(): Promise<void>;
}

/** Where the bundle is unpacked: shared by every checkout and run on the machine (.ci/run too). */
export const LABEL_STUDIO_DEST = process.env.LS_BUNDLE_DIR ?? join(tmpdir(), 'cyto-ml-label-studio');

/**
 * Starts Label Studio on `port` (127.0.0.1), unpacking it into {@link LABEL_STUDIO_DEST} first
 * when needed. With `localFiles`, it serves local files from a `files` folder of its data dir.
 * No `LS_HOST`: with it Label Studio writes absolute links to its own origin into pages, and a
 * browser that came through the shim's proxy would leave the proxy (and lose the plugin).
 */
export async function startRealLabelStudio(port: number, options: { localFiles?: boolean } = {}): Promise<RealLabelStudio> {
  const dataDir = await mkdtemp(join(tmpdir(), 'cyto-ml-ls-data-'));
  const localFilesRoot = options.localFiles ? join(dataDir, 'files') : undefined;
  const email = 'annotator-admin@example.com';
  const password = randomBytes(12).toString('hex');
  const token = randomBytes(20).toString('hex');
  const env = {
    ...process.env, LS_ADMIN_EMAIL: email, LS_ADMIN_PASSWORD: password, LS_ADMIN_TOKEN: token,
    ...(localFilesRoot ? { LS_LOCAL_FILES_ROOT: localFilesRoot } : {}),
  };
  const dest = LABEL_STUDIO_DEST;
  await run('bash', [join(LABEL_STUDIO_BUNDLE, 'setup.sh'), dest], { env, timeout: 600_000 });
  try {
    await run('bash', [join(LABEL_STUDIO_BUNDLE, 'start.sh'), dest, dataDir, String(port)], { env, timeout: 240_000 });
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  const url = `http://127.0.0.1:${port}`;
  return {
    url, dataDir, email, password, token,
    ...(localFilesRoot ? { localFilesRoot } : {}),
    async api(method, path, body) {
      const response = await fetch(url + path, {
        method,
        headers: { authorization: `Token ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 500)}`);
      return text ? JSON.parse(text) : undefined;
    },
    async stop() {
      await run('bash', [join(LABEL_STUDIO_BUNDLE, 'stop.sh'), dataDir], { timeout: 30_000 }).catch(() => undefined);
      // Throw-away data; CYTO_E2E_KEEP_LS=1 keeps it for a look after a failed run.
      if (!process.env.CYTO_E2E_KEEP_LS) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

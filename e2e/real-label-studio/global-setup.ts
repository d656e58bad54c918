/**
 * Playwright global setup: start the real Label Studio 1.12 Community server of
 * ../shared/label-studio (no Docker, no PyPI) for the specs that need it, once per run.
 *
 * - setup.sh installs its Debian packages and unpacks it into LS_BUNDLE_DIR (idempotent, 0.2 s
 *   once done; about 80 s on a fresh machine).
 * - start.sh starts it on a free port with a fresh data folder and throw-away admin
 *   credentials made for this run; the specs read them from the environment (workers inherit
 *   what global setup puts in process.env) through `realLabelStudio()` in ./label-studio.ts.
 * - Where ../shared/label-studio is absent, nothing starts and those specs skip, saying why.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LABEL_STUDIO_BUNDLE, LS_ENV } from './paths.ts';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export default async function globalSetup(): Promise<(() => void) | undefined> {
  if (!existsSync(join(LABEL_STUDIO_BUNDLE, 'start.sh'))) {
    process.env[LS_ENV.absent] = `${LABEL_STUDIO_BUNDLE} is absent: the real-Label-Studio specs are skipped`;
    console.warn(process.env[LS_ENV.absent]);
    return undefined;
  }
  const bundleDir = process.env.LS_BUNDLE_DIR ?? join(tmpdir(), 'cyto-ml-label-studio');
  const dataDir = join(tmpdir(), `cyto-ml-ls-data-${process.pid}-${Date.now()}`);
  const filesRoot = join(dataDir, 'files');
  mkdirSync(filesRoot, { recursive: true });
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const credentials = {
    email: 'annotator-admin@example.com',
    password: randomBytes(12).toString('hex'),
    token: randomBytes(20).toString('hex'),
  };
  const env = {
    ...process.env,
    LS_ADMIN_EMAIL: credentials.email,
    LS_ADMIN_PASSWORD: credentials.password,
    LS_ADMIN_TOKEN: credentials.token,
    LS_LOCAL_FILES_ROOT: filesRoot,
    // No LS_HOST: with it Label Studio writes absolute links to its own origin into pages, and a
    // browser that came through the shim's proxy would leave the proxy (and lose the plugin).
  };
  const started = Date.now();
  execFileSync('bash', [join(LABEL_STUDIO_BUNDLE, 'setup.sh'), bundleDir], { stdio: 'inherit', env });
  execFileSync('bash', [join(LABEL_STUDIO_BUNDLE, 'start.sh'), bundleDir, dataDir, String(port)], { stdio: 'inherit', env });
  console.log(`Label Studio 1.12 at ${url} (data ${dataDir}), ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  process.env[LS_ENV.url] = url;
  process.env[LS_ENV.email] = credentials.email;
  process.env[LS_ENV.password] = credentials.password;
  process.env[LS_ENV.token] = credentials.token;
  process.env[LS_ENV.filesRoot] = filesRoot;
  process.env[LS_ENV.dataDir] = dataDir;

  return () => {
    execFileSync('bash', [join(LABEL_STUDIO_BUNDLE, 'stop.sh'), dataDir], { stdio: 'inherit' });
    // Each run's database, uploads and local files are throw-away; keep them with CYTO_E2E_KEEP_LS=1.
    if (!process.env.CYTO_E2E_KEEP_LS) rmSync(dataDir, { recursive: true, force: true });
  };
}

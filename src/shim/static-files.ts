/**
 * The plugin bundle (`/plugin/`) and the models (`/models/`), served by @fastify/static, which
 * resolves paths inside its root only (`..`, encoded or not, never leaves it) and answers
 * ranges and ETags. Only what the build and the manifest name is served: in `/plugin/` the
 * build's `.js`/`.wasm(.gz)`/`.css` files at the top of the folder, in `/models/` `manifest.json`
 * and the files its entries name; a symlink whose target lies outside the folder is refused.
 *
 * Caching: Vite names the wasm and other emitted assets with a content hash, so they never
 * change under the same URL: a year, `immutable`. `cyto-ml.js` keeps its name across builds
 * and the manifest and models may be regenerated in place: `no-cache` (revalidate by ETag,
 * cheap, and a new build is picked up on the next page load).
 */
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, resolve, sep } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';

/** The bundle the shim exists to serve; its absence means the build did not run. */
export const PLUGIN_ENTRY = 'cyto-ml.js';

// `name-3f9a1c2b.wasm`, `ort-wasm-simd-threaded.jsep-3ad23231b5.wasm.gz`: 8+ hash characters
// after a dash or dot, before the extension (the ORT binaries ship gzipped: `.wasm.gz`).
const HASHED_NAME = /[-.][A-Za-z0-9_]{8,}\.[a-z0-9]+(?:\.gz)?$/;

/** The Cache-Control value for a served file name. */
export function cacheControlFor(fileName: string): string {
  if (fileName !== PLUGIN_ENTRY && HASHED_NAME.test(fileName)) return 'public, max-age=31536000, immutable';
  return 'no-cache';
}

/**
 * Plugin build outputs the shim serves (the bundle, its wasm, a stylesheet beside it); never a
 * dotfile (`.env.js`, `.secret.css`), which a build does not emit.
 */
const PLUGIN_FILE = /^[A-Za-z0-9_-][A-Za-z0-9._-]*\.(?:js|mjs|wasm|wasm\.gz|css)$/;

/**
 * True when `name` (a path below `root`) is a regular file whose real path (symlinks resolved)
 * is directly inside `root`: a symlink in the folder that points out of it is not served.
 */
function insideRoot(root: string, name: string): boolean {
  try {
    const real = realpathSync(resolve(root, name));
    return dirname(real) === realpathSync(root) && statSync(real).isFile();
  } catch {
    return false;
  }
}

/**
 * The file names the models manifest names (plus the manifest itself), re-read when the
 * manifest changes. Anything else in the models folder (notes, exports, keys) is never served.
 */
function manifestNames(modelsDir: string): () => Set<string> {
  let cached: { mtimeMs: number; names: Set<string> } | undefined;
  return () => {
    const file = resolve(modelsDir, 'manifest.json');
    try {
      const { mtimeMs } = statSync(file);
      if (cached?.mtimeMs === mtimeMs) return cached.names;
      const manifest = JSON.parse(readFileSync(file, 'utf8')) as { models?: Array<{ file?: unknown }> };
      const names = new Set(['manifest.json']);
      for (const m of manifest.models ?? []) if (typeof m.file === 'string' && !m.file.startsWith('.') && !m.file.includes('/') && !m.file.includes(sep)) names.add(m.file);
      cached = { mtimeMs, names };
      return names;
    } catch {
      return new Set(['manifest.json']);
    }
  };
}

/** Options of {@link registerStaticFiles}. */
export interface StaticFilesOptions {
  pluginDir: string;
  modelsDir: string;
  /** URL prefix before `/plugin/` and `/models/`: '' on the shim, '/cyto-ml' on the proxy. */
  prefix: string;
}

/** Thrown when the plugin has not been built. */
export class MissingBuildError extends Error {
  override name = 'MissingBuildError';
}

/**
 * Registers `<prefix>/plugin/` and `<prefix>/models/`.
 * @throws MissingBuildError when `<pluginDir>/cyto-ml.js` does not exist.
 */
export async function registerStaticFiles(app: FastifyInstance, options: StaticFilesOptions): Promise<void> {
  const pluginDir = resolve(options.pluginDir);
  if (!existsSync(resolve(pluginDir, PLUGIN_ENTRY))) {
    throw new MissingBuildError(
      `the plugin is not built: ${resolve(pluginDir, PLUGIN_ENTRY)} does not exist. Run \`npm run build\` ` +
        '(or pass --plugin-dir with the folder that holds cyto-ml.js).',
    );
  }
  const modelsDir = resolve(options.modelsDir);
  if (!existsSync(modelsDir)) {
    app.log.warn({ modelsDir }, 'models folder does not exist: /models/ answers 404 until `npm run models` creates it');
  }

  const common = {
    cacheControl: false,
    index: false,
    list: false,
    serveDotFiles: false,
    setHeaders(reply: FastifyReply, path: string) {
      reply.header('cache-control', cacheControlFor(basename(path)));
    },
  } as const;
  const named = manifestNames(modelsDir);
  await app.register(fastifyStatic, {
    ...common, root: pluginDir, prefix: `${options.prefix}/plugin/`,
    allowedPath: (path: string) => {
      const name = path.replace(/^\/+/, '');
      return PLUGIN_FILE.test(name) && insideRoot(pluginDir, name);
    },
  });
  await app.register(fastifyStatic, {
    ...common, root: modelsDir, prefix: `${options.prefix}/models/`, decorateReply: false,
    allowedPath: (path: string) => {
      const name = path.replace(/^\/+/, '');
      return named().has(name) && insideRoot(modelsDir, name);
    },
  });
}

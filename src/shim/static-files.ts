/**
 * The plugin bundle (`/plugin/`) and the models (`/models/`), served by @fastify/static, which
 * resolves paths inside its root only (`..`, encoded or not, never leaves it) and answers
 * ranges and ETags.
 *
 * Caching: Vite names the wasm and other emitted assets with a content hash, so they never
 * change under the same URL: a year, `immutable`. `cyto-ml.js` keeps its name across builds
 * and the manifest and models may be regenerated in place: `no-cache` (revalidate by ETag,
 * cheap, and a new build is picked up on the next page load).
 */
import { existsSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';

/** The bundle the shim exists to serve; its absence means the build did not run. */
export const PLUGIN_ENTRY = 'cyto-ml.js';

// `name-3f9a1c2b.wasm`, `ort-wasm-simd-threaded.jsep-BZr6jbkD.wasm`: 8+ hash characters
// after a dash or dot, before the extension.
const HASHED_NAME = /[-.][A-Za-z0-9_]{8,}\.[a-z0-9]+$/;

/** The Cache-Control value for a served file name. */
export function cacheControlFor(fileName: string): string {
  if (fileName !== PLUGIN_ENTRY && HASHED_NAME.test(fileName)) return 'public, max-age=31536000, immutable';
  return 'no-cache';
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
  await app.register(fastifyStatic, { ...common, root: pluginDir, prefix: `${options.prefix}/plugin/` });
  await app.register(fastifyStatic, { ...common, root: modelsDir, prefix: `${options.prefix}/models/`, decorateReply: false });
}

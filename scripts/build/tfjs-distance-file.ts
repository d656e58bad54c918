/**
 * Vite plugin: tfjs in its own file, downloaded only by annotators whose k-means takes the tfjs
 * path (src/cluster/distance-backend.ts measures when it does). Builds
 * src/cluster/tfjs-distance-module.ts (tfjs-core, its cpu and webgl backends, the tfjs
 * assignment step) once per build process into one minified ES module,
 * `tfjs-distance-<hash>.js`, emitted beside the bundle, and replaces
 * src/cluster/distance-tfjs-load.ts with a loader that imports that file from a URL.
 *
 * Why a sub-build rather than a dynamic import: the plugin bundle is one IIFE script (no chunks)
 * and the k-means worker is inlined as a blob, from which a relative import cannot resolve; so
 * the file's absolute URL is computed on the main thread (against the plugin script's URL, as
 * ORT's runtime files are) and posted to the worker.
 */
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'vite';

const ENTRY = fileURLToPath(new URL('../../src/cluster/tfjs-distance-module.ts', import.meta.url));
const LOADER = /[\\/]src[\\/]cluster[\\/]distance-tfjs-load\.ts$/;

interface Built {
  fileName: string;
  code: string;
}

let built: Promise<Built> | undefined;

async function buildModule(): Promise<Built> {
  const output = await build({
    configFile: false,
    logLevel: 'warn',
    define: { 'process.env.NODE_ENV': JSON.stringify('production') },
    build: {
      write: false,
      minify: true,
      sourcemap: false,
      lib: { entry: ENTRY, formats: ['es'], fileName: 'tfjs-distance' },
      rolldownOptions: { output: { codeSplitting: false } },
    },
  });
  const outputs = Array.isArray(output) ? output : [output];
  const chunks = outputs.flatMap((o) => ('output' in o ? o.output : [])).filter((c) => c.type === 'chunk');
  if (chunks.length !== 1) throw new Error(`tfjs-distance build: expected one chunk, got ${chunks.length}`);
  const code = chunks[0].code;
  const hash = createHash('sha256').update(code).digest('hex').slice(0, 10);
  return { fileName: `tfjs-distance-${hash}.js`, code };
}

/**
 * @param emit true for the page/plugin build that writes the file; false for the worker build,
 *   which only needs the loader replaced (both share one sub-build per process).
 */
export function tfjsDistanceFile({ emit }: { emit: boolean }): Plugin {
  return {
    name: 'cyto-ml:tfjs-distance-file',
    apply: 'build',
    async load(id) {
      if (!LOADER.test(id.split('?')[0])) return undefined;
      built ??= buildModule();
      const { fileName } = await built;
      return [
        '// Replaced at build time by scripts/build/tfjs-distance-file.ts (see src/cluster/distance-tfjs-load.ts).',
        `export const TFJS_DISTANCE_FILE = ${JSON.stringify(fileName)};`,
        'export function loadTfjsDistance(url) {',
        "  if (!url) return Promise.reject(new Error('tfjs module URL unknown: start the k-means worker with startKMeansWorker, which passes it'));",
        '  return import(/* @vite-ignore */ url);',
        '}',
      ].join('\n');
    },
    async generateBundle() {
      if (!emit) return;
      built ??= buildModule();
      const { fileName, code } = await built;
      this.emitFile({ type: 'asset', fileName, source: code });
    },
  };
}

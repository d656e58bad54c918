/**
 * Vite plugin for the demo build: writes `precache.json`, the list of files the demo's service
 * worker stores when it installs, so the demo works offline after its FIRST load (the worker
 * installs while that first page is still open, before it controls any request). Listed: every
 * file of the build (scripts, styles, workers, the model manifest) and of the public folder
 * (sample images), except model and runtime binaries, which the plugin caches itself
 * (src/store/asset-cache.ts) and which would double the storage. A plugin of a few lines
 * rather than vite-plugin-pwa/workbox: the worker stays the project's own 40 lines.
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Plugin } from 'vite';

/**
 * Files the service worker never stores: model and runtime binaries (the plugin's asset cache
 * holds them), the separately built tfjs module (downloaded only when k-means measures that it
 * pays; without it offline, k-means stays in TypeScript), and the test pages (e2e harness,
 * benchmark page), which users never open.
 */
export const NOT_PRECACHED = /\.(onnx|wasm|wasm\.gz)$|(^|\/)precache\.json$|^sw\.js$|^tfjs-distance-|^(e2e|bench)\//;

/** Build entries that are test pages: their chunks are precached only if the demo uses them too. */
const TEST_ENTRIES = new Set(['harness', 'editorHarness', 'bench']);

function filesUnder(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else out.push(relative(root, path).split('\\').join('/'));
    }
  };
  try {
    walk(root);
  } catch {
    // No public folder: nothing to add.
  }
  return out;
}

export function precacheList(publicDir: string): Plugin {
  return {
    name: 'cyto-ml:precache-list',
    apply: 'build',
    // After the other plugins' generateBundle (the models' manifest is emitted there).
    enforce: 'post',
    generateBundle(_options, bundle) {
      // Chunks reachable (static or dynamic imports, their CSS) from the demo's own entries only.
      const needed = new Set<string>();
      const visit = (fileName: string): void => {
        const item = bundle[fileName];
        if (!item || needed.has(fileName)) return;
        needed.add(fileName);
        if (item.type !== 'chunk') return;
        for (const next of [...item.imports, ...item.dynamicImports, ...(item.viteMetadata?.importedCss ?? [])]) visit(next);
      };
      for (const item of Object.values(bundle)) {
        if (item.type === 'chunk' && item.isEntry && !TEST_ENTRIES.has(item.name)) visit(item.fileName);
      }
      const isTestChunk = (file: string): boolean => bundle[file]?.type === 'chunk' && !needed.has(file);
      const files = [...Object.keys(bundle).filter((file) => !isTestChunk(file)), ...filesUnder(publicDir)]
        .filter((file) => !NOT_PRECACHED.test(file))
        .sort();
      this.emitFile({ type: 'asset', fileName: 'precache.json', source: JSON.stringify(['./', ...files], null, 1) });
    },
  };
}

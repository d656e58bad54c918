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

/** Files the service worker never stores (the plugin's asset cache holds them). */
export const NOT_PRECACHED = /\.(onnx|wasm)$|(^|\/)precache\.json$|^sw\.js$/;

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
      const files = [...Object.keys(bundle), ...filesUnder(publicDir)]
        .filter((file) => !NOT_PRECACHED.test(file))
        .sort();
      this.emitFile({ type: 'asset', fileName: 'precache.json', source: JSON.stringify(['./', ...files], null, 1) });
    },
  };
}

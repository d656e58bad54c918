/**
 * Vite plugin for the demo build: copies the model catalogue (model-catalogue.ts: the manifest
 * without its `"test": true` entries, and those models' files) into the build (`models/…`), so
 * the built demo is self-contained, works offline and carries only what users choose from.
 *
 * Test models (the seeded ResNets, …) are not in the build: the preview and dev servers serve
 * the whole models folder, full manifest included, at `/test/models/`, where the test pages
 * (e2e/harness, bench/page) look for them. A static copy of dist/demo has no test models.
 */
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { basename, join } from 'node:path';
import type { Connect, Plugin } from 'vite';
import { readCatalogue } from './model-catalogue.ts';

/** URL prefix of the full models folder on the preview and dev servers. */
export const TEST_MODELS_PATH = '/test/models/';

function serveTestModels(modelsDir: string): Connect.NextHandleFunction {
  return (req, res: ServerResponse, next) => {
    const path = (req.url ?? '').split('?')[0];
    if (!path.startsWith(TEST_MODELS_PATH)) return next();
    const name = basename(decodeURIComponent(path.slice(TEST_MODELS_PATH.length)));
    const file = join(modelsDir, name);
    if (!/\.(onnx|json)$/.test(name) || !existsSync(file)) return next();
    res.setHeader('Content-Type', name.endsWith('.json') ? 'application/json' : 'application/octet-stream');
    res.setHeader('Content-Length', statSync(file).size);
    res.setHeader('Cache-Control', 'no-cache');
    createReadStream(file).pipe(res);
  };
}

export function demoModels(modelsDir = 'models'): Plugin {
  return {
    name: 'cyto-ml:demo-models',
    configureServer(server) {
      server.middlewares.use(serveTestModels(modelsDir));
    },
    configurePreviewServer(server) {
      server.middlewares.use(serveTestModels(modelsDir));
    },
    generateBundle() {
      let catalogue: ReturnType<typeof readCatalogue>;
      try {
        catalogue = readCatalogue(modelsDir);
      } catch (error) {
        return this.error((error as Error).message);
      }
      this.emitFile({ type: 'asset', fileName: 'models/manifest.json', source: catalogue.manifestJson });
      for (const file of catalogue.files) {
        this.emitFile({ type: 'asset', fileName: `models/${file}`, source: readFileSync(join(modelsDir, file)) });
      }
    },
  };
}

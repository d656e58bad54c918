/**
 * Vite plugin for the demo build: copies `models/manifest.json` and the model files it lists
 * into the build (`models/…`), so the built demo is self-contained and works offline. The dev
 * server already serves `models/` from the project root. Missing model files fail the build
 * with the command that makes them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Plugin } from 'vite';

export function demoModels(modelsDir = 'models'): Plugin {
  return {
    name: 'cyto-ml:demo-models',
    apply: 'build',
    generateBundle() {
      const manifestPath = join(modelsDir, 'manifest.json');
      const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { models: Array<{ file: string }> };
      this.emitFile({ type: 'asset', fileName: 'models/manifest.json', source: readFileSync(manifestPath) });
      for (const { file } of manifest.models) {
        const path = join(modelsDir, file);
        if (!existsSync(path)) {
          this.error(`model file ${path} is missing: run \`npm run models\` (generated models) or remove its manifest entry`);
        }
        this.emitFile({ type: 'asset', fileName: `models/${file}`, source: readFileSync(path) });
      }
    },
  };
}

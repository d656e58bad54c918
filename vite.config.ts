/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import { demoModels } from './scripts/build/demo-models.ts';
import { ortRuntimeFiles } from './scripts/build/ort-runtime-files.ts';
import { precacheList } from './scripts/build/precache-list.ts';
import { previewCompression } from './scripts/build/preview-compression.ts';
import { tfjsDistanceFile } from './scripts/build/tfjs-distance-file.ts';

/**
 * One config, two builds:
 *  - default (`vite`, `vite build`): the demo annotator (index.html) into dist/demo;
 *  - `--mode plugin`: the Label Studio plugin as one self-contained IIFE script,
 *    dist/plugin/cyto-ml.js, with its worker inlined (a plugin loaded from another origin
 *    cannot start a worker from its own URL) and the ORT wasm files emitted beside it.
 * Vitest's unit tests live next to the code as `src/** /*.test.ts`.
 */

// Cross-origin isolation lets onnxruntime-web use WASM threads. `credentialless` (not
// `require-corp`) so that images from other origins without CORP headers still load.
const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'credentialless',
};

export default defineConfig(({ mode }) => {
  const pluginBuild = mode === 'plugin';
  return {
    base: './',
    // The demo's samples are not part of the plugin.
    publicDir: pluginBuild ? false : 'public',
    // Several pages and no client-side routing: a missing file must be a 404, not index.html.
    appType: 'mpa',
    // tfjs is built into its own file, loaded only when k-means measures that it pays.
    plugins: pluginBuild
      ? [ortRuntimeFiles(), tfjsDistanceFile({ emit: true })]
      : [ortRuntimeFiles(), tfjsDistanceFile({ emit: true }), demoModels(), precacheList('public'), previewCompression()],
    // ORT's "extern wasm" builds: the default builds reference their .wasm with
    // `new URL(..., import.meta.url)`, which Vite would inline into the worker as base64.
    resolve: { conditions: ['onnxruntime-web-use-extern-wasm', 'module', 'browser', 'development|production'] },
    server: { headers: isolationHeaders, port: 5173, strictPort: false, cors: false },
    // `npm run dev`: ORT is imported from the engine worker, which the dependency scan does not
    // follow; found on the first visit, it made Vite re-bundle and force a page reload.
    optimizeDeps: { include: ['onnxruntime-web', 'onnxruntime-web/wasm'] },
    // `npm start` serves the built demo with preview. CORS for local pages only: a Label Studio
    // on this machine that imported the demo's export fetches the sample images from here.
    preview: { headers: isolationHeaders, port: 5173, cors: { origin: /^https?:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/ } },
    worker: {
      format: 'es',
      plugins: () => [ortRuntimeFiles(), tfjsDistanceFile({ emit: false })],
      rolldownOptions: { output: { codeSplitting: false } },
    },
    build: pluginBuild
      ? {
          outDir: 'dist/plugin',
          emptyOutDir: true,
          sourcemap: false,
          lib: {
            entry: 'src/plugin/index.ts',
            name: 'CytoML',
            formats: ['iife'],
            fileName: () => 'cyto-ml.js',
          },
          // The tfjs sub-build (scripts/build/tfjs-distance-file.ts) runs inside a load hook: no timing report for it.
          rolldownOptions: { output: { codeSplitting: false }, checks: { pluginTimings: false } },
        }
      : {
          outDir: 'dist/demo',
          emptyOutDir: true,
          sourcemap: false,
          chunkSizeWarningLimit: 20000,
          // Label Studio 1.4's stylesheet trips lightningcss's minifier; it ships minified already.
          cssMinify: false,
          rolldownOptions: {
            // `npm start` builds on every start: no plugin-timing report in the user's terminal.
            checks: { pluginTimings: false },
            // The demo annotator, and a bare page the engine e2e tests drive directly.
            input: {
              main: 'index.html',
              sw: 'src/demo/service-worker.ts',
              harness: 'e2e/harness/index.html',
              editorHarness: 'e2e/harness/editor.html',
              bench: 'bench/page/index.html',
            },
            // The service worker must sit at the root under a fixed name to control the demo.
            output: { entryFileNames: (chunk) => (chunk.name === 'sw' ? 'sw.js' : 'assets/[name]-[hash].js') },
          },
        },
    test: {
      include: ['src/**/*.test.ts', 'scripts/**/*.test.ts'],
      environment: 'node',
      testTimeout: 60_000,
      hookTimeout: 60_000,
    },
  };
});

/**
 * Vite plugin: `vite preview` (what `npm start` serves the demo with) compresses only text
 * types (its built-in middleware: text, JavaScript, JSON, XML); the models (.onnx) went out
 * raw. This adds the `compression` middleware for them only (the built-in one keeps the rest).
 * The ORT runtime binaries need none: the build ships them gzipped already (`.wasm.gz`,
 * scripts/build/ort-runtime-files.ts). A static host in front of dist/demo should do the same
 * for the models (e.g. nginx `gzip_types application/octet-stream`).
 */
import compression from 'compression';
import type { Connect, Plugin } from 'vite';

const BINARY_TYPES = /^application\/octet-stream\b/;

export function previewCompression(): Plugin {
  const middleware = compression({
    filter: (_req, res) => BINARY_TYPES.test(String(res.getHeader('Content-Type') ?? '')),
  });
  return {
    name: 'cyto-ml:preview-compression',
    configurePreviewServer(server) {
      // Express-typed, connect-compatible (req, res, next).
      server.middlewares.use(middleware as unknown as Connect.NextHandleFunction);
    },
  };
}

/**
 * Vite plugin: `vite preview` (what `npm start` serves the demo with) compresses only text
 * types (its built-in middleware: text, JavaScript, JSON, XML); the ORT runtime (.wasm, 14 MB,
 * 3.7 MB gzipped) and the models (.onnx) went out raw, most of a first visit's bytes. This adds
 * the `compression` middleware for those two types only (the built-in one keeps the rest).
 * A static host in front of dist/demo should do the same (e.g. nginx `gzip_types application/wasm`).
 */
import compression from 'compression';
import type { Connect, Plugin } from 'vite';

const BINARY_TYPES = /^application\/(wasm|octet-stream)\b/;

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

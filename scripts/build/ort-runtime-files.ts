/**
 * Vite plugin: ships onnxruntime-web's runtime files (the .wasm binaries and their .mjs glue)
 * beside the bundle under content-hashed names, and tells the code their names through the
 * virtual module `virtual:ort-runtime-files`.
 *
 * Why not `?url` imports: in library mode (the plugin bundle) Vite inlines every asset as a
 * data URL, which would put 42 MB of base64 into cyto-ml.js. The code resolves these names
 * against its own script URL at run time, so the files load from wherever the bundle lives.
 *
 * The two .wasm binaries are written gzip-compressed (`*.wasm.gz`): 42.5 MB raw, 10.3 MB so,
 * which keeps the built demo under its 40 MB and costs nothing over the wire (a server
 * compressed them anyway). The engine inflates them (src/embedding/runtime-binary.ts). The
 * names carry the hash of the raw binary, so they change exactly when ORT's files do.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { gzipSync } from 'node:zlib';
import { basename, dirname, join } from 'node:path';
import type { Plugin } from 'vite';

const VIRTUAL_ID = 'virtual:ort-runtime-files';
const RESOLVED_ID = '\0' + VIRTUAL_ID;

/** The files the engine needs: plain WASM build, and the JSEP build (WebGPU) used only with an adapter. */
const FILES = {
  wasmMjs: 'ort-wasm-simd-threaded.mjs',
  wasmBinary: 'ort-wasm-simd-threaded.wasm',
  jsepMjs: 'ort-wasm-simd-threaded.jsep.mjs',
  jsepBinary: 'ort-wasm-simd-threaded.jsep.wasm',
} as const;

interface RuntimeFile {
  source: string;
  hashedName: string;
}

/** Compressed once per process: the plugin is instantiated for the page and the worker builds. */
const gzipped = new Map<string, Buffer>();

/** The bytes a runtime file ships as: binaries gzipped (level 9: ~1.9 s for both, 0.1 MB less than 6). */
function shippedBytes(source: string): Buffer {
  if (!source.endsWith('.wasm')) return readFileSync(source);
  let bytes = gzipped.get(source);
  if (!bytes) gzipped.set(source, (bytes = gzipSync(readFileSync(source), { level: 9 })));
  return bytes;
}

function locateOrtDist(): string {
  const require = createRequire(import.meta.url);
  // package.json is not in the package's exports; one of the exported runtime files is.
  return dirname(require.resolve('onnxruntime-web/ort-wasm-simd-threaded.wasm'));
}

function hashedName(file: string, bytes: Buffer): string {
  const hash = createHash('sha256').update(bytes).digest('hex').slice(0, 10);
  const dot = file.lastIndexOf('.');
  return `${file.slice(0, dot)}-${hash}${file.slice(dot)}${file.endsWith('.wasm') ? '.gz' : ''}`;
}

export function ortRuntimeFiles(): Plugin {
  const dist = locateOrtDist();
  const files = new Map<keyof typeof FILES, RuntimeFile>();
  for (const [key, file] of Object.entries(FILES) as Array<[keyof typeof FILES, string]>) {
    const source = join(dist, file);
    files.set(key, { source, hashedName: hashedName(file, readFileSync(source)) });
  }
  const byHashedName = new Map([...files.values()].map((f) => [f.hashedName, f.source]));

  const serve = (req: { url?: string }, res: import('node:http').ServerResponse, next: () => void): void => {
    const name = basename((req.url ?? '').split('?')[0]);
    const source = byHashedName.get(name);
    if (!source) return next();
    res.setHeader('Content-Type', name.endsWith('.gz') ? 'application/gzip' : 'text/javascript');
    res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
    res.end(shippedBytes(source));
  };

  return {
    name: 'cyto-ml:ort-runtime-files',
    resolveId(id) {
      return id === VIRTUAL_ID ? RESOLVED_ID : undefined;
    },
    load(id) {
      if (id !== RESOLVED_ID) return undefined;
      const names = Object.fromEntries([...files].map(([key, f]) => [key, f.hashedName]));
      return `export default ${JSON.stringify(names)};`;
    },
    configureServer(server) {
      server.middlewares.use(serve);
    },
    generateBundle() {
      for (const f of files.values()) {
        this.emitFile({ type: 'asset', fileName: f.hashedName, source: shippedBytes(f.source) });
      }
    },
  };
}

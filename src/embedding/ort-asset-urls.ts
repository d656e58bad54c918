/**
 * Where the ORT runtime files are, as absolute URLs: beside the bundle that contains this
 * code (see scripts/build/ort-runtime-files.ts). `base` is the URL of the plugin script (for a
 * plugin loaded from another origin than the page) or the page's URL (the demo). Computed on
 * the main thread: a worker started from a blob has no useful base URL of its own.
 */
import files from 'virtual:ort-runtime-files';
import type { OrtAssetUrls } from './worker-protocol.ts';

export function ortAssetUrls(base: string): OrtAssetUrls {
  const at = (name: string): string => new URL(name, base).href;
  return {
    wasmMjs: at(files.wasmMjs),
    wasmBinary: at(files.wasmBinary),
    jsepMjs: at(files.jsepMjs),
    jsepBinary: at(files.jsepBinary),
  };
}

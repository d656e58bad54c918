/// <reference types="vite/client" />

declare module 'virtual:ort-runtime-files' {
  /** Content-hashed file names of ORT's runtime files, emitted beside the bundle. */
  const files: { wasmMjs: string; wasmBinary: string; jsepMjs: string; jsepBinary: string };
  export default files;
}

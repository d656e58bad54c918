/**
 * Errors of the embedding engine, as data: they cross the worker boundary with
 * `postMessage`, so they are plain objects with a stable `code` the UI can switch on and a
 * `message` written for the annotator (what went wrong, and what to do about it).
 */

export type EngineErrorCode =
  | 'image-not-found'
  | 'image-http-error'
  | 'image-blocked'
  | 'image-invalid'
  | 'model-missing'
  | 'model-integrity'
  | 'model-invalid'
  | 'manifest-invalid'
  | 'webgpu-failed'
  | 'worker-crashed'
  | 'not-ready'
  | 'internal';

export interface EngineErrorData {
  code: EngineErrorCode;
  message: string;
  /** Sub-code from the image decoder (e.g. `truncated`, `too-large`) when `code` is `image-invalid`. */
  detail?: string;
}

/** An Error that carries `EngineErrorData`; thrown inside the engine, serialised at the boundary. */
export class EngineError extends Error {
  readonly code: EngineErrorCode;
  readonly detail?: string;
  constructor(code: EngineErrorCode, message: string, detail?: string) {
    super(message);
    this.name = 'EngineError';
    this.code = code;
    this.detail = detail;
  }
  toData(): EngineErrorData {
    return this.detail === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, detail: this.detail };
  }
  static fromData(data: EngineErrorData): EngineError {
    return new EngineError(data.code, data.message, data.detail);
  }
}

/** Normalise anything thrown into error data (unknown errors become `internal`). */
export function toEngineErrorData(error: unknown): EngineErrorData {
  if (error instanceof EngineError) return error.toData();
  const maybe = error as { code?: unknown; message?: unknown; name?: unknown } | null;
  if (maybe && maybe.name === 'ImageError' && typeof maybe.message === 'string') {
    return { code: 'image-invalid', message: maybe.message, detail: String(maybe.code ?? '') };
  }
  const message = maybe && typeof maybe.message === 'string' ? maybe.message : String(error);
  return { code: 'internal', message };
}

/**
 * Typed errors of image decoding and preprocessing. The engine maps them to its own
 * `image-invalid` error (keeping `code` as the detail), so each message is written for the
 * annotator: what is wrong with the image, and what to do about it.
 */

/** Why an image could not be turned into a tensor. */
export type ImageErrorCode =
  /** The bytes match no supported image format (checked by magic bytes, never by name or MIME). */
  | 'not-an-image'
  /** The file ends before its header, directory or pixel data does: an interrupted download or copy. */
  | 'truncated'
  /** Empty file, or an image whose width or height is 0. */
  | 'zero-size'
  /** More pixels than `MAX_DECODE_PIXELS`: refused before any pixel data is decoded. */
  | 'too-large'
  /** A real image in a variant we do not decode (e.g. 32-bit float TIFF, CMYK, LERC compression). */
  | 'unsupported'
  /** The decoder failed on data that looked valid (corrupt compressed data, browser decode error). */
  | 'decode-failed';

/** Every code, for exhaustive tests and for messages that list them. */
export const IMAGE_ERROR_CODES: readonly ImageErrorCode[] = Object.freeze([
  'not-an-image',
  'truncated',
  'zero-size',
  'too-large',
  'unsupported',
  'decode-failed',
]);

/** The serialisable form of an `ImageError` (what crosses `postMessage`). */
export interface ImageErrorData {
  code: ImageErrorCode;
  message: string;
}

/** An image that cannot be decoded or preprocessed; `code` says why. */
export class ImageError extends Error {
  readonly code: ImageErrorCode;

  constructor(code: ImageErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ImageError';
    this.code = code;
  }

  /** Plain data for `postMessage` (Error subclasses lose their fields in structured clone). */
  toData(): ImageErrorData {
    return { code: this.code, message: this.message };
  }
}

/** True for an `ImageError` (also one from another realm that kept its name and code). */
export function isImageError(value: unknown): value is ImageError {
  return (
    value instanceof ImageError ||
    (value instanceof Error &&
      value.name === 'ImageError' &&
      IMAGE_ERROR_CODES.includes((value as { code?: unknown }).code as ImageErrorCode))
  );
}

/** The message of any thrown value, for wrapping third-party errors. */
export function describeCause(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

/**
 * The one call the embedding worker makes per image: bytes → model input tensor.
 */
import { decodeImage } from './decode-image.ts';
import type { ImageFormat } from './sniff-format.ts';
import type { PreprocessSpec } from './manifest-types.ts';
import { NATIVE_MAX_SIDE, preprocess } from './preprocess.ts';

/** A preprocessed image: CHW float data for a [1, 3, height, width] tensor. */
export interface ImageTensor {
  /** 3 x height x width floats, channel-major (CHW). */
  data: Float32Array;
  /** Tensor width (W). */
  width: number;
  /** Tensor height (H). */
  height: number;
  /** The image's own size (as displayed, before any downscale). */
  sourceWidth: number;
  sourceHeight: number;
  /** Sniffed format, e.g. "tiff", "png". */
  format: ImageFormat;
}

/**
 * Decodes `bytes` (format sniffed from magic bytes) and preprocesses it per `spec`. In
 * "native" mode browser formats are already downscaled during decode to `NATIVE_MAX_SIDE`
 * (memory); fixed sizes are resampled once from the full decode (exactness). Throws
 * `ImageError` (see `image-errors.ts`).
 */
export async function imageToTensor(bytes: ArrayBuffer | Blob, spec: PreprocessSpec): Promise<ImageTensor> {
  const decoded = await decodeImage(bytes, { maxSide: spec.resize === 'native' ? NATIVE_MAX_SIDE : undefined });
  const tensor = preprocess(decoded, spec);
  return {
    data: tensor.data,
    width: tensor.width,
    height: tensor.height,
    sourceWidth: decoded.sourceWidth,
    sourceHeight: decoded.sourceHeight,
    format: decoded.format,
  };
}

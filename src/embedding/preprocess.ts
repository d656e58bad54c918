/**
 * Pixels → the model's input tensor, exactly as a manifest entry's `preprocess` says.
 *
 * Steps, in this order (each reasoned below):
 *  1. to 0..1 floats, planar RGB: 8-bit / 255; 16-bit by the `highBitDepth` rule ("max":
 *     divide by the image's own maximum, as the reference does for flow-cytometer TIFFs);
 *     RGBA composited over white; greyscale copied to 3 channels;
 *  2. resize (pure bilinear, `resize.ts`): "native" keeps the size up to `NATIVE_MAX_SIDE`;
 *     `{size, fit: "crop"}` resamples the centred square of side min(W, H) to size x size
 *     (one resampling: the same as scaling the short side to `size` and centre-cropping,
 *     without the intermediate rounding); `{size, fit: "stretch"}` resamples to size x size;
 *     `{size, fit: "pad"}` centres the image on a square of side max(W, H), then resamples
 *     that square to size x size (aspect kept, nothing cut off); the margin is white, or with
 *     `background: "border"` the per-channel median of the image's outermost pixels;
 *  3. normalise: "unit" leaves 0..1; "imagenet" applies (x - mean) / std per channel.
 * Compositing happens before resizing so transparent pixels' colours never bleed into edges.
 */
import type { HighBitDepthMode, NormaliseMode, PreprocessSpec, ResizeMode } from './manifest-types.ts';
import { ImageError } from './image-errors.ts';
import { assertPixels, type Pixels } from './pixels.ts';
import { fitWithin, resizeBilinear, type ResizeBox } from './resize.ts';

/**
 * Longest side in "native" mode. The reference feeds images at their own size (adaptive pooling
 * takes any size); plankton crops are ~30-600 px, so this cap only bites on whole frames or
 * collages, where it bounds inference time and memory (a 1024² ResNet50 pass is ~20x a 224² one).
 * Larger images are scaled down, aspect kept, longest side = 1024.
 */
export const NATIVE_MAX_SIDE = 1024;

/** torchvision's ImageNet statistics (RGB), used by "imagenet" normalisation. */
export const IMAGENET_MEAN: readonly [number, number, number] = Object.freeze([0.485, 0.456, 0.406]) as readonly [
  number,
  number,
  number,
];
export const IMAGENET_STD: readonly [number, number, number] = Object.freeze([0.229, 0.224, 0.225]) as readonly [
  number,
  number,
  number,
];

/** The model input: CHW (3 planes), `height` x `width`. */
export interface PreprocessedTensor {
  data: Float32Array;
  /** Tensor width (W of NCHW). */
  width: number;
  /** Tensor height (H of NCHW). */
  height: number;
}

function describeResize(resize: unknown): string {
  return JSON.stringify(resize);
}

/**
 * The tensor size for an image of `width` x `height` under `resize`. "native": unchanged, or
 * scaled so the longest side is `NATIVE_MAX_SIDE` (short side rounded, at least 1).
 */
export function outputSize(width: number, height: number, resize: ResizeMode): { width: number; height: number } {
  if (resize === 'native') return fitWithin(width, height, NATIVE_MAX_SIDE);
  if (typeof resize === 'object' && resize !== null && (resize.fit === 'crop' || resize.fit === 'stretch' || resize.fit === 'pad')) {
    if (!Number.isInteger(resize.size) || resize.size < 1) {
      throw new RangeError(`preprocess: resize.size must be a positive integer, got ${describeResize(resize)}`);
    }
    return { width: resize.size, height: resize.size };
  }
  throw new RangeError(
    `preprocess: unknown resize ${describeResize(resize)}; valid: "native", {size, fit: "crop"}, {size, fit: "stretch"}, {size, fit: "pad"}`,
  );
}

/** The source box that `resize` reads: the centred square for "crop", the whole image otherwise. */
function sourceBox(width: number, height: number, resize: ResizeMode): ResizeBox {
  if (resize !== 'native' && resize.fit === 'crop') {
    const side = Math.min(width, height);
    const x0 = (width - side) / 2;
    const y0 = (height - side) / 2;
    return { x0, y0, x1: x0 + side, y1: y0 + side };
  }
  return { x0: 0, y0: 0, x1: width, y1: height };
}

/** Divisor that brings this image's colour samples to 0..1 (0 means "all zero": max was 0). */
function colourScale(pixels: Pixels, highBitDepth: HighBitDepthMode): number {
  if (pixels.bitDepth === 8) return 255;
  switch (highBitDepth) {
    case 'max': {
      // The image's own maximum over colour samples (alpha excluded), as the reference.
      const { data, channels } = pixels;
      const colour = channels === 4 ? 3 : channels;
      let max = 0;
      for (let i = 0; i < data.length; i += channels) {
        for (let c = 0; c < colour; c++) if (data[i + c] > max) max = data[i + c];
      }
      return max;
    }
    default: {
      const never: never = highBitDepth;
      throw new RangeError(`preprocess: unknown highBitDepth ${JSON.stringify(never)}; valid: "max"`);
    }
  }
}

/**
 * Pixels → planar RGB floats in 0..1 at the image's own size (step 1 above). Exported for
 * tests and for callers that resize elsewhere.
 */
export function toUnitRgb(pixels: Pixels, highBitDepth: HighBitDepthMode): Float32Array {
  assertPixels(pixels);
  const { width, height, channels, data, bitDepth } = pixels;
  const n = width * height;
  const out = new Float32Array(3 * n);
  const divisor = colourScale(pixels, highBitDepth);
  // max 0 → every sample is 0: emit zeros, never 0/0 = NaN.
  const k = divisor > 0 ? 1 / divisor : 0;
  const alphaMax = bitDepth === 16 ? 65535 : 255;
  // 8-bit: lookup tables instead of a multiply and a divide per sample (~2x faster on 1 MP).
  const lut = bitDepth === 8 ? Float32Array.from({ length: 256 }, (_, v) => v * k) : null;
  const alphaLut = bitDepth === 8 ? Float32Array.from({ length: 256 }, (_, v) => v / 255) : null;
  const unit = (v: number): number => (lut ? lut[v] : v * k);
  const alpha = (v: number): number => (alphaLut ? alphaLut[v] : v / alphaMax);
  switch (channels) {
    case 1:
      for (let i = 0; i < n; i++) {
        const v = unit(data[i]);
        out[i] = v;
        out[n + i] = v;
        out[2 * n + i] = v;
      }
      break;
    case 3:
      for (let i = 0, j = 0; i < n; i++, j += 3) {
        out[i] = unit(data[j]);
        out[n + i] = unit(data[j + 1]);
        out[2 * n + i] = unit(data[j + 2]);
      }
      break;
    case 4:
      // Straight alpha over white: c·a + 1·(1 - a) (in 0..1; = (c·a + 255·(1 - a)) / 255 for 8-bit).
      if (lut && alphaLut) {
        // The browser path's only layout: specialised, no closures in the loop.
        for (let i = 0, j = 0; i < n; i++, j += 4) {
          const a = alphaLut[data[j + 3]];
          const white = 1 - a;
          out[i] = lut[data[j]] * a + white;
          out[n + i] = lut[data[j + 1]] * a + white;
          out[2 * n + i] = lut[data[j + 2]] * a + white;
        }
        break;
      }
      for (let i = 0, j = 0; i < n; i++, j += 4) {
        const a = alpha(data[j + 3]);
        const white = 1 - a;
        out[i] = unit(data[j]) * a + white;
        out[n + i] = unit(data[j + 1]) * a + white;
        out[2 * n + i] = unit(data[j + 2]) * a + white;
      }
      break;
    default: {
      const never: never = channels;
      throw new ImageError('unsupported', `Images with ${String(never)} channels are not supported (1, 3 or 4).`);
    }
  }
  return out;
}

/** In-place normalisation of planar RGB 0..1 data (step 3 above). */
export function normalise(data: Float32Array, mode: NormaliseMode): void {
  switch (mode) {
    case 'unit':
      return;
    case 'imagenet': {
      const plane = data.length / 3;
      for (let c = 0; c < 3; c++) {
        const mean = IMAGENET_MEAN[c];
        const inv = 1 / IMAGENET_STD[c];
        for (let i = c * plane, end = i + plane; i < end; i++) data[i] = (data[i] - mean) * inv;
      }
      return;
    }
    default: {
      const never: never = mode;
      throw new RangeError(`preprocess: unknown normalise ${JSON.stringify(never)}; valid: "unit", "imagenet"`);
    }
  }
}

/**
 * Decoded pixels → CHW Float32Array for the model, per `spec`. Pure: runs in a worker, on the
 * main thread or in Node. Cost: one pass to floats, one separable resample when the size
 * changes, one normalise pass; the output is the only large allocation kept.
 */
export function preprocess(pixels: Pixels, spec: PreprocessSpec): PreprocessedTensor {
  const size = outputSize(pixels.width, pixels.height, spec.resize);
  if (spec.resize !== 'native' && spec.resize.fit === 'pad') {
    const rgb = toUnitRgb(pixels, spec.highBitDepth);
    const fill = spec.resize.background === 'border' ? borderMedian(rgb, pixels.width, pixels.height) : WHITE;
    const square = padToSquare(rgb, pixels.width, pixels.height, fill);
    let data = square.data;
    if (square.side !== size.width) data = resizeBilinear(data, square.side, square.side, 3, size.width, size.height);
    normalise(data, spec.normalise);
    return { data, width: size.width, height: size.height };
  }
  let data = toUnitRgb(pixels, spec.highBitDepth);
  const box = sourceBox(pixels.width, pixels.height, spec.resize);
  const identity =
    size.width === pixels.width &&
    size.height === pixels.height &&
    box.x0 === 0 &&
    box.y0 === 0 &&
    box.x1 === pixels.width &&
    box.y1 === pixels.height;
  if (!identity) data = resizeBilinear(data, pixels.width, pixels.height, 3, size.width, size.height, box);
  normalise(data, spec.normalise);
  return { data, width: size.width, height: size.height };
}

const WHITE: readonly [number, number, number] = [1, 1, 1];

/**
 * Per-channel median of the image's outermost ring of pixels (planar RGB 0..1): the background
 * colour of a crop (FlowCam grey, dark-field black, white), robust to a particle that touches
 * the edge on one side. Median rather than mean so a cut-off particle does not tint the margin.
 */
export function borderMedian(data: Float32Array, width: number, height: number): [number, number, number] {
  const plane = width * height;
  const ring: number[] = [];
  for (let x = 0; x < width; x++) {
    ring.push(x);
    if (height > 1) ring.push((height - 1) * width + x);
  }
  for (let y = 1; y < height - 1; y++) {
    ring.push(y * width);
    if (width > 1) ring.push(y * width + width - 1);
  }
  const values = new Float32Array(ring.length);
  const median = (c: number): number => {
    for (let i = 0; i < ring.length; i++) values[i] = data[c * plane + ring[i]];
    values.sort();
    const mid = values.length >> 1;
    return values.length % 2 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
  };
  return [median(0), median(1), median(2)];
}

/**
 * Planar RGB 0..1 centred on a square of side max(width, height) filled with `fill` (white by
 * default); the odd pixel of an odd margin goes to the right / bottom. Returns the input itself
 * when already square.
 */
export function padToSquare(
  data: Float32Array,
  width: number,
  height: number,
  fill: readonly [number, number, number] = WHITE,
): { data: Float32Array; side: number } {
  const side = Math.max(width, height);
  if (width === height) return { data, side };
  const out = new Float32Array(3 * side * side);
  for (let c = 0; c < 3; c++) out.fill(fill[c], c * side * side, (c + 1) * side * side);
  const x0 = Math.floor((side - width) / 2);
  const y0 = Math.floor((side - height) / 2);
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < height; y++) {
      const from = (c * height + y) * width;
      out.set(data.subarray(from, from + width), (c * side + y0 + y) * side + x0);
    }
  }
  return { data: out, side };
}

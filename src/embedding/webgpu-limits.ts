/**
 * WebGPU on ordinary adapters: ask for the adapter's real buffer limits, and size batches so no
 * tensor exceeds them.
 *
 * Why: WebGPU's default device limits are 128 MiB per storage buffer binding (and 256 MiB per
 * buffer). onnxruntime-web's tensors for a batch grow with the batch; past the binding limit,
 * Dawn's software adapter returned wrong embeddings without an error (batches of 19+ 224 px
 * images with the 1.4-width MobileNetV2: minimum cosine 0.29 to the WASM result, issue 18). So:
 *  1. the device is created by us with `requiredLimits` up to what the adapter offers (more
 *     than the defaults on real GPUs), and handed to onnxruntime (`env.webgpu.device`);
 *  2. the engine splits a batch so that the largest tensor of one run stays within the device's
 *     binding limit (`maxBatchFor`), using a per-image bound on the largest activation;
 *  3. outputs are checked (finite, non-zero norm): a bad vector fails loudly, never silently.
 */

/** The limits that matter here (a subset of GPUSupportedLimits). */
export interface BufferLimits {
  maxStorageBufferBindingSize: number;
  maxBufferSize: number;
}

/** WebGPU's default limits (the spec's): what a device gets when nothing is asked for. */
export const WEBGPU_DEFAULT_LIMITS: BufferLimits = { maxStorageBufferBindingSize: 128 * 1024 * 1024, maxBufferSize: 256 * 1024 * 1024 };

/**
 * Bound on the largest activation tensor of one image, as a multiple of the input tensor's
 * bytes. The catalogue's networks: MobileNetV2 1.4 at 224 px expands to 112 x 112 x 134 floats
 * in its second block (6.7 MB, 11x its 0.6 MB input, which matches the failure starting at 19
 * images of 128 MiB); MobileNetV2 1.0: 112 x 112 x 96 (8x); ResNet18: 112 x 112 x 64 (5.3x).
 * 16x leaves room for onnxruntime's own buffers (im2col, layout transposes).
 */
export const ACTIVATION_FACTOR = 16;

/** Largest batch of `height` x `width` images whose tensors stay within `limits` (at least 1). */
export function maxBatchFor(limits: BufferLimits, height: number, width: number): number {
  const perImage = 3 * height * width * 4 * ACTIVATION_FACTOR;
  const cap = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  return Math.max(1, Math.floor(cap / perImage));
}

/** Splits `items` into runs of at most `size`. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Index of the first vector that is not finite or has zero norm, or -1. */
export function firstBadVector(vectors: readonly Float32Array[]): number {
  return vectors.findIndex((v) => {
    let norm = 0;
    for (let i = 0; i < v.length; i++) {
      if (!Number.isFinite(v[i])) return true;
      norm += v[i] * v[i];
    }
    return !(norm > 0);
  });
}

/** Minimal shapes of the WebGPU objects used (the project does not depend on @webgpu/types). */
interface GpuAdapterLike {
  limits: Record<string, number>;
  requestDevice(descriptor: { requiredLimits: Record<string, number> }): Promise<GpuDeviceLike>;
}
export interface GpuDeviceLike {
  limits: Record<string, number>;
}

/**
 * Limits onnxruntime-web asks for itself when it makes its own device (its WebGPU backend), and
 * the two buffer limits: all up to the adapter's values.
 */
const REQUESTED = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeWorkgroupsPerDimension',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupSizeZ',
] as const;

/**
 * A device with the adapter's own buffer limits, or null when there is no adapter.
 * @throws when the adapter refuses the device (the caller falls back to WASM and says why).
 */
export async function requestDeviceWithAdapterLimits(gpu: { requestAdapter(): Promise<unknown> } | undefined): Promise<GpuDeviceLike | null> {
  const adapter = (await gpu?.requestAdapter()) as GpuAdapterLike | null | undefined;
  if (!adapter) return null;
  const requiredLimits: Record<string, number> = {};
  for (const name of REQUESTED) if (typeof adapter.limits[name] === 'number') requiredLimits[name] = adapter.limits[name];
  return adapter.requestDevice({ requiredLimits });
}

/** The buffer limits of a device (defaults where it does not say). */
export function bufferLimitsOf(device: GpuDeviceLike | null): BufferLimits {
  return {
    maxStorageBufferBindingSize: device?.limits.maxStorageBufferBindingSize ?? WEBGPU_DEFAULT_LIMITS.maxStorageBufferBindingSize,
    maxBufferSize: device?.limits.maxBufferSize ?? WEBGPU_DEFAULT_LIMITS.maxBufferSize,
  };
}

import { describe, expect, it } from 'vitest';
import { WEBGPU_DEFAULT_LIMITS, bufferLimitsOf, chunk, firstBadVector, maxBatchFor, requestDeviceWithAdapterLimits } from './webgpu-limits.ts';

describe('WebGPU batch sizing and output checks', () => {
  it('at the default 128 MiB binding limit, 224 px batches stay under the size that failed (19)', () => {
    const n = maxBatchFor(WEBGPU_DEFAULT_LIMITS, 224, 224);
    expect(n).toBeGreaterThanOrEqual(1);
    expect(n).toBeLessThan(19);
    // The 1.4-width MobileNetV2's largest activation (112 x 112 x 134 floats) times the batch fits.
    expect(n * 112 * 112 * 134 * 4).toBeLessThanOrEqual(WEBGPU_DEFAULT_LIMITS.maxStorageBufferBindingSize);
    // An H200-class adapter (4 GiB bindings) batches far more; a huge image still gets batch 1.
    expect(maxBatchFor({ maxStorageBufferBindingSize: 2 ** 32 - 4, maxBufferSize: 2 ** 40 }, 224, 224)).toBeGreaterThan(300);
    expect(maxBatchFor(WEBGPU_DEFAULT_LIMITS, 4000, 4000)).toBe(1);
  });

  it('chunks in order and finds non-finite or zero vectors', () => {
    expect(chunk([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(firstBadVector([Float32Array.of(1, 0), Float32Array.of(0, 2)])).toBe(-1);
    expect(firstBadVector([Float32Array.of(1, 0), Float32Array.of(0, 0)])).toBe(1);
    expect(firstBadVector([Float32Array.of(Number.NaN, 1)])).toBe(0);
    expect(firstBadVector([Float32Array.of(Infinity, 1)])).toBe(0);
  });

  it('asks the adapter for its own buffer limits, not the defaults', async () => {
    let asked: Record<string, number> | undefined;
    const adapterLimits = { maxStorageBufferBindingSize: 2 ** 31, maxBufferSize: 2 ** 32, maxComputeWorkgroupStorageSize: 32768, unrelated: 7 };
    const gpu = {
      requestAdapter: async () => ({
        limits: adapterLimits,
        requestDevice: async (d: { requiredLimits: Record<string, number> }) => ((asked = d.requiredLimits), { limits: { ...d.requiredLimits } }),
      }),
    };
    const device = await requestDeviceWithAdapterLimits(gpu);
    expect(asked).toEqual({ maxStorageBufferBindingSize: 2 ** 31, maxBufferSize: 2 ** 32, maxComputeWorkgroupStorageSize: 32768 });
    expect(bufferLimitsOf(device)).toEqual({ maxStorageBufferBindingSize: 2 ** 31, maxBufferSize: 2 ** 32 });
    expect(await requestDeviceWithAdapterLimits({ requestAdapter: async () => null })).toBeNull();
    expect(bufferLimitsOf(null)).toEqual(WEBGPU_DEFAULT_LIMITS);
  });
});

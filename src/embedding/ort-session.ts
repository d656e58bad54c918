/**
 * One onnxruntime-web inference session for an embedding model, inside the engine worker.
 *
 * Two ORT builds are used, chosen by the platform: the JSEP build (WebGPU + WASM, 28 MB wasm)
 * only when a WebGPU adapter exists, else the plain WASM build (14 MB wasm, and ~25% faster on
 * CPU than the JSEP build per DESIGN §5). Their glue (.mjs) and binaries (.wasm) are passed in
 * as a blob URL and bytes that the caller got from the asset cache, so ORT fetches nothing and
 * a second or offline load works; the glue as a blob URL also lets ORT start its pthread
 * workers from the page's origin when the plugin script came from another origin.
 */
import type * as OrtTypes from 'onnxruntime-web';
import { EngineError } from './engine-errors.ts';
import type { ModelEntry } from './manifest-types.ts';
import { SerialQueue } from './serial-queue.ts';
import { bufferLimitsOf, chunk, firstBadVector, maxBatchFor, requestDeviceWithAdapterLimits, type BufferLimits } from './webgpu-limits.ts';

export type OrtModule = typeof OrtTypes;
export type Backend = 'webgpu' | 'wasm';

export interface OrtRuntimeAssets {
  /** Blob or absolute URL of the build's `.mjs` glue. */
  mjsUrl: string;
  /** The build's `.wasm` bytes. */
  wasmBinary: ArrayBuffer;
}

export interface SessionOptions {
  backend: Backend;
  threads: number;
  assets: OrtRuntimeAssets;
}

export interface SessionInfo {
  backend: Backend;
  threads: number;
  createMs: number;
  /** WebGPU only: the device's buffer limits, which bound the batch size (webgpu-limits.ts). */
  gpuLimits?: BufferLimits;
}

/** A loaded model; `run` batches same-size images into one ORT call. */
export class EmbeddingSession {
  private readonly queue = new SerialQueue();

  private constructor(
    private readonly ort: OrtModule,
    private readonly session: OrtTypes.InferenceSession,
    readonly entry: ModelEntry,
    readonly info: SessionInfo,
  ) {}

  /**
   * Create a session. The WebGPU EP is tried first when asked; if ORT cannot create it
   * (adapter lost, unsupported op) the error propagates so the caller can fall back to WASM
   * and say why.
   */
  static async create(ort: OrtModule, entry: ModelEntry, modelBytes: ArrayBuffer, options: SessionOptions): Promise<EmbeddingSession> {
    ort.env.wasm.numThreads = options.threads;
    ort.env.wasm.wasmPaths = { mjs: options.assets.mjsUrl };
    // ORT keeps a reference; give it its own copy so the caller's buffer may be transferred/reused.
    ort.env.wasm.wasmBinary = options.assets.wasmBinary;
    // We are already in a worker: ORT's own proxy worker would add a second hop for nothing.
    ort.env.wasm.proxy = false;
    const started = performance.now();
    let gpuLimits: BufferLimits | undefined;
    if (options.backend === 'webgpu') {
      // Our own device with the adapter's real buffer limits (not WebGPU's 128 MiB default).
      try {
        const device = await requestDeviceWithAdapterLimits((navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu);
        if (device) (ort.env.webgpu as { device: unknown }).device = device;
        gpuLimits = bufferLimitsOf(device);
      } catch (error) {
        throw new EngineError('webgpu-failed', `WebGPU device with the adapter's limits failed: ${(error as Error)?.message ?? String(error)}`);
      }
    }
    let session: OrtTypes.InferenceSession;
    try {
      session = await ort.InferenceSession.create(new Uint8Array(modelBytes), {
        executionProviders: options.backend === 'webgpu' ? ['webgpu'] : ['wasm'],
        graphOptimizationLevel: 'all',
      });
    } catch (error) {
      const message = (error as Error)?.message ?? String(error);
      if (options.backend === 'webgpu') throw new EngineError('webgpu-failed', `WebGPU session failed: ${message}`);
      throw new EngineError('model-invalid', `onnxruntime could not load ${entry.file}: ${message}; is it an ONNX model?`);
    }
    const missingInput = !session.inputNames.includes(entry.inputName);
    const missingOutput = !session.outputNames.includes(entry.outputName);
    if (missingInput || missingOutput) {
      await session.release();
      throw new EngineError('model-invalid',
        `${entry.file} has inputs [${session.inputNames.join(', ')}] and outputs [${session.outputNames.join(', ')}], ` +
        `but the manifest names input "${entry.inputName}" and output "${entry.outputName}"; fix the manifest entry`);
    }
    const info: SessionInfo = {
      backend: options.backend,
      threads: options.threads,
      createMs: performance.now() - started,
      ...(gpuLimits ? { gpuLimits } : {}),
    };
    return new EmbeddingSession(ort, session, entry, info);
  }

  /**
   * Embed a batch of CHW tensors that share one height and width. Returns one vector per
   * input, in order. On WebGPU the batch is split so no tensor exceeds the device's buffer
   * limits; every vector is checked (finite, non-zero) before it is returned.
   */
  run(batch: Float32Array[], height: number, width: number): Promise<Float32Array[]> {
    return this.queue.run(async () => {
      const size = this.info.gpuLimits ? maxBatchFor(this.info.gpuLimits, height, width) : batch.length;
      const vectors: Float32Array[] = [];
      for (const part of chunk(batch, Math.max(1, size))) vectors.push(...(await this.runOnce(part, height, width)));
      const bad = firstBadVector(vectors);
      if (bad >= 0) {
        throw new EngineError(this.info.backend === 'webgpu' ? 'webgpu-failed' : 'model-invalid',
          `${this.entry.file} returned a non-finite or all-zero embedding for image ${bad + 1} of ${vectors.length} on ${this.info.backend}; ` +
          (this.info.backend === 'webgpu' ? 'turn WebGPU off (webgpu: false) to use WASM' : 'the model file may be damaged: run `npm run models`'));
      }
      return vectors;
    });
  }

  /** One ORT run. A fresh input tensor is built for every run (ORT may take ownership). */
  private async runOnce(batch: Float32Array[], height: number, width: number): Promise<Float32Array[]> {
    {
      const n = batch.length;
      const plane = 3 * height * width;
      const input = new Float32Array(n * plane);
      batch.forEach((chw, i) => {
        if (chw.length !== plane) throw new EngineError('internal', `tensor ${i} has ${chw.length} values, expected ${plane}`);
        input.set(chw, i * plane);
      });
      const tensor = new this.ort.Tensor('float32', input, [n, 3, height, width]);
      const outputs = await this.session.run({ [this.entry.inputName]: tensor });
      const output = outputs[this.entry.outputName];
      const data = (output.location === 'cpu' ? output.data : await output.getData()) as Float32Array;
      const size = this.entry.embeddingSize;
      if (data.length !== n * size) {
        throw new EngineError('model-invalid',
          `${this.entry.file} returned ${data.length / n} values per image, the manifest says embeddingSize ${size}`);
      }
      const vectors: Float32Array[] = [];
      for (let i = 0; i < n; i++) vectors.push(data.slice(i * size, (i + 1) * size));
      for (const value of Object.values(outputs)) value.dispose?.();
      return vectors;
    }
  }

  release(): Promise<void> {
    return this.queue.run(() => this.session.release());
  }
}

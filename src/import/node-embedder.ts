/**
 * `--embed`: the plugin's model and preprocessing in onnxruntime-node. The manifest entry, the
 * integrity check (`verifyModelBytes`) and the preprocessing (`preprocess`) are the plugin's own
 * modules, so a vector computed here equals the one the browser would compute for the same
 * displayed image (the parity test checks 1e-4), and it is stored under the browser's key.
 *
 * onnxruntime-node is loaded only here, on demand: the rest of the import works without it, and
 * when it is missing (it is a devDependency, and its install downloads native binaries) the
 * error says what to install.
 */
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { parseManifest, selectModel, verifyModelBytes } from '../embedding/manifest.ts';
import type { ModelEntry } from '../embedding/manifest-types.ts';
import type { Pixels } from '../embedding/pixels.ts';
import { NATIVE_MAX_SIDE, preprocess } from '../embedding/preprocess.ts';
import { ImportError } from './import-error.ts';

type OrtNode = typeof import('onnxruntime-node');

/** Loads onnxruntime-node, or explains how to get it. */
export async function loadOrtNode(): Promise<OrtNode> {
  try {
    return await import('onnxruntime-node');
  } catch (error) {
    throw new ImportError(
      `--embed needs onnxruntime-node, which could not be loaded (${(error as Error).message.split('\n')[0]}). ` +
      'Install it with `ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node@^1.30.0` (CPU only; the variable skips ' +
      'its optional CUDA download), or run the import without --embed: annotators\' browsers then embed the images themselves.',
    );
  }
}

/** One image to embed: its cache key and the pixels the browser will decode. */
export interface EmbedInput {
  imageKey: string;
  pixels: Pixels;
}

/** One computed embedding. */
export interface EmbedOutput {
  imageKey: string;
  vector: Float32Array;
  width: number;
  height: number;
}

/** A loaded model, embedding batches of images on all cores. */
export class NodeEmbedder {
  private constructor(
    private readonly ort: OrtNode,
    private readonly session: import('onnxruntime-node').InferenceSession,
    readonly entry: ModelEntry,
    readonly threads: number,
  ) {}

  /**
   * Loads the manifest entry (`modelId`, or the manifest's default) and its model file, checks
   * the file's SHA-256 against the manifest, and creates a CPU session with `threads` threads.
   */
  static async create(manifestPath: string, modelId?: string, threads = availableParallelism()): Promise<NodeEmbedder> {
    const ort = await loadOrtNode();
    let manifestText: string;
    try {
      manifestText = await readFile(manifestPath, 'utf8');
    } catch {
      throw new ImportError(`the model manifest ${manifestPath} cannot be read: run \`npm run models\`, or pass --manifest`);
    }
    const entry = selectModel(parseManifest(JSON.parse(manifestText)), modelId);
    const modelPath = join(dirname(manifestPath), entry.file);
    let bytes: Buffer;
    try {
      bytes = await readFile(modelPath);
    } catch {
      throw new ImportError(`the model file ${modelPath} is missing: run \`npm run models\` (generated models) or put the exported file next to the manifest`);
    }
    await verifyModelBytes(entry, bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
    const session = await ort.InferenceSession.create(bytes, {
      intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all', executionProviders: ['cpu'],
    });
    return new NodeEmbedder(ort, session, entry, threads);
  }

  /**
   * Whether the browser would decode this image at the same size we do. Native-size models
   * downscale images over NATIVE_MAX_SIDE in the browser's decoder, which Node cannot repeat
   * exactly: such images are left to the browser.
   */
  canEmbedExactly(pixels: Pixels): boolean {
    return this.entry.preprocess.resize !== 'native' || Math.max(pixels.width, pixels.height) <= NATIVE_MAX_SIDE;
  }

  /** Embeds images, batching those whose tensors share a size; outputs in input order. */
  async embed(inputs: readonly EmbedInput[]): Promise<EmbedOutput[]> {
    const tensors = inputs.map((input) => ({ input, tensor: preprocess(input.pixels, this.entry.preprocess) }));
    const groups = new Map<string, typeof tensors>();
    for (const t of tensors) {
      const key = `${t.tensor.height}x${t.tensor.width}`;
      groups.set(key, [...(groups.get(key) ?? []), t]);
    }
    const out = new Map<EmbedInput, EmbedOutput>();
    for (const group of groups.values()) {
      const { width, height } = group[0].tensor;
      const plane = 3 * width * height;
      const batch = new Float32Array(group.length * plane);
      group.forEach((g, i) => batch.set(g.tensor.data, i * plane));
      const feeds = { [this.entry.inputName]: new this.ort.Tensor('float32', batch, [group.length, 3, height, width]) };
      const result = (await this.session.run(feeds))[this.entry.outputName];
      const data = result.data as Float32Array;
      const size = this.entry.embeddingSize;
      if (data.length !== group.length * size) {
        throw new ImportError(`${this.entry.file} returned ${data.length / group.length} values per image, the manifest says ${size}`);
      }
      group.forEach((g, i) => out.set(g.input, {
        imageKey: g.input.imageKey,
        vector: data.slice(i * size, (i + 1) * size),
        // The browser stores the decoded image's size with each vector (EmbeddingRecord.width/height)
        // as the tensor size; keep the same.
        width: g.tensor.width,
        height: g.tensor.height,
      }));
    }
    return inputs.map((i) => out.get(i)!);
  }

  release(): Promise<void> {
    return this.session.release();
  }
}

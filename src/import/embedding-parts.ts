/**
 * Collects computed embeddings and writes them as part files (`src/store/embedding-file.ts`)
 * of at most `PART_VECTORS` vectors: to a folder, and/or to the shim (PUT), which serves them
 * to the plugin. Holding one part at a time bounds memory (5,000 x 512 floats = 10 MB).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeEmbeddingPart, PART_VECTORS } from '../store/embedding-file.ts';
import { partName } from '../shim/embedding-files.ts';
import { ImportError } from './import-error.ts';
import type { EmbedOutput } from './node-embedder.ts';

/** Where parts go. */
export interface PartTargets {
  /** Folder to write parts into (created when missing). */
  dir?: string;
  /** Shim base URL and project key: parts are PUT to `<shim>/embeddings/<project>/<model>/<part>`. */
  shim?: { url: string; project: string; /** Label Studio token: a shim with auth on asks Label Studio whether it may write to that project. */ token?: string };
}

/** Accumulates vectors of one model and flushes full parts. */
export class EmbeddingPartWriter {
  private pending: EmbedOutput[] = [];
  readonly written: string[] = [];
  vectors = 0;

  constructor(private readonly modelId: string, private readonly dim: number, private readonly targets: PartTargets, private readonly partSize = PART_VECTORS) {}

  async add(outputs: readonly EmbedOutput[]): Promise<void> {
    this.pending.push(...outputs);
    while (this.pending.length >= this.partSize) await this.flushPart(this.pending.splice(0, this.partSize));
  }

  /** Writes what is left as a last (smaller) part. */
  async close(): Promise<void> {
    if (this.pending.length > 0) await this.flushPart(this.pending.splice(0));
  }

  private async flushPart(items: EmbedOutput[]): Promise<void> {
    // Sorted by key: the same images always make the same bytes, hence the same part name.
    items.sort((a, b) => (a.imageKey < b.imageKey ? -1 : a.imageKey > b.imageKey ? 1 : 0));
    const bytes = encodeEmbeddingPart(this.modelId, this.dim, items);
    const name = partName(bytes);
    if (this.targets.dir) {
      const dir = join(this.targets.dir, this.modelId);
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, name), bytes);
    }
    if (this.targets.shim) {
      const url = `${this.targets.shim.url.replace(/\/+$/, '')}/embeddings/${encodeURIComponent(this.targets.shim.project)}/${encodeURIComponent(this.modelId)}/${name}`;
      let response: Response;
      try {
        response = await fetch(url, { method: 'PUT', headers: { 'Content-Type': 'application/octet-stream', ...(this.targets.shim.token ? { Authorization: `Token ${this.targets.shim.token}` } : {}) }, body: bytes as Uint8Array<ArrayBuffer> });
      } catch (error) {
        throw new ImportError(`cannot reach the shim at ${this.targets.shim.url} to store embeddings (${(error as Error).message}): check --shim, and that \`npm run shim\` is running`);
      }
      if (!response.ok) throw new ImportError(`the shim refused embedding part ${name}: HTTP ${response.status} ${(await response.text()).slice(0, 300)}`);
    }
    this.written.push(name);
    this.vectors += items.length;
  }
}

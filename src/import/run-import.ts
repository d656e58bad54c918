/**
 * The import, start to end: walk the folder, read FlowCam tables, prepare each image (convert
 * TIFF and inexact PNGs to PNG), drop what the destination already holds or what repeats in
 * this run, create the tasks in batches, and with `--embed` compute the embeddings and write
 * them as parts for the plugin. Files are handled in batches, so memory stays bounded whatever
 * the folder size. Returns the summary; the CLI prints it.
 */
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ImageError } from '../embedding/image-errors.ts';
import type { Destination, TaskInput } from './destinations.ts';
import { EmbeddingPartWriter, type PartTargets } from './embedding-parts.ts';
import { matchParticle, parseFlowCamCsv, type FlowCamTable } from './flowcam-csv.ts';
import type { EmbedInput, NodeEmbedder } from './node-embedder.ts';
import { prepareImage } from './prepare-image.ts';
import { createProgress } from './progress.ts';
import { walkFolder } from './walk-folder.ts';

/** Why a file did not become a task. */
export type SkipReason = 'not-an-image' | 'unreadable' | 'duplicate-content' | 'already-imported';

/** What one run did. */
export interface ImportSummary {
  destination: string;
  found: number;
  created: number;
  converted: number;
  skipped: Record<SkipReason, Array<{ path: string; detail: string }>>;
  flowcam: { tables: string[]; ignoredCsv: string[]; matched: number };
  embedding?: { modelId: string; embedded: number; parts: string[]; notEmbedded: Array<{ path: string; detail: string }> };
  seconds: number;
}

/** Options of {@link runImport}. */
export interface RunImportOptions {
  folder: string;
  destination: Destination;
  embedder?: NodeEmbedder;
  embeddingTargets?: PartTargets;
  /** Files per batch (read, converted, uploaded together). */
  batchSize?: number;
  quiet?: boolean;
  /** Vectors per embedding part (tests use small parts). */
  partSize?: number;
  /** Also embed images whose tasks exist already (their embeddings were never computed). */
  embedExisting?: boolean;
  /** Only the files whose index in the sorted walk is `index` modulo `count` (a distributed run's worker). */
  shard?: { index: number; count: number };
}

/** Runs the import (see the module comment). */
export async function runImport(options: RunImportOptions): Promise<ImportSummary> {
  const started = Date.now();
  const { destination, embedder } = options;
  const batchSize = options.batchSize ?? 32;
  const contents = await walkFolder(options.folder);
  // The walk is sorted, so every worker of a distributed run cuts the same list the same way.
  if (options.shard) {
    const { index, count } = options.shard;
    contents.files = contents.files.filter((_, i) => i % count === index);
  }
  const summary: ImportSummary = {
    destination: destination.description,
    found: contents.files.length,
    created: 0,
    converted: 0,
    skipped: { 'not-an-image': [], unreadable: [], 'duplicate-content': [], 'already-imported': [] },
    flowcam: { tables: [], ignoredCsv: [], matched: 0 },
    seconds: 0,
  };

  // FlowCam tables apply to the images in their own folder.
  const tables = new Map<string, FlowCamTable[]>();
  for (const csv of contents.csvFiles) {
    let table: FlowCamTable | null;
    try {
      table = parseFlowCamCsv(await readFile(csv.path, 'utf8'), csv.relativePath);
    } catch (error) {
      summary.flowcam.ignoredCsv.push(`${csv.relativePath} (not readable as CSV: ${(error as Error).message})`);
      continue;
    }
    if (!table) {
      summary.flowcam.ignoredCsv.push(`${csv.relativePath} (no "Particle ID" column: not a FlowCam particle table)`);
      continue;
    }
    const dir = dirname(csv.relativePath);
    tables.set(dir, [...(tables.get(dir) ?? []), table]);
    summary.flowcam.tables.push(`${csv.relativePath} (${table.rowCount} particles)`);
  }

  const known = await destination.existing();
  const seen = new Map<string, string>();
  const writer = embedder ? new EmbeddingPartWriter(embedder.entry.id, embedder.entry.embeddingSize, options.embeddingTargets ?? {}, options.partSize) : undefined;
  const notEmbedded: Array<{ path: string; detail: string }> = [];
  const progress = createProgress(contents.files.length, options.quiet ?? false);
  let inFlight: Promise<void> = Promise.resolve();
  try {
    for (let start = 0; start < contents.files.length; start += batchSize) {
      const files = contents.files.slice(start, start + batchSize);
      const batch: TaskInput[] = [];
      const toEmbed: EmbedInput[] = [];
      for (const file of files) {
        let prepared;
        try {
          prepared = await prepareImage(new Uint8Array(await readFile(file.path)), file.name, { browserFormatPixels: embedder !== undefined });
        } catch (error) {
          const reason: SkipReason = error instanceof ImageError && error.code === 'not-an-image' ? 'not-an-image' : 'unreadable';
          summary.skipped[reason].push({ path: file.relativePath, detail: firstLine(error) });
          continue;
        }
        if (known.has(prepared.sourceSha256)) {
          summary.skipped['already-imported'].push({ path: file.relativePath, detail: 'a task with the same content is already there' });
          // A project imported without --embed can get its embeddings later (--embed-existing).
          if (embedder && options.embedExisting && prepared.pixels && embedder.canEmbedExactly(prepared.pixels) && !seen.has(prepared.sourceSha256)) {
            seen.set(prepared.sourceSha256, file.relativePath);
            toEmbed.push({ imageKey: prepared.displaySha256, pixels: prepared.pixels });
          }
          continue;
        }
        const twin = seen.get(prepared.sourceSha256);
        if (twin) {
          summary.skipped['duplicate-content'].push({ path: file.relativePath, detail: `same bytes as ${twin}` });
          continue;
        }
        seen.set(prepared.sourceSha256, file.relativePath);
        const measurements = (tables.get(dirname(file.relativePath)) ?? []).map((t) => matchParticle(t, file.name)).find(Boolean);
        if (measurements) summary.flowcam.matched++;
        if (prepared.converted) summary.converted++;
        batch.push({
          relativePath: file.relativePath, originalName: file.name, sourceSha256: prepared.sourceSha256,
          displaySha256: prepared.displaySha256, displayName: prepared.displayName, displayBytes: prepared.displayBytes,
          ...(measurements ? { measurements } : {}),
        });
        if (embedder) {
          if (!prepared.pixels) notEmbedded.push({ path: file.relativePath, detail: prepared.leftToBrowser ?? `${prepared.format.toUpperCase()}: not decoded in Node, so annotators' browsers embed it` });
          else if (!embedder.canEmbedExactly(prepared.pixels)) notEmbedded.push({ path: file.relativePath, detail: 'larger than the native-size limit: the browser downscales it while decoding' });
          else toEmbed.push({ imageKey: prepared.displaySha256, pixels: prepared.pixels });
        }
      }
      // One batch's inference in flight (onnxruntime-node runs it on its own threads) while the
      // next batch is read and converted: memory stays bounded to two batches.
      if (embedder && writer && toEmbed.length > 0) {
        await inFlight;
        const running = embedder.embed(toEmbed).then((out) => writer.add(out));
        running.catch(() => undefined); // rejected before it is awaited: not an unhandled rejection
        inFlight = running;
      }
      summary.created += await destination.add(batch);
      progress.tick(files.length);
    }
    await inFlight;
    if (writer) await writer.close();
    summary.created += await destination.finish();
  } finally {
    progress.stop();
  }
  if (embedder && writer) summary.embedding = { modelId: embedder.entry.id, embedded: writer.vectors, parts: writer.written, notEmbedded };
  summary.seconds = (Date.now() - started) / 1000;
  return summary;
}

function firstLine(error: unknown): string {
  return ((error as Error)?.message ?? String(error)).split('\n')[0];
}

/** The summary as lines for a person. */
export function formatSummary(s: ImportSummary): string {
  const lines = [
    `Imported into ${s.destination}`,
    `  ${s.found} files found, ${s.created} tasks created (${s.converted} converted to PNG) in ${s.seconds.toFixed(1)} s` +
      (s.seconds > 0 ? ` (${(s.found / s.seconds).toFixed(1)} images/s)` : ''),
  ];
  if (s.flowcam.tables.length > 0) lines.push(`  FlowCam tables: ${s.flowcam.tables.join(', ')}; ${s.flowcam.matched} images matched a particle row`);
  for (const csv of s.flowcam.ignoredCsv) lines.push(`  CSV ignored: ${csv}`);
  const names: Record<SkipReason, string> = {
    'already-imported': 'already in the project (same content)',
    'duplicate-content': 'duplicate content in this folder',
    'not-an-image': 'not an image',
    unreadable: 'unreadable image',
  };
  for (const [reason, list] of Object.entries(s.skipped) as Array<[SkipReason, Array<{ path: string; detail: string }>]>) {
    if (list.length === 0) continue;
    lines.push(`  skipped, ${names[reason]}: ${list.length}`);
    for (const item of list.slice(0, 5)) lines.push(`    ${item.path}: ${item.detail}`);
    if (list.length > 5) lines.push(`    … and ${list.length - 5} more`);
  }
  if (s.embedding) {
    lines.push(`  embeddings (${s.embedding.modelId}): ${s.embedding.embedded} computed, ${s.embedding.parts.length} part file(s)`);
    if (s.embedding.notEmbedded.length > 0) {
      lines.push(`  left to the browser to embed: ${s.embedding.notEmbedded.length}`);
      for (const item of s.embedding.notEmbedded.slice(0, 3)) lines.push(`    ${item.path}: ${item.detail}`);
    }
  }
  return lines.join('\n');
}

/**
 * Generates the project's seeded-weight ONNX models and their `models/manifest.json` entries,
 * in TypeScript, without Python or a download.
 *
 *   npx tsx scripts/make-models.ts              # (re)write both models and the manifest entries
 *   npx tsx scripts/make-models.ts --if-missing # skip models already present with the manifest's hash
 *
 * Output is byte-for-byte deterministic, so the committed manifest's sha256 values stay valid.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ModelEntry } from '../src/embedding/manifest-types.ts';
import { DEFAULT_MODEL_ID, GENERATED_MODELS, buildModelBytes, manifestEntry, sha256Hex } from './onnx/generated-models.ts';
import { mergeManifest, readManifest, serialiseManifest, writeFileAtomic } from './onnx/manifest-file.ts';

const OPTIONS = ['--if-missing', '--help'] as const;

function main(argv: string[]): void {
  for (const a of argv) {
    if (!(OPTIONS as readonly string[]).includes(a)) {
      throw new Error(`make-models: unknown option ${a}; valid options: ${OPTIONS.join(', ')}`);
    }
  }
  if (argv.includes('--help')) {
    console.log('usage: tsx scripts/make-models.ts [--if-missing]');
    return;
  }
  const ifMissing = argv.includes('--if-missing');
  const modelsDir = fileURLToPath(new URL('../models/', import.meta.url));
  const manifestPath = join(modelsDir, 'manifest.json');
  mkdirSync(modelsDir, { recursive: true });
  const current = readManifest(manifestPath);

  const entries: ModelEntry[] = [];
  for (const model of GENERATED_MODELS) {
    const path = join(modelsDir, model.entry.file);
    const known = current?.models.find((m) => m.id === model.entry.id);
    if (ifMissing && known && existsSync(path) && sha256Hex(readFileSync(path)) === known.sha256) {
      console.log(`${model.entry.file}: present, sha256 ok, skipped`);
      entries.push(known);
      continue;
    }
    const t0 = performance.now();
    const bytes = buildModelBytes(model);
    writeFileAtomic(path, bytes);
    const entry = manifestEntry(model, bytes);
    entries.push(entry);
    const ms = Math.round(performance.now() - t0);
    console.log(`${model.entry.file}: ${bytes.byteLength} bytes, sha256 ${entry.sha256} (${ms} ms)`);
  }

  const next = serialiseManifest(mergeManifest(current, entries, DEFAULT_MODEL_ID));
  const before = existsSync(manifestPath) ? readFileSync(manifestPath, 'utf8') : '';
  if (next !== before) {
    writeFileAtomic(manifestPath, next);
    console.log(`models/manifest.json updated`);
  }
}

main(process.argv.slice(2));

/**
 * Reading, merging and writing `models/manifest.json` for the generator. Entries the generator
 * does not own (a user's exported model) are kept as they are, in place.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { ModelEntry, ModelManifest } from '../../src/embedding/manifest-types.ts';

/** The manifest on disk, or null when there is none yet. Throws on malformed JSON. */
export function readManifest(path: string): ModelManifest | null {
  if (!existsSync(path)) return null;
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as ModelManifest;
  if (parsed.version !== 1 || !Array.isArray(parsed.models)) {
    throw new Error(`${path}: expected {"version": 1, "default": ..., "models": [...]}`);
  }
  return parsed;
}

/**
 * Replaces (in place) or appends `entries` by id; keeps every other entry and its order.
 * `default` is kept when it names an entry (a user may have chosen their own model);
 * otherwise it becomes `fallbackDefault`.
 */
export function mergeManifest(
  current: ModelManifest | null,
  entries: readonly ModelEntry[],
  fallbackDefault: string,
): ModelManifest {
  const models = [...(current?.models ?? [])];
  for (const e of entries) {
    const i = models.findIndex((m) => m.id === e.id);
    // An entry rewritten from code keeps the manifest's "test" mark (test-only models stay out
    // of the demo and the Docker image; scripts/build/model-catalogue.ts).
    if (i >= 0) models[i] = models[i].test && !e.test ? { ...e, test: true } : e;
    else models.push(e);
  }
  const keepDefault = current?.default !== undefined && models.some((m) => m.id === current.default);
  return { version: 1, default: keepDefault ? current!.default : fallbackDefault, models };
}

/** Stable text form: 2-space JSON and a final newline, so reruns give identical bytes. */
export function serialiseManifest(m: ModelManifest): string {
  return `${JSON.stringify(m, null, 2)}\n`;
}

/** Writes a file via a temporary name and a rename, so a reader never sees a half-written file. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

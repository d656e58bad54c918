/**
 * Pure rules over label records (schema.ts `LabelRecord`): which record speaks for a task, and
 * what the learner's labelled set is. Kept apart from the IndexedDB code so every rule is tested
 * without a database.
 */
import type { LabelRecord } from './schema.ts';

/** Source key of an annotation read from Label Studio. */
export function labelStudioSource(annotationId: number): string {
  return `ls:${annotationId}`;
}

/** Source key of labels submitted in this browser, before the server's copy has been read. */
export function localSource(taskId: number): string {
  return `local:${taskId}`;
}

/** Whether a record is a Label Studio annotation read from the server. */
export function isServerRecord(record: Pick<LabelRecord, 'source'>): boolean {
  return record.source.startsWith('ls:');
}

/**
 * The record that speaks for each task: the newest (`updatedAt`), ties broken by source key so
 * every tab and browser picks the same one. Several annotators labelling one task thus give the
 * latest opinion, and an update replaces its annotation's earlier labels.
 */
export function latestPerTask(records: readonly LabelRecord[]): Map<number, LabelRecord> {
  const out = new Map<number, LabelRecord>();
  for (const record of records) {
    if (!hasLabels(record)) continue;
    const current = out.get(record.taskId);
    if (!current || record.updatedAt > current.updatedAt || (record.updatedAt === current.updatedAt && record.source > current.source)) {
      out.set(record.taskId, record);
    }
  }
  return out;
}

/** One learner item: key `<task id>:<image name>`, its labels and the URL to embed. */
export interface DerivedItem {
  key: string;
  taskId: number;
  imageName: string;
  labels: Record<string, string[]>;
  url: string | undefined;
}

/** The learner's labelled set as the records say: one item per (task, image) with labels. */
export function derivedItems(records: readonly LabelRecord[]): Map<string, DerivedItem> {
  const items = new Map<string, DerivedItem>();
  for (const record of latestPerTask(records).values()) {
    for (const [imageName, labels] of Object.entries(record.labels)) {
      if (Object.values(labels).every((v) => v.length === 0)) continue;
      const key = `${record.taskId}:${imageName}`;
      items.set(key, { key, taskId: record.taskId, imageName, labels, url: record.urls[imageName] });
    }
  }
  return items;
}

/**
 * The labels time of a model version (model-version.ts): the newest `updatedAt` among the
 * project's Label Studio annotations (with labels) this browser has read — Label Studio's own
 * clock, so every browser that read the same annotations gets the same time. A browser's own
 * labels (`local:` records) carry its clock, which no other browser shares: a bulk label that
 * included annotated tasks gave two browsers with the same labels different times, so they
 * count only where no annotation of the server is known at all (the demo, offline). 0 when none.
 */
export function labelsWatermark(records: readonly LabelRecord[]): number {
  let server = 0;
  let local = 0;
  let anyServer = false;
  for (const record of records) {
    if (!hasLabels(record)) continue;
    if (isServerRecord(record)) {
      anyServer = true;
      server = Math.max(server, record.updatedAt);
    } else {
      local = Math.max(local, record.updatedAt);
    }
  }
  return anyServer ? server : local;
}

/** Same labels (control → values, order-insensitive per control)? */
export function sameLabels(a: Readonly<Record<string, readonly string[]>> | undefined, b: Readonly<Record<string, readonly string[]>>): boolean {
  if (!a) return false;
  const keys = (r: Readonly<Record<string, readonly string[]>>) => Object.keys(r).filter((k) => r[k].length > 0).sort();
  const ka = keys(a);
  const kb = keys(b);
  if (ka.length !== kb.length || ka.some((k, i) => k !== kb[i])) return false;
  return ka.every((k) => [...a[k]].sort().join('\u0000') === [...b[k]].sort().join('\u0000'));
}

function hasLabels(record: LabelRecord): boolean {
  return Object.values(record.labels).some((byControl) => Object.values(byControl).some((v) => v.length > 0));
}

/**
 * Reads a project's annotations from Label Studio into label records, so the learner knows what
 * the whole team labelled, not only what this browser submitted.
 *
 * - First time (and after `fullEveryMs`): every task, page by page (`fields=all` carries each
 *   task's annotations); tasks deleted in Label Studio lose their records.
 * - Then incrementally: only tasks whose `updated_at` is at or after the newest one read so far
 *   (saving or deleting an annotation moves its task's `updated_at` in Label Studio), oldest
 *   first. The boundary task is read again each time; replacing records is idempotent, so the
 *   overlap costs a little and loses nothing written in the same instant.
 * - A task's re-read replaces all its records: updated annotations relabel, deleted ones vanish.
 */
import { labelsFromAnnotation } from './annotation-labels.ts';
import { imageUrlForControl, type ChoicesControl } from './label-config.ts';
import type { LabelStudioClient } from './rest-client.ts';
import type { LabelStudioTask } from './types.ts';
import { labelStudioSource } from '../store/label-records.ts';
import type { LabelStore, ServerTaskLabels } from '../store/label-store.ts';
import type { LabelRecord } from '../store/schema.ts';

/** Default interval between full reads (which also notice deleted tasks). */
export const FULL_SYNC_EVERY_MS = 6 * 60 * 60 * 1000;

/**
 * The label record of one annotation (or of a submission, with a `local:` source): the chosen
 * values of each Choices control, grouped by the Image it classifies, with the image URLs.
 * Undefined when it chose nothing the config knows (a cancelled or empty annotation).
 */
export function labelRecordOf(
  project: string, source: string, task: Pick<LabelStudioTask, 'id' | 'data'>, result: unknown,
  controls: readonly ChoicesControl[], updatedAt: number, completedBy?: number,
): LabelRecord | undefined {
  const chosen = labelsFromAnnotation(result, controls);
  const labels: LabelRecord['labels'] = {};
  const urls: LabelRecord['urls'] = {};
  for (const control of controls) {
    const values = chosen[control.name];
    if (!values?.length) continue;
    (labels[control.image.name] ??= {})[control.name] = values;
    if (!(control.image.name in urls)) {
      try {
        urls[control.image.name] = imageUrlForControl(task, control);
      } catch {
        // No image URL in this task's data: the record still counts once the vector exists.
      }
    }
  }
  if (Object.keys(labels).length === 0) return undefined;
  return { project, source, taskId: task.id, labels, urls, updatedAt, ...(completedBy !== undefined ? { completedBy } : {}) };
}

interface ServerAnnotation {
  id?: number | string;
  result?: unknown;
  was_cancelled?: boolean;
  updated_at?: string;
  created_at?: string;
  completed_by?: number | { id?: number };
}

/** What one run read and changed. */
export interface AnnotationSyncReport {
  full: boolean;
  tasksRead: number;
  /** Records added, changed or removed. */
  changed: number;
}

export interface AnnotationSyncOptions {
  client: LabelStudioClient;
  projectId: number;
  /** The project key of the label records (the learner's project). */
  project: string;
  labels: LabelStore;
  fullEveryMs?: number;
  now?: () => number;
}

export class AnnotationSync {
  private running: Promise<AnnotationSyncReport> | undefined;

  constructor(private readonly o: AnnotationSyncOptions) {}

  /** Read what changed since the last run (or everything); one run at a time. */
  run(controls: readonly ChoicesControl[]): Promise<AnnotationSyncReport> {
    this.running ??= this.execute(controls).finally(() => { this.running = undefined; });
    return this.running;
  }

  private async execute(controls: readonly ChoicesControl[]): Promise<AnnotationSyncReport> {
    const { client, projectId, project, labels } = this.o;
    const now = this.o.now ?? (() => Date.now());
    const previous = await labels.getSync(project);
    const full = !previous || now() - previous.fullSyncAt >= (this.o.fullEveryMs ?? FULL_SYNC_EVERY_MS);
    const startedAt = now();
    let watermark = previous?.watermark ?? '';
    let changed = 0;
    let tasksRead = 0;
    const present = new Set<number>();
    await client.listTasks(projectId, {
      fields: 'all',
      ...(full ? {} : { updatedSince: watermark }),
      onPage: async (tasks) => {
        const replacements: ServerTaskLabels[] = tasks.map((task) => {
          present.add(task.id);
          const updated = String((task as { updated_at?: unknown }).updated_at ?? '');
          if (updated && (!watermark || Date.parse(updated) > Date.parse(watermark))) watermark = updated;
          return { taskId: task.id, taskUpdatedAt: Date.parse(updated) || 0, records: this.recordsOf(task, controls) };
        });
        changed += await labels.replaceTasks(project, replacements);
        tasksRead += tasks.length;
      },
    });
    if (full) changed += await labels.keepOnlyTasks(project, present);
    await labels.putSync({ project, watermark, fullSyncAt: full ? startedAt : previous!.fullSyncAt });
    return { full, tasksRead, changed };
  }

  private recordsOf(task: LabelStudioTask, controls: readonly ChoicesControl[]): LabelRecord[] {
    const out: LabelRecord[] = [];
    for (const a of (task.annotations ?? []) as ServerAnnotation[]) {
      if (a.was_cancelled || a.id === undefined) continue;
      const id = Number(a.id);
      if (!Number.isInteger(id)) continue;
      const updatedAt = Date.parse(a.updated_at ?? a.created_at ?? '') || 0;
      const by = typeof a.completed_by === 'object' ? a.completed_by?.id : a.completed_by;
      const record = labelRecordOf(this.o.project, labelStudioSource(id), task, a.result, controls, updatedAt, by);
      if (record) out.push(record);
    }
    return out;
  }
}

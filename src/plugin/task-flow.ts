/**
 * The per-task steps openTask composes: embed a task's image(s), turn the learner's suggestions
 * into a prediction and the badge's per-control lines, and add the task to its project's index.
 * Plain functions over what they are given (the engine's embed, a learner, an index).
 */
import type { EmbedResult } from '../embedding/embedding-client.ts';
import { EMPTY_CHOICE } from '../labelstudio/annotation-labels.ts';
import { imageUrlForControl, type ChoicesControl, type LabelConfig } from '../labelstudio/label-config.ts';
import { buildPrediction, honourConditions, type ControlSuggestion } from '../labelstudio/prediction.ts';
import type { Prediction } from '../labelstudio/types.ts';
import type { TaskIndex } from '../project-tools/task-index.ts';
import type { EditorStoreLike } from './editor-adapter.ts';
import type { LearningSession } from './learning-session.ts';
import type { ControlSuggestionStatus } from './status.ts';

/** One task as a host sees it. */
export interface TaskContext {
  project: string;
  taskId: number | string;
  data: Record<string, unknown>;
  /** The project's label config (XML). */
  config: string;
  /** The editor store to inject into; absent for background work (bulk pre-annotation). */
  editor?: EditorStoreLike;
  /** False once the person moved on to another task: the result is then cached but not shown. */
  isCurrent?: () => boolean;
  /** When the task was opened (performance.now()), for the task → suggestion timing. */
  openedAt?: number;
  /** How long the editor took to show the task before the plugin saw it (host-measured). */
  editorStartMs?: number;
  /**
   * Select the suggestion in the person's new, untouched annotation (host hook: the project
   * asks for predictions to pre-label tasks), as the `preselect` option does everywhere.
   */
  prefill?: boolean;
}

export interface TaskSuggestion {
  prediction: Prediction | null;
  controls: ControlSuggestionStatus[];
  /** Embedding per Image object name. */
  embeddings: Map<string, EmbedResult>;
}

/** Embed each Image a task's controls look at, once per image (embedding per Image name). */
export async function embedTaskImages(
  embed: (url: string) => Promise<EmbedResult>, ctx: TaskContext, controls: readonly ChoicesControl[],
): Promise<Map<string, EmbedResult>> {
  const byImage = new Map<string, ChoicesControl>();
  for (const c of controls) if (!byImage.has(c.image.name)) byImage.set(c.image.name, c);
  const out = new Map<string, EmbedResult>();
  for (const [imageName, control] of byImage) {
    const url = imageUrlForControl({ id: Number(ctx.taskId), data: ctx.data }, control);
    out.set(imageName, await embed(url));
  }
  return out;
}

/** The learner's suggestion for a task's vectors (image name → vector), as prediction and badge lines. */
export function predictWith(
  session: LearningSession, config: LabelConfig, taskId: number | string, vectors: Map<string, Float32Array>,
): { prediction: Prediction | null; controls: ControlSuggestionStatus[] } {
  const raw: Array<ControlSuggestion & { cluster: number; head: string; empty: boolean }> = [];
  for (const [imageName, vector] of vectors) {
    const forImage = config.controls.filter((c) => c.image.name === imageName);
    const byName = new Map(session.suggest(vector).map((s) => [s.control, s]));
    for (const control of forImage) {
      const s = byName.get(control.name);
      if (!s) continue;
      // "Left empty" is suggested as no result for the control (learning-session.ts).
      const empty = s.choices.includes(EMPTY_CHOICE);
      raw.push({ control, choices: empty ? [] : s.choices, score: s.score, cluster: s.cluster, head: s.head, empty });
    }
  }
  // A control Label Studio would hide under the suggested values gets no suggestion at all.
  const visible = honourConditions(raw);
  const counts = session.labelCounts(true);
  const who = session.fromTeam ? 'team' as const : 'you' as const;
  const controls: ControlSuggestionStatus[] = visible.map((s) => {
    const { control } = s;
    // The labels people gave in this cluster: the badge's "why" (src/plugin/suggestion-words.ts).
    const support = s.cluster >= 0 ? session.clusterLabels(s.cluster).find((v) => v.control === control.name) : undefined;
    const suggested = s.empty ? [EMPTY_CHOICE] : s.choices;
    // Labels of the suggested class(es) the learner has: what "sure" needs (suggestion-words.ts).
    const classCount = Math.min(...suggested.map((label) => counts[control.name]?.[label] ?? 0));
    return {
      control: control.name, choices: s.choices, score: s.score, cluster: s.cluster, head: s.head,
      classCount: Number.isFinite(classCount) ? classCount : 0,
      ...(s.empty ? { empty: true } : {}),
      ...(control.title ? { title: control.title } : {}),
      ...(support ? { support: { label: support.label, count: support.count, labelled: support.labelled, who } } : {}),
    };
  });
  return { prediction: buildPrediction(taskId, visible.map(({ control, choices, score }) => ({ control, choices, score })), session.modelVersion), controls };
}

/** An opened task joins its project's index (its first Image), so it has neighbours at once. */
export function recordInIndex(index: () => TaskIndex, ctx: TaskContext, config: LabelConfig, embeddings: Map<string, EmbedResult>): void {
  const taskId = Number(ctx.taskId);
  const first = config.controls[0];
  const embedded = first && embeddings.get(first.image.name);
  if (!Number.isInteger(taskId) || !embedded) return;
  try {
    index().put({ taskId, url: imageUrlForControl({ id: taskId, data: ctx.data }, first), vector: embedded.vector });
  } catch {
    // No image URL in the task data: nothing to show as a thumbnail.
  }
}

/**
 * The demo's sample project: the particle images `scripts/make-samples.ts` draws, with their
 * known classes. On first use, two tasks per class are annotated with their known labels
 * ("example annotations") so suggestions start at the first task; a reset removes them.
 */
import { resultId } from '../labelstudio/prediction.ts';
import type { ChoicesResult, LabelStudioTask } from '../labelstudio/types.ts';

export const SAMPLE_PROJECT = 'demo-samples';
/** Known-label annotations made up front, per class. */
export const EXAMPLES_PER_CLASS = 2;

export interface SampleTask extends LabelStudioTask {
  meta?: { class?: string; expected?: Record<string, string[]> };
}

export async function fetchSampleTasks(): Promise<SampleTask[]> {
  const response = await fetch('samples/tasks.json');
  if (!response.ok) {
    throw new Error(`samples/tasks.json answered HTTP ${response.status}: run \`npm run setup:assets\` to draw the sample images`);
  }
  return response.json() as Promise<SampleTask[]>;
}

/** An annotation result with the generator's known labels (controls of the seed config, image `image`). */
export function knownLabelResult(task: SampleTask): ChoicesResult[] {
  const expected = task.meta?.expected ?? {};
  return Object.entries(expected)
    .filter(([, choices]) => choices.length > 0)
    .map(([control, choices]) => ({
      id: resultId(task.id, control),
      from_name: control,
      to_name: 'image',
      type: 'choices' as const,
      value: { choices },
    }));
}

/** The first EXAMPLES_PER_CLASS tasks of each class, in task order. */
export function exampleTaskIds(tasks: readonly SampleTask[]): Set<number> {
  const perClass = new Map<string, number>();
  const ids = new Set<number>();
  for (const task of tasks) {
    const cls = task.meta?.class ?? '';
    const n = perClass.get(cls) ?? 0;
    if (n < EXAMPLES_PER_CLASS) {
      ids.add(task.id);
      perClass.set(cls, n + 1);
    }
  }
  return ids;
}

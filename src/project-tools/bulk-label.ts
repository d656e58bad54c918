/**
 * Bulk labelling: one choice per control applied to many tasks at once (a validated cluster),
 * as annotations in the project source and as labels for the learner.
 */
import type { ChoicesControl } from '../labelstudio/label-config.ts';
import { resultId } from '../labelstudio/prediction.ts';
import type { ChoicesResult } from '../labelstudio/types.ts';

/** The annotation result for a task: one `choices` result per control with a chosen value. */
export function bulkResult(taskId: number, controls: readonly ChoicesControl[], chosen: Readonly<Record<string, string>>): ChoicesResult[] {
  const out: ChoicesResult[] = [];
  for (const control of controls) {
    const value = chosen[control.name];
    if (!value) continue;
    if (!control.labels.includes(value)) {
      throw new Error(`control "${control.name}" has no label "${value}"; valid labels: ${control.labels.join(', ')}`);
    }
    out.push({
      id: resultId(taskId, control.name),
      from_name: control.name,
      to_name: control.toName,
      type: 'choices',
      value: { choices: [value] },
      origin: 'manual',
    });
  }
  return out;
}

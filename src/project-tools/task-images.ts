/**
 * Which images a task shows, per Image object of the config that has a Choices control: the
 * URLs the job embeds and the tools show.
 */
import type { LabelConfig } from '../labelstudio/label-config.ts';
import type { LabelStudioTask } from '../labelstudio/types.ts';
import type { ProjectSource } from './project-source.ts';

/** Image name → URL for a task; Images whose task field is missing are left out. */
export function taskImageUrls(task: LabelStudioTask, config: LabelConfig, source: Pick<ProjectSource, 'imageUrl'>): Map<string, string> {
  const out = new Map<string, string>();
  for (const control of config.controls) {
    const image = control.image;
    if (out.has(image.name)) continue;
    const url = source.imageUrl(task, image.dataKey, image.value);
    if (url) out.set(image.name, url);
  }
  return out;
}

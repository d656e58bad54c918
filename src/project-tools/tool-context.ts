/**
 * What the project tools share: the source, the parsed config, the project's task index and
 * its feature table under the current clusters, and the learner's labels. One per panel.
 */
import type { LabelConfig } from '../labelstudio/label-config.ts';
import type { LabelStudioTask } from '../labelstudio/types.ts';
import type { CytoMl } from '../plugin/cyto-ml.ts';
import type { LearningSession } from '../plugin/learning-session.ts';
import { FeatureTableCache, type FeatureTable } from './feature-table.ts';
import type { ProjectSource } from './project-source.ts';
import { taskImageUrls } from './task-images.ts';
import type { TaskIndex } from './task-index.ts';

export class ToolContext {
  readonly config: LabelConfig;
  readonly index: TaskIndex;
  private readonly tables = new FeatureTableCache();

  constructor(readonly core: CytoMl, readonly source: ProjectSource, readonly configXml: string) {
    this.config = core.parseConfig(configXml);
    this.index = core.taskIndex(source.project);
  }

  get project(): string {
    return this.source.project;
  }

  /** The Image the tools show and compare (the first one a Choices control classifies). */
  get imageName(): string {
    return this.config.controls[0]?.image.name ?? '';
  }

  async session(): Promise<LearningSession> {
    const session = await this.core.projectSession(this.project, this.configXml);
    if (!session) throw new Error('the embedding engine is not running; see the status badge');
    return session;
  }

  /** The embedded tasks in feature space (cached until the index or the clusters change). */
  async table(): Promise<{ table: FeatureTable; session: LearningSession }> {
    const session = await this.session();
    return { table: this.tables.get(this.index, session), session };
  }

  /** Labels the learner has for a task (from annotations), if any. */
  labelsOf(session: LearningSession, taskId: number): Record<string, string[]> | undefined {
    return session.labelsOf(`${taskId}:${this.imageName}`);
  }

  /** "Plankton · Round": a task's labels in one line (controls in config order). */
  labelText(session: LearningSession, taskId: number): string {
    const labels = this.labelsOf(session, taskId);
    if (!labels) return '';
    return this.config.controls.flatMap((c) => labels[c.name] ?? []).join(' · ');
  }

  /** The task on screen, as the plugin last suggested for it in this project. */
  currentTaskId(): number | undefined {
    const s = this.core.status.current;
    if (s.learning?.project !== undefined && s.learning.project !== this.project) return undefined;
    const id = Number(s.lastSuggestion?.taskId);
    return Number.isInteger(id) ? id : undefined;
  }

  /**
   * Put tasks embedded earlier (a finished or interrupted pre-annotation before a reload) back
   * into the index: URL cache hits in the worker, no model runs, no image downloads.
   */
  async restoreIndex(tasks: readonly LabelStudioTask[], done: ReadonlySet<string>): Promise<void> {
    const todo = tasks.filter((t) => done.has(String(t.id)) && !this.index.has(t.id));
    for (let i = 0; i < todo.length; i += 64) {
      const slice = todo.slice(i, i + 64).flatMap((task) => {
        const url = taskImageUrls(task, this.config, this.source).get(this.imageName);
        return url ? [{ task, url }] : [];
      });
      const outcomes = await this.core.embedUrls(slice.map((s) => s.url));
      slice.forEach((s, j) => {
        const o = outcomes[j];
        if (o?.ok) this.index.put({ taskId: s.task.id, url: s.url, vector: o.vector });
      });
    }
  }
}

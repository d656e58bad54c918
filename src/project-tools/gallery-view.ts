/**
 * The "Clusters" tab, after MorphoCluster: every cluster with its size, the label its labelled
 * members suggest per control and their purity; a chosen cluster's thumbnails, most typical
 * (nearest the centre) first. The person deselects the odd ones out, picks one choice per
 * control, and labels the rest at once: annotations in the project source, labels for the
 * learner.
 */
import { bulkResult } from './bulk-label.ts';
import { EMPTY_CHOICE } from '../labelstudio/annotation-labels.ts';
import { h } from './dom.ts';
import { thumbnail, type ThumbnailDecoder } from './thumbnail.ts';
import type { FeatureTable } from './feature-table.ts';
import type { TaskAnnotationWrite } from './project-source.ts';
import type { ToolContext } from './tool-context.ts';
import type { ToolView } from './tools-panel.ts';
import type { LearningSession } from '../plugin/learning-session.ts';

/** Thumbnails shown per cluster (the most typical ones); a DOM grid of 10,000 images would crawl. */
export const GALLERY_LIMIT = 240;

/** Rows of a cluster, most typical (smallest distance to the centre) first. */
export function clusterMembers(table: FeatureTable, cluster: number): number[] {
  const rows: number[] = [];
  for (let i = 0; i < table.ids.length; i++) if (table.clusters[i] === cluster) rows.push(i);
  return rows.sort((a, b) => table.distances[a] - table.distances[b]);
}

export class GalleryView implements ToolView {
  readonly id = 'clusters';
  readonly title = 'Clusters';
  readonly element = h('div', '', undefined, { 'data-testid': 'cyto-ml-gallery' });
  private readonly list = h('table');
  private readonly detail = h('div');
  private readonly message = h('div', 'cyto-muted', '', { 'data-testid': 'cyto-ml-gallery-message', role: 'status' });
  private selectedCluster: number | undefined;
  /**
   * The person's own clicks on thumbnails (task → picked or left out): kept across renders, so an
   * image left out of a bulk label stays out after it (and after a refit), instead of coming back
   * selected as unlabelled.
   */
  private readonly choices = new Map<number, boolean>();
  /** A message of this view's own (bulk label, refit) that a re-render keeps. */
  private keepMessage = false;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private readonly refitButton = h('button', 'cyto-btn', 'Refit', { type: 'button', 'data-testid': 'cyto-ml-refit', title: "Regroup this project's embedded images now" });

  /** TIFF thumbnails: decoded in the embedding worker (thumbnail.ts). */
  private readonly decodeThumbnail: ThumbnailDecoder = (url, maxSide) => this.ctx.core.embeddings.thumbnail(url, maxSide);

  constructor(private readonly ctx: ToolContext) {
    const bar = h('div', '');
    bar.append(this.refitButton);
    this.refitButton.onclick = () => void this.refit();
    this.element.append(bar, this.list, this.message, this.detail);
  }

  show(): void {
    void this.render();
  }

  /** Regroup the project's embedded images now (Label Studio has no other Refit button). */
  private async refit(): Promise<void> {
    const vectors = this.ctx.index.all().map((e) => e.vector);
    this.keepMessage = true;
    if (vectors.length === 0) {
      this.message.textContent = 'Nothing to regroup yet: open or pre-annotate some tasks first.';
      return;
    }
    this.refitButton.disabled = true;
    this.message.textContent = `Regrouping ${vectors.length} images…`;
    try {
      const done = await this.ctx.core.refit(this.ctx.project, this.ctx.configXml, vectors);
      this.message.textContent = done ? `Regrouped ${vectors.length} images.` : `Too few images to regroup (${vectors.length}).`;
    } catch (error) {
      this.message.textContent = `Refit failed: ${(error as Error).message}`;
    } finally {
      this.refitButton.disabled = false;
    }
    await this.render();
  }

  private async render(): Promise<void> {
    clearTimeout(this.retry);
    const { table, session } = await this.ctx.table();
    const k = session.clusterCount;
    if (k === 0 || table.ids.length === 0) {
      this.list.replaceChildren(h('tr', '', undefined));
      if (!this.keepMessage) this.message.textContent = 'No clusters yet: pre-annotate the project (or refit) first.';
      this.detail.replaceChildren();
      // After a reload the project's embeddings come back into the index in the background:
      // look again while the tab is on screen, so it never stays "no clusters" under fresh data.
      if (this.element.isConnected) this.retry = setTimeout(() => void this.render(), 1000);
      return;
    }
    if (!this.keepMessage) this.message.textContent = '';
    const sizes = new Array<number>(k).fill(0);
    for (const c of table.clusters) if (c >= 0) sizes[c]++;
    const head = h('tr');
    head.append(h('th', '', 'Cluster'), h('th', '', 'Size'), h('th', '', 'Suggested (purity of labelled members)'));
    const rows = sizes.map((size, c) => {
      const labels = session.clusterLabels(c)
        .map((l) => `${l.control}: ${l.label === EMPTY_CHOICE ? 'left empty' : l.label} (${Math.round((100 * l.count) / l.labelled)}% of ${l.labelled})`).join('; ');
      const tr = h('tr', 'cyto-row', undefined, { 'data-cluster': String(c), 'aria-selected': String(c === this.selectedCluster) });
      tr.append(h('td', '', `#${c}`), h('td', '', String(size)), h('td', '', labels || 'no labelled members'));
      tr.onclick = () => {
        this.selectedCluster = c;
        void this.render();
      };
      return tr;
    });
    this.list.replaceChildren(head, ...rows);
    if (this.selectedCluster !== undefined && this.selectedCluster < k) this.renderCluster(table, session, this.selectedCluster);
    else this.detail.replaceChildren();
  }

  private renderCluster(table: FeatureTable, session: LearningSession, cluster: number): void {
    const members = clusterMembers(table, cluster);
    const shown = members.slice(0, GALLERY_LIMIT);
    const majority = new Map(session.clusterLabels(cluster).map((l) => [l.control, l.label]));
    // One choice per control, starting from what the cluster's labelled members say.
    const form = h('div');
    const selects = this.ctx.config.controls.map((control) => {
      const select = h('select', '', undefined, { 'data-control': control.name, 'aria-label': control.name });
      select.append(h('option', '', '(leave empty)', { value: '' }), ...control.labels.map((l) => h('option', '', l, { value: l })));
      const m = majority.get(control.name);
      select.value = m !== undefined && control.labels.includes(m) ? m : ''; // "(empty)" majority: leave empty
      const label = h('label', '', `${control.name} `);
      label.appendChild(select);
      form.append(label, document.createTextNode(' '));
      return { control, select };
    });
    const grid = h('div', 'cyto-thumbs');
    const picked = new Set<number>();
    const button = h('button', 'cyto-btn', '', { type: 'button', 'data-testid': 'cyto-ml-bulk-label' });
    const count = () => { button.textContent = `Label ${picked.size} selected`; button.disabled = picked.size === 0; };
    for (const row of shown) {
      const taskId = table.ids[row];
      const labels = this.ctx.labelText(session, taskId);
      // Tasks labelled already start deselected (bulk labelling is for the unlabelled rest), and
      // the person's own clicks stand.
      const on = this.choices.get(taskId) ?? !labels;
      if (on) picked.add(taskId);
      const thumb = h('button', 'cyto-thumb', undefined, {
        type: 'button', 'data-task-id': String(taskId), 'aria-pressed': String(on),
        title: `#${taskId}${labels ? ` · ${labels}` : ''}`,
      });
      thumb.append(thumbnail(table.urls[row], `task ${taskId}`, this.decodeThumbnail), h('span', '', labels || `#${taskId}`));
      thumb.onclick = () => {
        if (picked.has(taskId)) picked.delete(taskId);
        else picked.add(taskId);
        this.choices.set(taskId, picked.has(taskId));
        this.keepMessage = false;
        thumb.setAttribute('aria-pressed', String(picked.has(taskId)));
        count();
      };
      grid.appendChild(thumb);
    }
    count();
    button.onclick = () => void this.label(table, [...picked], Object.fromEntries(selects.map((s) => [s.control.name, s.select.value])));
    const title = h('div', 'cyto-muted', `Cluster #${cluster}: ${members.length} tasks${members.length > shown.length ? `, the ${shown.length} most typical shown` : ''}, most typical first. Click an image to leave it out.`);
    this.detail.replaceChildren(title, form, h('div', '', undefined), grid, button);
  }

  private async label(table: FeatureTable, taskIds: number[], chosen: Record<string, string>): Promise<void> {
    this.keepMessage = true;
    if (taskIds.length === 0 || bulkResult(taskIds[0], this.ctx.config.controls, chosen).length === 0) {
      this.message.textContent = 'Choose at least one label.';
      return;
    }
    this.message.textContent = `Labelling ${taskIds.length} tasks…`;
    try {
      // Tasks someone annotated meanwhile (a colleague, another tab) are not written (the writer
      // would skip them anyway): ask first, so the message counts exactly what is created.
      const annotated = await this.annotatedNow(taskIds);
      const writes: TaskAnnotationWrite[] = taskIds.filter((id) => !annotated.has(id))
        .map((taskId) => ({ taskId, result: bulkResult(taskId, this.ctx.config.controls, chosen) }));
      if (writes.length > 0) {
        await this.ctx.source.saveAnnotations(writes);
        await this.ctx.core.learnMany(this.ctx.project, this.ctx.configXml, writes.map((w) => ({
          taskId: w.taskId,
          vectors: new Map([[this.ctx.imageName, this.ctx.index.get(w.taskId)!.vector]]),
          result: w.result,
        })));
      }
      // Labelled now: their picks are done with; the left-out ones stay left out.
      for (const w of writes) this.choices.delete(w.taskId);
      const state = await this.ctx.source.flush().catch(() => undefined);
      const skipped = taskIds.length - writes.length;
      const parts = [`Labelled ${writes.length} ${writes.length === 1 ? 'task' : 'tasks'}.`];
      if (skipped > 0) parts.push(`Skipped ${skipped} already annotated (by you or a colleague).`);
      if (state && state.pending > 0) parts.push(`${state.pending} still being sent; they are kept and sent when the server answers.`);
      if (state && state.failed > 0) parts.push(`${state.failed} could not be written (see the Pre-annotate tab).`);
      this.message.textContent = parts.join(' ');
      this.element.dataset.labelled = String(writes.length);
      this.element.dataset.skipped = String(skipped);
    } catch (error) {
      this.message.textContent = `Labelling failed: ${(error as Error).message}`;
    }
    await this.render();
    void table;
  }

  /** Which of these tasks have an annotation in the source now (not cancelled). */
  private async annotatedNow(taskIds: readonly number[]): Promise<Set<number>> {
    const wanted = new Set(taskIds);
    const out = new Set<number>();
    for (const task of await this.ctx.source.listTasks()) {
      if (!wanted.has(task.id)) continue;
      const t = task as typeof task & { total_annotations?: number };
      const live = (task.annotations ?? []).some((a) => a.was_cancelled !== true);
      if (live || (task.annotations === undefined && (t.total_annotations ?? 0) > 0)) out.add(task.id);
    }
    return out;
  }
}

/**
 * The "Clusters" tab, after MorphoCluster: every cluster with its size, the label its labelled
 * members suggest per control and their purity; a chosen cluster's thumbnails, most typical
 * (nearest the centre) first. The person deselects the odd ones out, picks one choice per
 * control, and labels the rest at once: annotations in the project source, labels for the
 * learner.
 */
import { bulkResult } from './bulk-label.ts';
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

  /** TIFF thumbnails: decoded in the embedding worker (thumbnail.ts). */
  private readonly decodeThumbnail: ThumbnailDecoder = (url, maxSide) => this.ctx.core.embeddings.thumbnail(url, maxSide);

  constructor(private readonly ctx: ToolContext) {
    this.element.append(this.list, this.message, this.detail);
  }

  show(): void {
    void this.render();
  }

  private async render(): Promise<void> {
    const { table, session } = await this.ctx.table();
    const k = session.clusterCount;
    if (k === 0 || table.ids.length === 0) {
      this.list.replaceChildren(h('tr', '', undefined));
      this.message.textContent = 'No clusters yet: pre-annotate the project (or refit) first.';
      this.detail.replaceChildren();
      return;
    }
    const sizes = new Array<number>(k).fill(0);
    for (const c of table.clusters) if (c >= 0) sizes[c]++;
    const head = h('tr');
    head.append(h('th', '', 'Cluster'), h('th', '', 'Size'), h('th', '', 'Suggested (purity of labelled members)'));
    const rows = sizes.map((size, c) => {
      const labels = session.clusterLabels(c)
        .map((l) => `${l.control}: ${l.label} (${Math.round((100 * l.count) / l.labelled)}% of ${l.labelled})`).join('; ');
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
      select.value = majority.get(control.name) ?? '';
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
      // Tasks labelled already start deselected: bulk labelling is for the unlabelled rest.
      if (!labels) picked.add(taskId);
      const thumb = h('button', 'cyto-thumb', undefined, {
        type: 'button', 'data-task-id': String(taskId), 'aria-pressed': String(!labels),
        title: `#${taskId}${labels ? ` · ${labels}` : ''}`,
      });
      thumb.append(thumbnail(table.urls[row], `task ${taskId}`, this.decodeThumbnail), h('span', '', labels || `#${taskId}`));
      thumb.onclick = () => {
        if (picked.has(taskId)) picked.delete(taskId);
        else picked.add(taskId);
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
    const writes: TaskAnnotationWrite[] = taskIds.map((taskId) => ({ taskId, result: bulkResult(taskId, this.ctx.config.controls, chosen) }));
    if (writes.length === 0 || writes[0].result.length === 0) {
      this.message.textContent = 'Choose at least one label.';
      return;
    }
    this.message.textContent = `Labelling ${writes.length} tasks…`;
    try {
      await this.ctx.source.saveAnnotations(writes);
      await this.ctx.core.learnMany(this.ctx.project, this.ctx.configXml, writes.map((w) => ({
        taskId: w.taskId,
        vectors: new Map([[this.ctx.imageName, this.ctx.index.get(w.taskId)!.vector]]),
        result: w.result,
      })));
      void this.ctx.source.flush().catch(() => {});
      this.message.textContent = `Labelled ${writes.length} tasks.`;
      this.element.dataset.labelled = String(writes.length);
    } catch (error) {
      this.message.textContent = `Labelling failed: ${(error as Error).message}`;
    }
    await this.render();
    void table;
  }
}

/**
 * The "Neighbours" tab: for the task on screen, the 12 most similar embedded images with their
 * labels; a click opens that task (the demo's editor, or Label Studio's `?task=<id>`).
 */
import { h } from './dom.ts';
import { thumbnail, type ThumbnailDecoder } from './thumbnail.ts';
import { nearestRows } from './neighbours.ts';
import type { ToolContext } from './tool-context.ts';
import type { ToolView } from './tools-panel.ts';

/** How many neighbours are shown. */
export const NEIGHBOUR_COUNT = 12;

export class NeighboursView implements ToolView {
  readonly id = 'neighbours';
  readonly title = 'Neighbours';
  readonly element = h('div', '', undefined, { 'data-testid': 'cyto-ml-neighbours' });
  private readonly note = h('div', 'cyto-muted');
  private readonly grid = h('div', 'cyto-thumbs');
  private shownFor: string | undefined;
  private visible = false;

  /** TIFF thumbnails: decoded in the embedding worker (thumbnail.ts). */
  private readonly decodeThumbnail: ThumbnailDecoder = (url, maxSide) => this.ctx.core.embeddings.thumbnail(url, maxSide);

  constructor(private readonly ctx: ToolContext) {
    this.element.append(this.note, this.grid);
    // Follow the task on screen while the tab is open. Only a new task re-renders: rendering
    // itself touches the status (starting the engine), which must not loop back here.
    let lastTask: unknown;
    ctx.core.status.subscribe((s) => {
      const task = s.lastSuggestion?.taskId;
      if (task === lastTask) return;
      lastTask = task;
      if (this.visible && this.element.isConnected) void this.render();
    });
  }

  show(): void {
    this.visible = true;
    this.shownFor = undefined;
    void this.render();
  }

  private async render(): Promise<void> {
    const taskId = this.ctx.currentTaskId();
    const { table, session } = await this.ctx.table();
    const key = `${taskId}\u0000${table.ids.length}\u0000${session.modelVersion}`;
    if (key === this.shownFor) return;
    this.shownFor = key;
    const row = taskId === undefined ? undefined : table.rowOf.get(taskId);
    if (taskId === undefined || row === undefined) {
      this.note.textContent = 'Open a task: its most similar images appear here (once it is embedded).';
      this.grid.replaceChildren();
      this.element.dataset.taskId = '';
      return;
    }
    const found = nearestRows(table, row, NEIGHBOUR_COUNT);
    this.element.dataset.taskId = String(taskId);
    this.note.textContent = `Task #${taskId}: the ${found.length} most similar of ${table.ids.length} embedded images.`;
    this.grid.replaceChildren(...found.map((n) => {
      const labels = this.ctx.labelText(session, n.taskId);
      const button = h('button', 'cyto-thumb', undefined, {
        type: 'button', 'data-task-id': String(n.taskId),
        title: `#${n.taskId}${labels ? ` · ${labels}` : ' · not labelled'} · similarity ${n.similarity.toFixed(2)}`,
      });
      button.append(thumbnail(table.urls[n.row], `task ${n.taskId}`, this.decodeThumbnail), h('span', '', labels || `#${n.taskId}`));
      button.onclick = () => this.ctx.source.openTask(n.taskId);
      return button;
    }));
  }
}

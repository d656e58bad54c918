/**
 * The "Map" tab: every embedded task as a point of a 2-D PCA projection of the learner's
 * feature space, coloured by cluster or by label, the task on screen ringed; hovering shows a
 * thumbnail, a click opens the task. One ImageData per frame (scatter-draw.ts) and a grid
 * index for the mouse (grid-index.ts) keep it smooth at 50,000 points. The canvas carries
 * `data-drawn-points` and `data-draw-ms` for tests and for people measuring.
 */
import { h } from './dom.ts';
import { thumbnail, type ThumbnailDecoder } from './thumbnail.ts';
import type { FeatureTable } from './feature-table.ts';
import { GridIndex } from './grid-index.ts';
import { fitPca2, projectPca2 } from './pca.ts';
import { categoryColour, drawPoints, toScreen } from './scatter-draw.ts';
import type { ToolContext } from './tool-context.ts';
import type { ToolView } from './tools-panel.ts';

/** What the map draws: data coordinates, colours (0xRRGGBB), and which task each point is. */
export interface MapPoints {
  xy: Float32Array;
  colours: Uint32Array;
  ids: number[];
  urls: string[];
  /** Row to ring (the task on screen), if any. */
  highlight?: number;
  /** Legend entries: name and colour. */
  legend?: Array<{ name: string; colour: number }>;
}

export type ColourBy = 'cluster' | 'label';

const WIDTH = 540;
const HEIGHT = 360;

function css(colour: number): string {
  return `#${colour.toString(16).padStart(6, '0')}`;
}

export class MapView implements ToolView {
  readonly id = 'map';
  readonly title = 'Map';
  readonly element = h('div', '', undefined, { 'data-testid': 'cyto-ml-map' });
  readonly canvas = h('canvas', '', undefined, { width: String(WIDTH), height: String(HEIGHT), 'data-testid': 'cyto-ml-map-canvas' });
  private readonly colourBy = h('select', '', undefined, { 'aria-label': 'Colour by' });
  private readonly note = h('div', 'cyto-muted');
  private readonly legend = h('div', 'cyto-muted');
  private readonly tip = h('div', '', undefined, { 'data-testid': 'cyto-ml-map-tip' });
  private tipImage: HTMLElement = h('img', '', undefined, { alt: '' });
  private tipUrl = '';
  private readonly tipText = h('div', 'cyto-muted');
  private points: MapPoints | undefined;
  private screen: Float32Array | undefined;
  private grid: GridIndex | undefined;
  private projected: { table: FeatureTable; xy: Float32Array; pcaMs: number } | undefined;

  /** TIFF thumbnails: decoded in the embedding worker (thumbnail.ts). */
  private readonly decodeThumbnail: ThumbnailDecoder = (url, maxSide) => this.ctx.core.embeddings.thumbnail(url, maxSide);

  constructor(private readonly ctx: ToolContext) {
    this.colourBy.append(h('option', '', 'Colour by cluster', { value: 'cluster' }), h('option', '', `Colour by label (${ctx.config.controls[0]?.name ?? '—'})`, { value: 'label' }));
    this.colourBy.onchange = () => void this.render();
    // Static looks live in the panel's stylesheet (tools-panel.ts): a strict CSP refuses style text.
    const wrap = h('div', 'cyto-map-wrap');
    this.canvas.classList.add('cyto-map-canvas');
    this.tip.classList.add('cyto-map-tip');
    this.tip.append(this.tipImage, this.tipText);
    wrap.append(this.canvas, this.tip);
    this.element.append(this.colourBy, this.note, wrap, this.legend);
    this.canvas.addEventListener('mousemove', (e) => this.hover(e));
    this.canvas.addEventListener('mouseleave', () => { this.tip.dataset.shown = 'false'; });
    this.canvas.addEventListener('click', (e) => {
      const id = this.hitTest(...this.canvasXY(e));
      if (id !== undefined) this.ctx.source.openTask(id);
    });
  }

  show(): void {
    void this.render();
  }

  /** Project the project's embeddings and draw them. */
  async render(): Promise<void> {
    const { table, session } = await this.ctx.table();
    if (table.ids.length === 0) {
      this.note.textContent = 'Nothing embedded yet: pre-annotate the project, or open tasks.';
      this.renderPoints({ xy: new Float32Array(0), colours: new Uint32Array(0), ids: [], urls: [] });
      return;
    }
    if (this.projected?.table !== table) {
      const t0 = performance.now();
      const pca = fitPca2(table.features, table.ids.length, table.dim);
      this.projected = { table, xy: projectPca2(pca, table.features, table.ids.length, table.dim), pcaMs: performance.now() - t0 };
    }
    const by = this.colourBy.value as ColourBy;
    const colours = new Uint32Array(table.ids.length);
    let legend: Array<{ name: string; colour: number }>;
    switch (by) {
      case 'cluster': {
        for (let i = 0; i < colours.length; i++) colours[i] = categoryColour(table.clusters[i]);
        legend = Array.from({ length: session.clusterCount }, (_, c) => ({ name: `#${c}`, colour: categoryColour(c) }));
        break;
      }
      case 'label': {
        const control = this.ctx.config.controls[0];
        const labels = control?.labels ?? [];
        for (let i = 0; i < colours.length; i++) {
          const chosen = this.ctx.labelsOf(session, table.ids[i])?.[control?.name ?? '']?.[0];
          colours[i] = categoryColour(chosen === undefined ? -1 : labels.indexOf(chosen));
        }
        legend = [...labels.map((l, i) => ({ name: l, colour: categoryColour(i) })), { name: 'not labelled', colour: categoryColour(-1) }];
        break;
      }
      default: {
        const never: never = by;
        throw new Error(`colour by "${String(never)}": valid values are cluster, label`);
      }
    }
    const current = this.ctx.currentTaskId();
    const highlight = current === undefined ? undefined : table.rowOf.get(current);
    this.renderPoints({ xy: this.projected.xy, colours, ids: table.ids, urls: table.urls, legend, ...(highlight !== undefined ? { highlight } : {}) });
    this.note.textContent = `${table.ids.length} embedded tasks, first two principal components (PCA ${this.projected.pcaMs.toFixed(0)} ms). Hover for the image, click to open.`;
  }

  /** Draw points; returns how many were drawn and how long it took. */
  renderPoints(points: MapPoints): { drawn: number; drawMs: number } {
    const t0 = performance.now();
    const g = this.canvas.getContext('2d')!;
    const { width, height } = this.canvas;
    const screen = toScreen(points.xy, width, height);
    const image = g.createImageData(width, height);
    const drawn = drawPoints(image, screen, points.colours);
    g.putImageData(image, 0, 0);
    if (points.highlight !== undefined) {
      const x = screen[2 * points.highlight], y = screen[2 * points.highlight + 1];
      g.lineWidth = 2;
      g.strokeStyle = '#000';
      g.beginPath();
      g.arc(x, y, 7, 0, 2 * Math.PI);
      g.stroke();
    }
    this.grid = new GridIndex(screen, width, height);
    const drawMs = performance.now() - t0;
    this.points = points;
    this.screen = screen;
    this.canvas.dataset.drawnPoints = String(drawn);
    this.canvas.dataset.drawMs = drawMs.toFixed(1);
    this.canvas.dataset.highlight = points.highlight === undefined ? '' : String(points.ids[points.highlight]);
    this.legend.replaceChildren(...(points.legend ?? []).map((l) => {
      const item = h('span', '', ` ${l.name} `);
      const dot = h('span', '', '●');
      dot.style.color = css(l.colour);
      item.prepend(dot);
      return item;
    }));
    return { drawn, drawMs };
  }

  /** Task id of the point under canvas pixel (x, y), if any. */
  hitTest(x: number, y: number): number | undefined {
    const i = this.grid?.nearest(x, y, 6) ?? -1;
    return i >= 0 && this.points ? this.points.ids[i] : undefined;
  }

  /** Canvas pixel under a mouse event (the canvas may be scaled by CSS). */
  private canvasXY(e: MouseEvent): [number, number] {
    const rect = this.canvas.getBoundingClientRect();
    return [((e.clientX - rect.left) * this.canvas.width) / rect.width, ((e.clientY - rect.top) * this.canvas.height) / rect.height];
  }

  private hover(e: MouseEvent): void {
    const [x, y] = this.canvasXY(e);
    const i = this.grid?.nearest(x, y, 6) ?? -1;
    if (i < 0 || !this.points || !this.screen) {
      this.tip.dataset.shown = 'false';
      return;
    }
    const url = this.points.urls[i];
    if (url && this.tipUrl !== url) {
      // An <img>, or for TIFF a canvas of the decoded pixels (thumbnail.ts).
      this.tipUrl = url;
      const next = thumbnail(url, `task ${this.points.ids[i]}`, this.decodeThumbnail);
      this.tipImage.replaceWith(next);
      this.tipImage = next;
    }
    this.tipText.textContent = `#${this.points.ids[i]}`;
    this.tip.dataset.taskId = String(this.points.ids[i]);
    const rect = this.canvas.getBoundingClientRect();
    this.tip.style.left = `${(this.screen[2 * i] * rect.width) / this.canvas.width + 10}px`;
    this.tip.style.top = `${(this.screen[2 * i + 1] * rect.height) / this.canvas.height + 10}px`;
    this.tip.dataset.shown = 'true';
  }
}

/**
 * The project tools' panel: a "Project tools" pill in the plugin's dock beside the status badge
 * (src/plugin/dock.ts: in Label Studio's top bar, where it covers none of its controls), which
 * opens on click to one tab per tool (pre-annotate, clusters, neighbours, map, and in Label Studio checked). It starts
 * closed: an annotator's screen belongs to the task. Plain DOM, its own class prefix, adopted
 * stylesheets (a strict CSP allows them), so it cannot clash with whichever Label Studio it lands in.
 */
import { Dock } from '../plugin/dock.ts';
import { ensureStyle, h } from './dom.ts';

const STYLE = `
.cyto-tools{font:12px/1.4 system-ui,sans-serif;color:#222}
.cyto-tools>header b{font-weight:600}
.cyto-tools>.cyto-ml-pop{width:600px}
.cyto-tools[data-collapsed=true]>.cyto-ml-pop{display:none}
.cyto-tools .cyto-tabs{display:flex;gap:2px;padding:0 8px;border-bottom:1px solid #e3e5ee}
.cyto-tools .cyto-tabs button{font:inherit;border:0;background:none;padding:4px 8px;cursor:pointer;color:#556;border-bottom:2px solid transparent}
.cyto-tools .cyto-tabs button[aria-selected=true]{color:#124;border-bottom-color:#36c}
.cyto-tools .cyto-body{padding:8px 10px;width:100%;max-height:65vh;overflow:auto;box-sizing:border-box}
.cyto-tools button.cyto-btn{font:inherit;padding:3px 10px;border:1px solid #bbc;border-radius:4px;background:#f6f7fb;cursor:pointer}
.cyto-tools button.cyto-btn:disabled{opacity:.5;cursor:default}
.cyto-tools .cyto-muted{color:#667}.cyto-tools .cyto-error{color:#b00}
.cyto-tools .cyto-bar{height:10px;background:#eef;border-radius:5px;overflow:hidden;margin:6px 0}
.cyto-tools .cyto-bar>div{height:100%;background:#36c;transition:width .2s}
.cyto-tools .cyto-thumbs{display:grid;grid-template-columns:repeat(auto-fill,minmax(64px,1fr));gap:4px}
.cyto-tools .cyto-thumb{position:relative;border:2px solid transparent;border-radius:4px;cursor:pointer;background:#dde;padding:0}
.cyto-tools .cyto-thumb img,.cyto-tools .cyto-thumb canvas{width:100%;aspect-ratio:1;object-fit:contain;display:block}
.cyto-tools .cyto-thumb[aria-pressed=true]{border-color:#36c}
.cyto-tools .cyto-thumb[aria-pressed=false]{opacity:.35}
.cyto-tools .cyto-thumb span{position:absolute;left:0;right:0;bottom:0;font-size:10px;background:rgba(255,255,255,.8);overflow:hidden;white-space:nowrap;text-overflow:ellipsis}
.cyto-tools table{border-collapse:collapse;width:100%}.cyto-tools td,.cyto-tools th{padding:2px 4px;text-align:left;border-bottom:1px solid #eef}
.cyto-tools tr.cyto-row{cursor:pointer}.cyto-tools tr.cyto-row[aria-selected=true]{background:#e3e9ff}
.cyto-tools .cyto-map-wrap{position:relative}
.cyto-tools .cyto-map-canvas{border:1px solid #dde;cursor:crosshair;max-width:100%}
.cyto-tools .cyto-map-tip{position:absolute;display:none;pointer-events:none;background:#fff;border:1px solid #ccd;border-radius:4px;padding:2px;box-shadow:0 1px 6px rgba(0,0,0,.2)}
.cyto-tools .cyto-map-tip[data-shown=true]{display:block}
.cyto-tools .cyto-map-tip img,.cyto-tools .cyto-map-tip canvas{width:72px;height:72px;object-fit:contain;display:block;background:#dde}
`;

/** One tool in the panel. */
export interface ToolView {
  readonly id: string;
  readonly title: string;
  readonly element: HTMLElement;
  /** The tab became visible: render with fresh data. */
  show(): void;
}

export class ToolsPanel {
  readonly root: HTMLElement;
  private readonly tabs: HTMLElement;
  private readonly body: HTMLElement;
  private readonly views: ToolView[] = [];
  private current: ToolView | undefined;

  private readonly dock: Dock | undefined;
  private readonly close = () => this.setCollapsed(true);

  /** In `container` when given, else in the page's dock. */
  constructor(container?: HTMLElement, collapsed = true) {
    ensureStyle('cyto-tools-style', STYLE);
    this.root = h('section', 'cyto-tools', undefined, { 'data-testid': 'cyto-ml-tools', 'aria-label': 'cyto-ml project tools' });
    this.root.dataset.collapsed = String(collapsed);
    const header = h('header', 'cyto-ml-pill', undefined, { role: 'button', tabindex: '0', 'aria-expanded': String(!collapsed), title: 'pre-annotate · clusters · neighbours · map · checked' });
    header.append(h('b', 'cyto-ml-pill-text', 'Project tools'), h('span', '', collapsed ? '▾' : '▴'));
    header.onclick = () => this.setCollapsed(this.root.dataset.collapsed !== 'true');
    header.onkeydown = (event) => {
      if (event.key === 'Enter' || event.key === ' ') {
        event.preventDefault();
        header.click();
      }
    };
    this.tabs = h('nav', 'cyto-tabs', undefined, { role: 'tablist' });
    this.body = h('div', 'cyto-body');
    const pop = h('div', 'cyto-ml-pop');
    pop.append(this.tabs, this.body);
    this.root.append(header, pop);
    if (container) {
      this.dock = undefined;
      container.appendChild(this.root);
    } else {
      this.dock = Dock.forPage();
      this.dock.add(this.root, this.close, true);
    }
  }

  /** Open or close the panel (its pill does the same). */
  setCollapsed(collapsed: boolean): void {
    if (!collapsed) this.dock?.closeOthers(this.close);
    if (this.root.dataset.collapsed === String(collapsed)) return;
    this.root.dataset.collapsed = String(collapsed);
    const header = this.root.querySelector('header')!;
    header.setAttribute('aria-expanded', String(!collapsed));
    header.lastElementChild!.textContent = collapsed ? '▾' : '▴';
    if (!collapsed) this.current?.show();
  }

  add(view: ToolView): void {
    this.views.push(view);
    const tab = h('button', '', view.title, { role: 'tab', type: 'button', 'aria-selected': 'false', 'data-tool': view.id });
    tab.onclick = () => this.select(view.id);
    this.tabs.appendChild(tab);
    if (!this.current) this.select(view.id, false);
  }

  /** Show one tool (and open the panel unless `reveal` is false). */
  select(id: string, reveal = true): void {
    const view = this.views.find((v) => v.id === id);
    if (!view) return;
    this.current = view;
    for (const tab of this.tabs.children) tab.setAttribute('aria-selected', String((tab as HTMLElement).dataset.tool === id));
    this.body.replaceChildren(view.element);
    if (this.root.dataset.collapsed !== 'true') view.show();
    else if (reveal) this.setCollapsed(false);
  }

  remove(): void {
    this.root.remove();
  }
}

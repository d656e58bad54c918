/**
 * The small status badge in the editor's corner: model and backend, the suggestion with its
 * score and cluster, and problems in plain words. Plain DOM (no framework): it must not clash
 * with the React/mobx versions of whichever Label Studio it lands in.
 */
import type { PluginStatus } from './status.ts';

const STYLE = `
.cyto-ml-badge{position:fixed;right:12px;bottom:12px;z-index:2147483000;max-width:340px;font:12px/1.4 system-ui,sans-serif;
 background:#fff;color:#222;border:1px solid #ccd;border-radius:8px;box-shadow:0 2px 10px rgba(0,0,0,.15);padding:8px 10px}
.cyto-ml-badge[data-state=error]{border-color:#d33}
.cyto-ml-badge b{font-weight:600}.cyto-ml-badge .cyto-ml-row{margin-top:3px}
.cyto-ml-badge .cyto-ml-error{color:#b00;margin-top:4px}.cyto-ml-badge .cyto-ml-muted{color:#667}
.cyto-ml-badge button{font:inherit;border:0;background:none;color:#667;cursor:pointer;float:right;padding:0 0 0 6px}
`;

function el(tag: string, className: string, text?: string): HTMLElement {
  const node = document.createElement(tag);
  node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

export class Badge {
  private readonly root: HTMLElement;
  private collapsed = false;
  private last: PluginStatus | undefined;

  constructor(container: HTMLElement = document.body) {
    if (!document.getElementById('cyto-ml-badge-style')) {
      const style = document.createElement('style');
      style.id = 'cyto-ml-badge-style';
      style.textContent = STYLE;
      document.head.appendChild(style);
    }
    this.root = el('div', 'cyto-ml-badge');
    this.root.setAttribute('role', 'status');
    this.root.dataset.testid = 'cyto-ml-badge';
    container.appendChild(this.root);
  }

  render(status: PluginStatus): void {
    this.last = status;
    const root = this.root;
    root.dataset.state = status.state;
    root.replaceChildren();
    const toggle = el('button', '', this.collapsed ? '▴' : '▾');
    toggle.title = this.collapsed ? 'Show details' : 'Hide details';
    toggle.onclick = () => {
      this.collapsed = !this.collapsed;
      if (this.last) this.render(this.last);
    };
    root.appendChild(toggle);
    const head = el('div', 'cyto-ml-row');
    const model = status.engine
      ? `${status.engine.modelName}${status.engine.trained || /untrained/i.test(status.engine.modelName) ? '' : ' (untrained)'}`
      : 'cyto-ml';
    head.append(el('b', '', 'Suggestions · '), document.createTextNode(`${model} · ${status.backendLabel}`));
    root.appendChild(head);
    if (!this.collapsed) {
      const s = status.lastSuggestion;
      if (s) {
        const shown = s.controls.filter((c) => c.choices.length > 0);
        if (shown.length === 0) {
          root.appendChild(el('div', 'cyto-ml-row cyto-ml-muted', 'No suggestion yet: label a few tasks and it will learn.'));
        }
        for (const c of shown) {
          root.appendChild(el('div', 'cyto-ml-row',
            `${c.control}: ${c.choices.join(', ')} (${Math.round(c.score * 100)}%, cluster ${c.cluster}, ${c.head})`));
        }
        root.appendChild(el('div', 'cyto-ml-row cyto-ml-muted',
          `${s.cacheHit === 'none' ? 'embedded' : 'cached'} · ${Math.round(s.taskToSuggestionMs)} ms · ${s.modelVersion}`));
      }
      if (status.learning) {
        root.appendChild(el('div', 'cyto-ml-row cyto-ml-muted',
          `${status.learning.labelled} labelled · k=${status.learning.k} · fit ${status.learning.fitVersion}`));
      }
      if (status.storage && !status.storage.persistent) {
        root.appendChild(el('div', 'cyto-ml-row cyto-ml-muted',
          `Not saved between visits: ${status.storage.reason ?? 'IndexedDB is unavailable'}`));
      }
    }
    if (status.lastError) root.appendChild(el('div', 'cyto-ml-error', status.lastError.message));
  }

  remove(): void {
    this.root.remove();
  }
}

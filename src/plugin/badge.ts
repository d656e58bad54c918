/**
 * The small status badge in the editor's corner: model and backend, the suggestion with its
 * score and cluster, and problems in plain words. Plain DOM (no framework): it must not clash
 * with the React/mobx versions of whichever Label Studio it lands in.
 */
import type { PluginStatus } from './status.ts';
import {
  isStale, learningDetails, learningLine, modelWords, NO_SUGGESTION_YET, STALE_SUGGESTION, suggestionDetails,
  suggestionLine, timingDetails, whyLine,
} from './suggestion-words.ts';

const STYLE = `
.cyto-ml-badge{position:fixed;right:12px;bottom:12px;z-index:2147483000;max-width:340px;font:12px/1.4 system-ui,sans-serif;
 background:#fff;color:#222;border:1px solid #ccd;border-radius:8px;box-shadow:0 2px 10px rgba(0,0,0,.15);padding:8px 10px}
.cyto-ml-badge[data-state=error]{border-color:#d33}
.cyto-ml-badge b{font-weight:600}.cyto-ml-badge .cyto-ml-row{margin-top:3px}
.cyto-ml-badge .cyto-ml-error{color:#b00;margin-top:4px}.cyto-ml-badge .cyto-ml-muted{color:#667}
.cyto-ml-badge button{font:inherit;border:0;background:none;color:#667;cursor:pointer;float:right;padding:0 0 0 6px}
.cyto-ml-badge button.cyto-ml-details{float:none;padding:0;text-decoration:underline}
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
  /** Engine terms (clusters, fits, timings) only when asked for. */
  private details = false;
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
    head.append(el('b', '', 'Suggestions · '), document.createTextNode(`${modelWords(status.engine)} · ${status.backendLabel}`));
    root.appendChild(head);
    if (!this.collapsed) {
      const s = status.lastSuggestion;
      if (s) {
        const shown = s.controls.filter((c) => c.choices.length > 0);
        if (shown.length === 0) root.appendChild(el('div', 'cyto-ml-row cyto-ml-muted', NO_SUGGESTION_YET));
        if (shown.length > 0 && isStale(s, status.learning)) root.appendChild(el('div', 'cyto-ml-row cyto-ml-muted', STALE_SUGGESTION));
        for (const c of shown) {
          root.appendChild(el('div', 'cyto-ml-row', suggestionLine(c)));
          const why = whyLine(c);
          if (why) root.appendChild(el('div', 'cyto-ml-muted', why));
        }
      }
      if (status.learning) root.appendChild(el('div', 'cyto-ml-row cyto-ml-muted', learningLine(status.learning)));
      if (this.details) {
        for (const c of s?.controls ?? []) root.appendChild(el('div', 'cyto-ml-row cyto-ml-muted', suggestionDetails(c)));
        if (s) root.appendChild(el('div', 'cyto-ml-row cyto-ml-muted', timingDetails(s)));
        if (status.learning) root.appendChild(el('div', 'cyto-ml-row cyto-ml-muted', learningDetails(status.learning)));
      }
      const more = el('button', 'cyto-ml-details', this.details ? 'hide details' : 'details');
      more.onclick = () => {
        this.details = !this.details;
        if (this.last) this.render(this.last);
      };
      root.appendChild(more);
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

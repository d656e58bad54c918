/**
 * One place on the page for the plugin's pills (status badge, project tools): in Label Studio's
 * top bar, in the free stretch between the breadcrumbs and the Settings button (see
 * hosts/label-studio-page.ts), where the annotator has no controls to click; elsewhere (the demo,
 * an app embedding the editor) the page's bottom-right corner. A pill's panel opens only on a
 * click, drops from the dock, and closes on a second click or Escape. The dock itself lets clicks
 * through (`pointer-events: none`); only the pills and open panels take them.
 */
import { adoptStyle } from './adopt-style.ts';
import { labelStudioHeaderGap } from './hosts/label-studio-page.ts';

const STYLE = `
.cyto-ml-dock{position:fixed;z-index:2147483000;display:flex;align-items:center;gap:6px;pointer-events:none;
 font:12px/1.4 system-ui,sans-serif;color:#222}
.cyto-ml-dock[data-edge=corner]{right:12px;bottom:12px;flex-direction:row}
.cyto-ml-dock>*{pointer-events:auto}
.cyto-ml-pill{font:inherit;display:inline-flex;align-items:center;gap:6px;max-width:280px;height:28px;box-sizing:border-box;
 padding:0 10px;border:1px solid #ccd;border-radius:14px;background:#fff;color:#223;cursor:pointer;white-space:nowrap;
 overflow:hidden;text-overflow:ellipsis;box-shadow:0 1px 4px rgba(0,0,0,.12)}
.cyto-ml-pill:hover{border-color:#99a}
.cyto-ml-pill>.cyto-ml-pill-text{overflow:hidden;text-overflow:ellipsis}
.cyto-ml-dock[data-cramped=true] .cyto-ml-pill-text{display:none}
.cyto-ml-pop{position:absolute;right:0;max-width:calc(100vw - 24px);box-sizing:border-box;background:#fff;border:1px solid #ccd;
 border-radius:8px;box-shadow:0 2px 10px rgba(0,0,0,.15)}
.cyto-ml-dock[data-edge=header] .cyto-ml-pop{top:calc(100% + 6px)}
.cyto-ml-dock[data-edge=corner] .cyto-ml-pop{bottom:calc(100% + 6px)}
`;

/** The free stretch must leave this much room on each side (px). */
const MARGIN = 12;
const PLACE_MS = 500;

let pageDock: Dock | undefined;

export class Dock {
  readonly root: HTMLElement;
  private readonly closers = new Set<() => void>();
  private timer: ReturnType<typeof setInterval> | undefined;

  private constructor(private readonly doc: Document) {
    adoptStyle('cyto-ml-dock-style', STYLE, doc);
    this.root = doc.createElement('div');
    this.root.className = 'cyto-ml-dock';
    this.root.dataset.testid = 'cyto-ml-dock';
    doc.body.appendChild(this.root);
    this.place();
    // Label Studio is a single-page app: its top bar comes and goes, and resizes with the window.
    this.timer = setInterval(() => this.place(), PLACE_MS);
    doc.defaultView?.addEventListener('resize', () => this.place());
    doc.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') for (const close of this.closers) close();
    });
  }

  /** The dock of this page (created on first use). */
  static forPage(doc: Document = document): Dock {
    if (!pageDock || !pageDock.root.isConnected) pageDock = new Dock(doc);
    return pageDock;
  }

  /** Where the dock is: in Label Studio's top bar, or the corner. */
  get edge(): 'header' | 'corner' {
    return this.root.dataset.edge === 'header' ? 'header' : 'corner';
  }

  /** Add a widget (pill + panel); `close` is called on Escape and when another widget opens. */
  add(widget: HTMLElement, close: () => void, first = false): void {
    if (first) this.root.prepend(widget);
    else this.root.appendChild(widget);
    this.closers.add(close);
    this.place();
  }

  /** Close every other widget's panel (one open panel at a time, so they never overlap). */
  closeOthers(except: () => void): void {
    for (const close of this.closers) if (close !== except) close();
  }

  /** Put the dock in Label Studio's top bar when there is one, else in the corner. */
  place(): void {
    const root = this.root;
    const gap = labelStudioHeaderGap(this.doc);
    const viewportWidth = this.doc.documentElement.clientWidth || this.doc.defaultView?.innerWidth || 0;
    if (!gap || gap.right - gap.left < 2 * MARGIN + 60) {
      if (root.dataset.edge !== 'corner') {
        root.dataset.edge = 'corner';
        root.style.removeProperty('top');
        root.style.removeProperty('right');
      }
      root.dataset.cramped = 'false';
      return;
    }
    root.dataset.edge = 'header';
    const height = root.offsetHeight || 28;
    // CSSOM property writes, not style attributes: allowed under a strict CSP.
    root.style.top = `${Math.round(gap.top + (gap.height - height) / 2)}px`;
    root.style.right = `${Math.round(viewportWidth - gap.right + MARGIN)}px`;
    // Too little room for the pills' words beside the breadcrumbs: show their icons only.
    root.dataset.cramped = 'false';
    const left = root.getBoundingClientRect().left;
    root.dataset.cramped = String(left < gap.left + MARGIN);
  }

  remove(): void {
    if (this.timer) clearInterval(this.timer);
    this.root.remove();
    if (pageDock === this) pageDock = undefined;
  }
}

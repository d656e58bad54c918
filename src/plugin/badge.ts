/**
 * The status badge: a small pill in the plugin's dock (./dock.ts) with the suggestion and its
 * score, and on click a panel with model and backend, cluster, timings and problems in plain
 * words. Plain DOM (no framework): it must not clash with the React/mobx versions of whichever
 * Label Studio it lands in. Styles are adopted stylesheets (./adopt-style.ts): a strict CSP allows them.
 *
 * The words are all made in `badgeText` (one function); the rest is layout.
 */
import { adoptStyle } from './adopt-style.ts';
import { Dock } from './dock.ts';
import type { PluginStatus } from './status.ts';
import {
  controlTitle, FIRST_STEP, FIRST_STEP_SHORT, isStale, LEAVE_EMPTY, learningDetails, learningLine, modelWords, NO_SUGGESTION_YET,
  percent, STALE_SUGGESTION, suggestionDetails, suggestionLine, timingDetails, whyLine,
} from './suggestion-words.ts';

const STYLE = `
.cyto-ml-badge .cyto-ml-dot{width:8px;height:8px;border-radius:50%;background:#9ab;flex:none}
.cyto-ml-badge[data-state=ready] .cyto-ml-dot{background:#3a7}
.cyto-ml-badge[data-state=error] .cyto-ml-dot,.cyto-ml-badge[data-problem=true] .cyto-ml-dot{background:#d33}
.cyto-ml-badge .cyto-ml-pop{width:340px;padding:8px 10px}
.cyto-ml-badge[data-open=false] .cyto-ml-pop{display:none}
.cyto-ml-badge b{font-weight:600}.cyto-ml-badge .cyto-ml-row{margin-top:3px}
.cyto-ml-badge .cyto-ml-error{color:#b00;margin-top:4px}.cyto-ml-badge .cyto-ml-muted{color:#667}
.cyto-ml-badge button.cyto-ml-details{font:inherit;border:0;background:none;color:#667;cursor:pointer;padding:0;margin-top:3px;text-decoration:underline}
`;

/** Everything the badge says, from the status. */
export interface BadgeText {
  /** The pill's words: the suggestion, or what the plugin is doing. */
  summary: string;
  /** The panel's heading. */
  heading: string;
  lines: Array<{ text: string; muted?: boolean }>;
  error?: string;
}

/**
 * The badge's words (kept in this one function so wording changes touch nothing else), in the
 * annotator's language from ./suggestion-words.ts; engine terms only when `details` is asked for.
 */
export function badgeText(status: PluginStatus, details = false): BadgeText {
  const lines: BadgeText['lines'] = [];
  const s = status.lastSuggestion;
  // A control suggested "leave empty" is an answer too (its words say so), not a missing one.
  const shown = s ? s.controls.filter((c) => c.choices.length > 0 || c.empty) : [];
  const chosen = shown.filter((c) => c.choices.length > 0);
  const noLabels = status.learning !== undefined && status.learning.labelled === 0;
  if (noLabels) lines.push({ text: FIRST_STEP, muted: true });
  if (s) {
    if (shown.length === 0 && !noLabels) lines.push({ text: NO_SUGGESTION_YET, muted: true });
    if (shown.length > 0 && isStale(s, status.learning)) lines.push({ text: STALE_SUGGESTION, muted: true });
    for (const c of shown) {
      lines.push({ text: suggestionLine(c) });
      const why = whyLine(c);
      if (why) lines.push({ text: why, muted: true });
    }
  }
  if (status.learning) lines.push({ text: learningLine(status.learning), muted: true });
  if (details) {
    for (const c of s?.controls ?? []) lines.push({ text: suggestionDetails(c), muted: true });
    if (s) lines.push({ text: timingDetails(s), muted: true });
    if (status.learning) lines.push({ text: learningDetails(status.learning), muted: true });
  }
  if (status.storage && !status.storage.persistent) {
    lines.push({ text: `Not saved between visits: ${status.storage.reason ?? 'IndexedDB is unavailable'}`, muted: true });
  }
  let summary: string;
  if (status.lastError && status.state === 'error') summary = 'cyto-ml: not available';
  else if (status.state === 'loading') summary = 'cyto-ml: loading…';
  else if (chosen.length > 0) summary = chosen.map((c) => `${c.choices.join(', ')} ${percent(c.score)}`).join(' · ');
  else if (shown.length > 0) summary = shown.map((c) => `${controlTitle(c)}: ${LEAVE_EMPTY} ${percent(c.score)}`).join(' · ');
  else if (noLabels) summary = FIRST_STEP_SHORT;
  else summary = 'cyto-ml: no suggestion yet';
  if (status.lastError && status.state !== 'error') summary += ' · problem';
  return {
    summary,
    heading: `Suggestions · ${modelWords(status.engine)} · ${status.backendLabel}`,
    lines,
    ...(status.lastError ? { error: status.lastError.message } : {}),
  };
}

function el(tag: string, className: string, text?: string): HTMLElement {
  const node = document.createElement(tag);
  node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

export interface BadgeOptions {
  /** Put the badge here instead of the page's dock (its panel then always shows). */
  container?: HTMLElement;
  /** Start with the panel open (default: open in the page's corner, closed in Label Studio's top bar). */
  open?: boolean;
}

export class Badge {
  private readonly root: HTMLElement;
  private readonly pill: HTMLButtonElement;
  private readonly pillText: HTMLElement;
  private readonly panel: HTMLElement;
  private readonly dock: Dock | undefined;
  private readonly close = () => this.setOpen(false);
  /** Engine terms (clusters, fits, timings) only when asked for. */
  private details = false;
  private last: PluginStatus | undefined;

  constructor(options: BadgeOptions = {}) {
    adoptStyle('cyto-ml-badge-style', STYLE);
    this.root = el('div', 'cyto-ml-badge');
    this.root.setAttribute('role', 'status');
    this.root.dataset.testid = 'cyto-ml-badge';
    this.pill = el('button', 'cyto-ml-pill') as HTMLButtonElement;
    this.pill.type = 'button';
    this.pill.dataset.testid = 'cyto-ml-badge-pill';
    this.pillText = el('span', 'cyto-ml-pill-text', 'cyto-ml');
    this.pill.append(el('span', 'cyto-ml-dot'), this.pillText);
    this.pill.onclick = () => this.setOpen(this.root.dataset.open !== 'true');
    this.panel = el('div', 'cyto-ml-pop');
    this.root.append(this.pill, this.panel);
    if (options.container) {
      options.container.appendChild(this.root);
      this.setOpen(options.open ?? true);
    } else {
      this.dock = Dock.forPage();
      this.dock.add(this.root, this.close);
      this.setOpen(options.open ?? this.dock.edge === 'corner');
    }
  }

  /** Open or close the details panel (the pill does the same). */
  setOpen(open: boolean): void {
    if (open) this.dock?.closeOthers(this.close);
    this.root.dataset.open = String(open);
    this.pill.setAttribute('aria-expanded', String(open));
    this.pill.title = open ? 'Hide details' : 'Show details';
  }

  render(status: PluginStatus): void {
    this.last = status;
    const text = badgeText(status, this.details);
    this.root.dataset.state = status.state;
    this.root.dataset.problem = String(!!text.error);
    this.pillText.textContent = text.summary;
    const head = el('div', 'cyto-ml-row');
    head.append(el('b', '', text.heading));
    this.panel.replaceChildren(head,
      ...text.lines.map((l) => el('div', l.muted ? 'cyto-ml-row cyto-ml-muted' : 'cyto-ml-row', l.text)));
    const more = el('button', 'cyto-ml-details', this.details ? 'hide details' : 'details') as HTMLButtonElement;
    more.type = 'button';
    more.onclick = () => {
      this.details = !this.details;
      if (this.last) this.render(this.last);
    };
    this.panel.appendChild(more);
    if (text.error) this.panel.appendChild(el('div', 'cyto-ml-error', text.error));
  }

  remove(): void {
    this.root.remove();
  }
}

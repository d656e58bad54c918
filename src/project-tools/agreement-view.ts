/**
 * The "Checked" tab: how often the suggestions stored in Label Studio matched what the team then
 * submitted, per control and per score band (src/labelstudio/suggestion-agreement.ts). The
 * benchmark's figures come from one in-situ imager; this is the same question asked of the
 * lab's own images, so a FlowCam or cytometer project sees its own rate, and whether a score
 * of 0.8 is right about 8 times in 10 there too.
 *
 * Read fresh from Label Studio each time the tab is shown (one task listing): annotations made
 * in other browsers count as soon as they are stored.
 */
import { summariseAgreement, agreementChecks, type BandTally, type ControlAgreement } from '../labelstudio/suggestion-agreement.ts';
import { h } from './dom.ts';
import type { ToolContext } from './tool-context.ts';
import type { ToolView } from './tools-panel.ts';

function percent(agreed: number, checked: number): string {
  return checked ? `${Math.round((100 * agreed) / checked)} %` : '–';
}

function cell(t: { agreed: number; checked: number }): string {
  return t.checked ? `${percent(t.agreed, t.checked)} (${t.agreed} of ${t.checked})` : '–';
}

export class AgreementView implements ToolView {
  readonly id = 'agreement';
  readonly title = 'Checked';
  readonly element = h('div', '', undefined, { 'data-testid': 'cyto-ml-agreement' });
  private readonly intro = h('p', 'cyto-muted',
    'How often a suggestion stored for a task matched what was then submitted for it, by anyone on the team ' +
    '(only suggestions written before the task was labelled; a new Pre-annotate run replaces them and the count starts again).');
  private readonly body = h('div');
  private readonly refresh = h('button', 'cyto-btn', 'Refresh', { type: 'button' });
  private loading: Promise<void> | undefined;

  constructor(private readonly context: ToolContext) {
    this.element.append(this.intro, this.body, this.refresh);
    this.refresh.onclick = () => this.show();
  }

  show(): void {
    this.loading ??= this.load().finally(() => { this.loading = undefined; });
  }

  private async load(): Promise<void> {
    this.refresh.disabled = true;
    this.body.replaceChildren(h('div', 'cyto-muted', 'Reading the project’s tasks…'));
    try {
      const summary = summariseAgreement(agreementChecks(await this.context.source.listTasks()));
      this.body.replaceChildren(summary.length ? this.table(summary) : h('div', 'cyto-muted', 'Nothing to check yet: no task was labelled after a suggestion of ours was stored for it. Run Pre-annotate, then label tasks.'));
    } catch (error) {
      this.body.replaceChildren(h('div', 'cyto-error', `Could not read the project’s tasks: ${(error as Error).message}. Check that Label Studio is reachable, then Refresh.`));
    } finally {
      this.refresh.disabled = false;
    }
  }

  private table(summary: readonly ControlAgreement[]): HTMLElement {
    const table = h('table', '', undefined, { 'data-testid': 'cyto-ml-agreement-table' });
    const head = h('tr');
    for (const text of ['control', 'matched', ...summary[0].bands.map((b) => b.label), 'mean score']) head.append(h('th', '', text));
    table.append(head);
    const titles = new Map(this.context.config.controls.map((c) => [c.name, c.title ?? c.name]));
    for (const c of summary) {
      const row = h('tr', '', undefined, { 'data-control': c.control });
      row.append(h('td', '', titles.get(c.control) ?? c.control), h('td', '', cell(c)), ...c.bands.map((b: BandTally) => h('td', '', cell(b))), h('td', '', c.checked ? c.meanScore.toFixed(2) : '–'));
      table.append(row);
    }
    return table;
  }
}

/**
 * The "Pre-annotate" tab: start / resume / cancel the project job, a progress bar with
 * done/total, images per second and time left, then how many predictions were written and
 * how many writes still wait in the outbox.
 */
import { h } from './dom.ts';
import { isRunning, jobReport, type JobPhase } from './job-state.ts';
import type { JobView, PreannotateJob } from './preannotate-job.ts';
import { formatDuration, fractionDone } from './progress-maths.ts';
import type { ToolView } from './tools-panel.ts';

const PHASE_TEXT: Readonly<Record<JobPhase, string>> = Object.freeze({
  idle: 'Embed every image of the project, cluster, and write a prediction for every task.',
  listing: 'Listing the project’s tasks…',
  embedding: 'Embedding images…',
  fitting: 'Fitting clusters…',
  predicting: 'Making predictions…',
  storing: 'Storing predictions in Label Studio…',
  done: 'Done.',
  paused: 'Paused: progress is kept; resume any time (also after a reload).',
  failed: 'Stopped by an error.',
});

export class PreannotateView implements ToolView {
  readonly id = 'preannotate';
  readonly title = 'Pre-annotate';
  readonly element = h('div', '', undefined, { 'data-testid': 'cyto-ml-preannotate' });
  private readonly button = h('button', 'cyto-btn', 'Pre-annotate project', { type: 'button' });
  private readonly cancel = h('button', 'cyto-btn', 'Cancel', { type: 'button' });
  private readonly phase = h('div', 'cyto-muted');
  private readonly bar = h('div', 'cyto-bar', undefined, { role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': '0', 'aria-valuenow': '0' });
  private readonly fill = h('div');
  private readonly numbers = h('div', '', undefined, { 'data-testid': 'cyto-ml-preannotate-numbers' });
  private readonly report = h('div', '', undefined, { 'data-testid': 'cyto-ml-preannotate-report' });
  private readonly warning = h('div', 'cyto-muted', undefined, { 'data-testid': 'cyto-ml-preannotate-warning' });
  private readonly writes = h('div', 'cyto-muted');
  private readonly error = h('div', 'cyto-error');

  constructor(private readonly job: PreannotateJob, private readonly writeState: () => Promise<{ pending: number; failed: number }>) {
    this.bar.appendChild(this.fill);
    const buttons = h('div');
    buttons.append(this.button, document.createTextNode(' '), this.cancel);
    this.element.append(buttons, this.phase, this.bar, this.numbers, this.report, this.warning, this.writes, this.error);
    this.button.onclick = () => void this.job.run();
    this.cancel.onclick = () => this.job.pause();
    job.subscribe((view) => this.render(view));
    void this.offerResume();
  }

  show(): void {
    this.render(this.job.view);
  }

  /** A stored, unfinished run: say how far it got and offer to resume it. */
  private async offerResume(): Promise<void> {
    const stored = await this.job.stored();
    if (!stored || stored.state === 'done' || this.job.view.state.phase !== 'idle') return;
    this.button.textContent = `Resume (${stored.done.length}/${stored.total})`;
    this.phase.textContent = `An earlier run stopped at ${stored.done.length} of ${stored.total} tasks.`;
  }

  private render(view: JobView): void {
    const { state } = view;
    const running = isRunning(state.phase);
    this.element.dataset.phase = state.phase;
    this.button.disabled = running;
    this.cancel.disabled = !running;
    if (!running && state.phase !== 'idle') this.button.textContent = state.phase === 'paused' || state.phase === 'failed' ? 'Resume' : 'Run again';
    this.phase.textContent = PHASE_TEXT[state.phase];
    const done = state.embedded + state.failed;
    this.bar.setAttribute('aria-valuemax', String(state.total));
    this.bar.setAttribute('aria-valuenow', String(state.embedded));
    // Idle (nothing run yet): an empty bar, not a full one (fractionDone(0, 0) is 1, "nothing left").
    this.fill.style.width = state.phase === 'idle' ? '0%' : `${(fractionDone(done, state.total) * 100).toFixed(1)}%`;
    if (state.phase === 'idle') {
      this.numbers.textContent = '';
    } else {
      const parts = [`${state.embedded} / ${state.total} embedded`];
      if (state.resumed > 0) parts.push(`${state.resumed} from an earlier run`);
      if (state.phase === 'embedding') parts.push(`${view.rate.toFixed(1)} images/s`, `${formatDuration(view.timeLeftMs)} left`);
      if (state.failed > 0) parts.push(`${state.failed} failed`);
      if (state.phase === 'storing') parts.push(`${state.predicted - state.unstored} / ${state.predicted} predictions stored`);
      else if (state.predicted > 0) parts.push(`${state.predicted} predictions ${state.phase === 'done' ? 'stored' : 'made'}`);
      this.numbers.textContent = parts.join(' · ');
    }
    this.error.textContent = state.error ?? '';
    this.report.textContent = jobReport(state);
    this.warning.textContent = state.phase === 'done' || state.phase === 'predicting' ? (state.warning ?? '') : '';
    if (state.phase === 'done') void this.refreshWrites(state.predicted);
    else this.writes.textContent = '';
  }

  private async refreshWrites(predicted: number): Promise<void> {
    const { pending, failed } = await this.writeState();
    if (pending === 0 && failed === 0) {
      // Only a claim about what was written: nothing written is said by the report above.
      this.writes.textContent = predicted > 0 ? `All ${predicted} predictions are stored.` : '';
      return;
    }
    this.writes.textContent = `${pending} writes waiting to be sent (retried with backoff)${failed ? `, ${failed} refused` : ''}.`;
    if (pending > 0) setTimeout(() => void this.refreshWrites(predicted), 2000);
  }
}

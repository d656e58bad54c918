import { describe, expect, it } from 'vitest';
import { fewLabelsWarning, INITIAL_JOB_STATE, isRunning, jobReport, JobTransitionError, reduceJob, type JobEvent, type JobState } from './job-state.ts';

function run(events: JobEvent[], from: JobState = INITIAL_JOB_STATE): JobState {
  return events.reduce(reduceJob, from);
}

describe('pre-annotation job state machine', () => {
  it('goes idle → listing → embedding → fitting → predicting → storing → done, counting as it goes', () => {
    const state = run([
      { type: 'start' },
      { type: 'listed', total: 10, alreadyEmbedded: 4 },
      { type: 'embedded', ok: 3, failed: 0 },
      { type: 'embedded', ok: 2, failed: 1, error: 'task 9: HTTP 404' },
      { type: 'fitting' },
      { type: 'fitted' },
      { type: 'predicted', count: 9 },
      { type: 'queued' },
    ]);
    // Queued is not done: the server does not hold them yet.
    expect(state).toEqual({ phase: 'storing', total: 10, embedded: 9, resumed: 4, failed: 1, predicted: 9, unstored: 9, annotated: 0, unsure: 0, labelled: 0, error: 'task 9: HTTP 404' });
    expect(jobReport(state)).toBe('');
    const storing = reduceJob(state, { type: 'storing', unstored: 3 });
    expect(storing).toMatchObject({ phase: 'storing', unstored: 3 });
    expect(reduceJob(storing, { type: 'stored' })).toMatchObject({ phase: 'done', unstored: 0, predicted: 9 });
    expect(reduceJob(storing, { type: 'pause' }).phase).toBe('paused');
    expect(() => reduceJob(state, { type: 'queued' })).toThrow(/"queued" is not valid in phase "storing"/);
  });

  it('pauses from any running phase and starts afresh (counts come back from the stored progress)', () => {
    for (const prefix of [[], [{ type: 'listed', total: 5, alreadyEmbedded: 0 }], [{ type: 'listed', total: 5, alreadyEmbedded: 0 }, { type: 'fitting' }]] as JobEvent[][]) {
      const paused = run([{ type: 'start' }, ...prefix, { type: 'pause' }]);
      expect(paused.phase).toBe('paused');
      expect(run([{ type: 'start' }], paused)).toEqual({ ...INITIAL_JOB_STATE, phase: 'listing' });
    }
  });

  it('fails with the reason, and can be started again', () => {
    const failed = run([{ type: 'start' }, { type: 'fail', error: 'HTTP 401: log in' }]);
    expect(failed).toMatchObject({ phase: 'failed', error: 'HTTP 401: log in' });
    expect(reduceJob(failed, { type: 'start' }).phase).toBe('listing');
  });

  it('rejects events a phase does not accept, naming both', () => {
    expect(() => run([{ type: 'embedded', ok: 1, failed: 0 }])).toThrow(JobTransitionError);
    expect(() => run([{ type: 'start' }, { type: 'start' }])).toThrow(/"start" is not valid in phase "listing"/);
    expect(() => run([{ type: 'pause' }])).toThrow(/phase "idle"/);
    expect(() => run([{ type: 'start' }, { type: 'listed', total: 1, alreadyEmbedded: 0 }, { type: 'queued' }])).toThrow(/"queued"/);
  });

  it('knows which phases are running', () => {
    expect(['listing', 'embedding', 'fitting', 'predicting', 'storing'].every((p) => isRunning(p as JobState['phase']))).toBe(true);
    expect(['idle', 'done', 'paused', 'failed'].some((p) => isRunning(p as JobState['phase']))).toBe(false);
  });
});

describe('job report', () => {
  const done = (events: JobEvent[]) => run([{ type: 'start' }, { type: 'listed', total: 4, alreadyEmbedded: 0 }, { type: 'embedded', ok: 4, failed: 0 }, { type: 'fitting' }, { type: 'fitted' }, ...events, { type: 'stored' }]);

  it('says why nothing was written instead of claiming every prediction is stored', () => {
    const report = jobReport(done([{ type: 'learnt', labelled: 0 }, { type: 'predicted', count: 0, unsure: 4 }, { type: 'queued' }]));
    expect(report).toMatch(/^0 predictions: no labelled examples yet; label a few tasks/);
    expect(report).not.toMatch(/stored/);
    expect(jobReport(done([{ type: 'learnt', labelled: 4 }, { type: 'predicted', count: 0, annotated: 4 }, { type: 'queued' }])))
      .toMatch(/^0 predictions: every task already has an annotation\. 4 already annotated/);
  });

  it('counts what was written, skipped as annotated, and left without a suggestion', () => {
    const state = done([{ type: 'learnt', labelled: 6, warning: 'w' }, { type: 'predicted', count: 2, annotated: 1, unsure: 1 }, { type: 'queued', modelVersion: 'm@v' }]);
    expect(state.warning).toBe('w');
    expect(jobReport(state)).toBe('2 predictions written (model version m@v). 1 already annotated (skipped: a prediction must not contradict a person\'s annotation); 1 without a suggestion (no label was likely enough).');
  });

  it('warns about classes with too few labelled examples, naming them', () => {
    expect(fewLabelsWarning({ c: { A: 5, B: 3 } })).toBeUndefined();
    expect(fewLabelsWarning({ c: { A: 5, B: 1, C: 0 } })).toMatch(/^2 of 3 classes have fewer than 3 labelled examples: B \(1\), C \(0\)\./);
  });
});

import { describe, expect, it } from 'vitest';
import { DurableOutbox } from '../store/outbox.ts';
import { MemoryOutboxRecords } from '../store/outbox-records.ts';
import { FakeLabelStudio } from './fake-label-studio.ts';
import { idempotentLabelStudioWrites } from './idempotent-writes.ts';
import { importPredictionsUrl } from './prediction-batch.ts';

const BASE = 'http://ls.test/';
const choice = (c: string) => [{ from_name: 'organism_type', to_name: 'image', type: 'choices', value: { choices: [c] } }];
const v = (stamp: string, hash: string) => `mobilenet+kmeans6@${stamp}.${hash}`;
const OLD = v('20261128T090000000Z', 'aaaaaaaaaa');
const NEW = v('20261128T100000000Z', 'bbbbbbbbbb');

function setUp(tasks: number) {
  const ls = new FakeLabelStudio();
  for (let id = 1; id <= tasks; id++) ls.addTask(id, `/${id}.jpg`);
  const outbox = new DurableOutbox(new MemoryOutboxRecords(), { locks: null, isOnline: () => true, random: () => 0.5 });
  const queue = async (ids: number[], version: string) => {
    for (const task of ids) {
      await outbox.enqueue({
        kind: 'prediction', target: 'label-studio', method: 'POST', url: importPredictionsUrl(BASE, 1),
        body: [{ task, result: choice('Plankton'), score: 0.8, model_version: version }], dedupeKey: `ls-prediction:1:${task}`,
      });
    }
  };
  return { ls, outbox, queue };
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe('batched prediction writes', () => {
  it('stores hundreds of predictions in a handful of requests, skipping annotated tasks and replacing our older version', async () => {
    const { ls, outbox, queue } = setUp(300);
    ls.annotate(7, choice('Debris'));
    await ls.fetch(`${BASE}api/predictions/`, { method: 'POST', body: JSON.stringify({ task: 9, model_version: OLD, score: 0.1, result: [] }) });
    await ls.fetch(`${BASE}api/predictions/`, { method: 'POST', body: JSON.stringify({ task: 9, model_version: 'someone-elses', score: 0.1, result: [] }) });
    await queue(range(300), NEW);
    ls.log.length = 0;
    const report = await outbox.flush(idempotentLabelStudioWrites(ls.fetch, BASE));
    expect(report).toMatchObject({ sent: 300, retried: 0, failed: 0 });
    expect(await outbox.pending()).toBe(0);
    const ours = ls.predictions.filter((p) => p.model_version === NEW);
    expect(ours.map((p) => p.task).sort((a, b) => a - b)).toEqual(range(300).filter((t) => t !== 7));
    expect(ls.predictions.filter((p) => p.task === 9).map((p) => p.model_version).sort()).toEqual([NEW, 'someone-elses']);
    // Two state reads (tasks + predictions) before and after, one import, one delete.
    expect(ls.log.filter((l) => l.startsWith('POST')).length).toBe(1);
    expect(ls.log.filter((l) => l.startsWith('DELETE')).length).toBe(1);
    expect(ls.log.length).toBeLessThanOrEqual(6);
  });

  it('replaces an older version on every task with one delete request when none of it stays', async () => {
    const { ls, outbox, queue } = setUp(200);
    await queue(range(200), OLD);
    await outbox.flush(idempotentLabelStudioWrites(ls.fetch, BASE));
    await queue(range(199), NEW); // task 200: no suggestion this time, its older one stays
    ls.log.length = 0;
    expect((await outbox.flush(idempotentLabelStudioWrites(ls.fetch, BASE))).sent).toBe(199);
    expect(ls.predictions.filter((p) => p.model_version === NEW).length).toBe(199);
    expect(ls.predictions.filter((p) => p.model_version === OLD).map((p) => p.task)).toEqual([200]);
    // Not every OLD prediction goes, so they go one by one (4 in flight).
    expect(ls.log.filter((l) => l.startsWith('DELETE /api/predictions/')).length).toBe(199);
    await queue([200], NEW);
    await outbox.flush(idempotentLabelStudioWrites(ls.fetch, BASE));
    await queue(range(200), v('20261128T110000000Z', 'cccccccccc'));
    ls.log.length = 0;
    await outbox.flush(idempotentLabelStudioWrites(ls.fetch, BASE));
    expect(ls.log.filter((l) => l.startsWith('DELETE'))).toEqual(['DELETE /api/projects/1/model-versions/']);
    expect(new Set(ls.predictions.map((p) => p.model_version))).toEqual(new Set([v('20261128T110000000Z', 'cccccccccc')]));
    expect(ls.predictions.length).toBe(200);
  });

  it('sends nothing new for a version already stored (a resend, "Run again" with the same labels) and skips a stale one', async () => {
    const { ls, outbox, queue } = setUp(20);
    await queue(range(20), NEW);
    await outbox.flush(idempotentLabelStudioWrites(ls.fetch, BASE));
    await queue(range(20), NEW);
    await queue([1, 2], OLD);
    ls.log.length = 0;
    const report = await outbox.flush(idempotentLabelStudioWrites(ls.fetch, BASE));
    expect(report.sent).toBe(20);
    expect(ls.log.filter((l) => !l.startsWith('GET'))).toEqual([]);
    expect(ls.predictions.length).toBe(20);
    expect(new Set(ls.predictions.map((p) => p.model_version))).toEqual(new Set([NEW]));
  });

  it('removes a copy a racing browser stored, and what it wrote onto a task annotated meanwhile', async () => {
    const { ls, outbox, queue } = setUp(10);
    await queue(range(10), NEW);
    const racing: typeof fetch = async (input, init) => {
      const response = await ls.fetch(input, init);
      if (String(input).includes('/import/predictions')) {
        // At the same moment: another browser imports task 3 again, a person annotates task 4.
        ls.predictions.push({ id: 99_999, task: 3, model_version: NEW, score: 0.8, result: [] });
        ls.annotate(4, choice('Debris'));
      }
      return response;
    };
    const report = await outbox.flush(idempotentLabelStudioWrites(racing, BASE));
    expect(report.sent).toBe(10);
    expect(ls.predictions.filter((p) => p.task === 3).length).toBe(1);
    expect(ls.predictions.filter((p) => p.task === 3)[0].id).not.toBe(99_999); // the oldest copy stays
    expect(ls.predictions.filter((p) => p.task === 4)).toEqual([]);
  });

  it('fails only the prediction of a task Label Studio refuses (deleted meanwhile); the others are stored', async () => {
    const { ls, outbox, queue } = setUp(5);
    await queue(range(5), NEW);
    ls.tasks = ls.tasks.filter((t) => t.id !== 2);
    const report = await outbox.flush(idempotentLabelStudioWrites(ls.fetch, BASE));
    expect(report).toMatchObject({ sent: 4, failed: 1 });
    expect((await outbox.failed())[0].lastError).toMatch(/HTTP 400.*invalid/);
    expect(ls.predictions.map((p) => p.task).sort()).toEqual([1, 3, 4, 5]);
  });

  it('keeps every item queued (retried with backoff) when Label Studio cannot be read', async () => {
    const { ls, outbox, queue } = setUp(3);
    await queue(range(3), NEW);
    const down: typeof fetch = async (input, init) => (String(input).includes('/api/tasks') ? new Response('busy', { status: 503 }) : ls.fetch(input, init));
    const report = await outbox.flush(idempotentLabelStudioWrites(down, BASE));
    expect(report).toMatchObject({ sent: 0, retried: 3 });
    expect(await outbox.pending()).toBe(3);
    expect(ls.predictions).toEqual([]);
  });
});

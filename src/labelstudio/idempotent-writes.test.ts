import { describe, expect, it } from 'vitest';
import { FakeLabelStudio } from './fake-label-studio.ts';
import { idempotentLabelStudioWrites, SKIPPED_HEADER } from './idempotent-writes.ts';

const BASE = 'http://ls.test/';
const post = (path: string, body: unknown): [string, RequestInit] => [`${BASE}${path}`, { method: 'POST', body: JSON.stringify(body) }];
const choice = (c: string) => [{ from_name: 'organism_type', to_name: 'image', type: 'choices', value: { choices: [c] } }];

describe('idempotent Label Studio writes', () => {
  it('a prediction sent again (lost reply, Run again, another tab) updates the stored one instead of adding one', async () => {
    const ls = new FakeLabelStudio();
    ls.addTask(1, '/a.jpg');
    const send = idempotentLabelStudioWrites(ls.fetch, BASE);
    for (const score of [0.4, 0.5, 0.6]) {
      const response = await send(...post('api/predictions/', { task: 1, model_version: 'v1', score, result: choice('Plankton') }));
      expect(response.ok).toBe(true);
    }
    expect(ls.predictions.map((p) => [p.task, p.model_version, p.score])).toEqual([[1, 'v1', 0.6]]);
    // Another version is another prediction.
    await send(...post('api/predictions/', { task: 1, model_version: 'v2', score: 0.7, result: choice('Debris') }));
    expect(ls.predictions.map((p) => p.model_version)).toEqual(['v1', 'v2']);
  });

  it('a newer version of our model replaces the older ones on the task; other models\' predictions stay', async () => {
    const ls = new FakeLabelStudio();
    ls.addTask(1, '/a.jpg');
    const send = idempotentLabelStudioWrites(ls.fetch, BASE);
    const v = (stamp: string, hash: string) => `mobilenet+kmeans6@${stamp}.${hash}`;
    await ls.fetch(...post('api/predictions/', { task: 1, model_version: 'someone-elses-model', score: 0.5, result: choice('Debris') }));
    await send(...post('api/predictions/', { task: 1, model_version: v('20261128T100000000Z', 'aaaaaaaaaa'), score: 0.5, result: choice('Plankton') }));
    await send(...post('api/predictions/', { task: 1, model_version: v('20261128T110000000Z', 'bbbbbbbbbb'), score: 0.7, result: choice('Plankton') }));
    expect(ls.predictions.map((p) => p.model_version)).toEqual(['someone-elses-model', v('20261128T110000000Z', 'bbbbbbbbbb')]);
    // An older version arriving late (a queued write) is not stored beside the newer one.
    const late = await send(...post('api/predictions/', { task: 1, model_version: v('20261128T090000000Z', 'cccccccccc'), score: 0.4, result: choice('Debris') }));
    expect(late.headers.get(SKIPPED_HEADER)).toBe('newer-version');
    expect(ls.predictions.map((p) => p.model_version)).toEqual(['someone-elses-model', v('20261128T110000000Z', 'bbbbbbbbbb')]);
    // A refit without new labels (same labels time, another hash) replaces it: never two of ours.
    await send(...post('api/predictions/', { task: 1, model_version: v('20261128T110000000Z', 'dddddddddd'), score: 0.6, result: choice('Plankton') }));
    expect(ls.predictions.map((p) => p.model_version)).toEqual(['someone-elses-model', v('20261128T110000000Z', 'dddddddddd')]);
  });

  it('writes no prediction to a task a person annotated since the job listed it', async () => {
    const ls = new FakeLabelStudio();
    ls.addTask(1, '/a.jpg');
    ls.annotate(1, choice('Debris'));
    const response = await idempotentLabelStudioWrites(ls.fetch, BASE)(...post('api/predictions/', { task: 1, model_version: 'v1', score: 0.9, result: choice('Plankton') }));
    expect(response.headers.get(SKIPPED_HEADER)).toBe('task-annotated');
    expect(ls.predictions).toEqual([]);
  });

  it('removes duplicates of one version that exist already, keeping the oldest', async () => {
    const ls = new FakeLabelStudio();
    ls.addTask(1, '/a.jpg');
    for (let i = 0; i < 3; i++) await ls.fetch(...post('api/predictions/', { task: 1, model_version: 'v1', score: 0.1, result: [] }));
    const oldest = ls.predictions[0].id;
    await idempotentLabelStudioWrites(ls.fetch, BASE)(...post('api/predictions/', { task: 1, model_version: 'v1', score: 0.9, result: choice('Plankton') }));
    expect(ls.predictions.map((p) => [p.id, p.score])).toEqual([[oldest, 0.9]]);
  });

  it('a bulk annotation is not written to a task that already has one in Label Studio, nor twice', async () => {
    const ls = new FakeLabelStudio();
    ls.addTask(1, '/a.jpg');
    ls.addTask(2, '/b.jpg');
    ls.annotate(1, choice('Debris'), 7);
    const send = idempotentLabelStudioWrites(ls.fetch, BASE);
    const skipped = await send(...post('api/tasks/1/annotations/', { result: choice('Plankton') }));
    expect(skipped.status).toBe(200);
    expect(skipped.headers.get(SKIPPED_HEADER)).toBe('already-annotated');
    await send(...post('api/tasks/2/annotations/', { result: choice('Plankton') }));
    await send(...post('api/tasks/2/annotations/', { result: choice('Plankton') })); // a retry
    expect(ls.tasks.map((t) => t.annotations.length)).toEqual([1, 1]);
    expect(ls.tasks[0].annotations[0].completed_by).toBe(7);
  });

  it('moves the project\'s model_version forward only, and retries while its predictions are queued', async () => {
    const ls = new FakeLabelStudio();
    ls.addTask(1, '/a.jpg');
    const send = idempotentLabelStudioWrites(ls.fetch, BASE);
    const older = 'm+kmeans6@20261128T090000000Z.aaaaaaaaaa';
    const newer = 'm+kmeans6@20261128T100000000Z.bbbbbbbbbb';
    const patch = (v: string): [string, RequestInit] => [`${BASE}api/projects/3/`, { method: 'PATCH', body: JSON.stringify({ model_version: v }) }];
    expect((await send(...patch(newer))).status).toBe(503); // no prediction of it stored yet: retried later
    await send(...post('api/predictions/', { task: 1, model_version: newer, score: 0.5, result: [] }));
    await send(...post('api/predictions/', { task: 1, model_version: older, score: 0.5, result: [] }));
    expect((await send(...patch(newer))).status).toBe(200);
    expect(ls.projectVersion).toBe(newer);
    const back = await send(...patch(older));
    expect(back.headers.get(SKIPPED_HEADER)).toBe('newer-version-set');
    expect(ls.projectVersion).toBe(newer);
  });

  it('passes other requests and other servers through untouched', async () => {
    const ls = new FakeLabelStudio();
    const send = idempotentLabelStudioWrites(ls.fetch, BASE);
    await send('http://shim.test/api/predictions', { method: 'POST', body: '{}' });
    await send(`${BASE}api/projects/3/`, { method: 'GET' });
    expect(ls.log).toEqual(['POST /api/predictions', 'GET /api/projects/3/']);
  });
});

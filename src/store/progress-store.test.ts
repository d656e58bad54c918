import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { openCytoDB } from './open-db.ts';
import { IdbProgressStore, MemoryProgressStore, type ProgressStore } from './progress-store.ts';

let dbCounter = 0;
const opened: Array<{ close(): void }> = [];
afterEach(() => {
  for (const db of opened.splice(0)) db.close();
});

const implementations: Array<[string, (now: () => number) => Promise<ProgressStore>]> = [
  [
    'IndexedDB',
    async (now) => {
      const db = await openCytoDB(indexedDB, `progress-test-${++dbCounter}`, 2000);
      opened.push(db);
      return new IdbProgressStore(db, now);
    },
  ],
  ['memory', async (now) => new MemoryProgressStore(now)],
];

describe.each(implementations)('%s progress store', (_name, make) => {
  it('records done tasks across batches and resumes a started job', async () => {
    let t = 100;
    const store = await make(() => t);
    expect(await store.start('12', 'predict-all', 5)).toMatchObject({ done: [], total: 5, startedAt: 100, state: 'running' });
    await store.markDone('12', 'predict-all', [1, 2]);
    t = 200;
    await Promise.all([store.markDone('12', 'predict-all', [2, 3]), store.markDone('12', 'predict-all', ['4'])]);
    await store.setState('12', 'predict-all', 'failed', 'HTTP 500 from /api/tasks');
    t = 300;
    // A reload: start again with the (now larger) total keeps the done ids and clears the error.
    const resumed = await store.start('12', 'predict-all', 6);
    expect(resumed).toEqual({
      project: '12',
      jobId: 'predict-all',
      done: ['1', '2', '3', '4'],
      total: 6,
      startedAt: 100,
      updatedAt: 300,
      state: 'running',
    });
    expect(await store.get('12', 'other-job')).toBeUndefined();
  });

  it('records why a job failed, and forgets deleted jobs', async () => {
    const store = await make(() => 1);
    await store.start('12', 'j', 1);
    expect(await store.setState('12', 'j', 'failed', 'offline')).toMatchObject({ state: 'failed', error: 'offline' });
    expect((await store.setState('12', 'j', 'done')).error).toBeUndefined();
    await store.delete('12', 'j');
    expect(await store.get('12', 'j')).toBeUndefined();
  });

  it('refuses to mark tasks of a job never started', async () => {
    const store = await make(() => 1);
    await expect(store.markDone('12', 'nope', [1])).rejects.toThrow('no progress record for job "nope" of project "12"; call start() first');
  });
});

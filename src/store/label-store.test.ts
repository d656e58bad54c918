import 'fake-indexeddb/auto';
import { wrap, type IDBPDatabase } from 'idb';
import { afterEach, describe, expect, it } from 'vitest';
import { IdbLabelStore, MemoryLabelStore, type LabelStore } from './label-store.ts';
import { derivedItems, labelsWatermark, latestPerTask } from './label-records.ts';
import { openCytoDB } from './open-db.ts';
import { upgradeCytoDB, type CytoDB, type LabelRecord } from './schema.ts';

let counter = 0;
const opened: Array<{ close(): void }> = [];
afterEach(() => {
  for (const db of opened.splice(0)) db.close();
});

async function idb(name = `labels-test-${++counter}`): Promise<IdbLabelStore> {
  const db = await openCytoDB(indexedDB, name, 2000);
  opened.push(db);
  return new IdbLabelStore(db);
}

function rec(source: string, taskId: number, label: string, updatedAt: number, project = 'p'): LabelRecord {
  return { project, source, taskId, labels: { image: { class: [label] } }, urls: { image: `/img/${taskId}.jpg` }, updatedAt };
}

describe.each<[string, () => Promise<LabelStore>]>([
  ['IndexedDB', () => idb()],
  ['memory', async () => new MemoryLabelStore()],
])('label store (%s)', (_name, make) => {
  it('replaces a task\'s server records with what the server has now, dropping the local copy', async () => {
    const store = await make();
    await store.put([rec('local:1', 1, 'a', 100), rec('ls:7', 1, 'b', 50), rec('ls:8', 2, 'c', 60), rec('local:3', 3, 'd', 500)]);
    const changed = await store.replaceTasks('p', [
      { taskId: 1, taskUpdatedAt: 200, records: [rec('ls:9', 1, 'e', 200)] },
      // Task 3's annotation is not on the server yet and the task did not change after it: kept.
      { taskId: 3, taskUpdatedAt: 400, records: [] },
    ]);
    expect(changed).toBe(3); // put ls:9, remove local:1 and ls:7
    const sources = (await store.list('p')).map((r) => r.source).sort();
    expect(sources).toEqual(['local:3', 'ls:8', 'ls:9']);
    // Unchanged re-read: nothing to do.
    expect(await store.replaceTasks('p', [{ taskId: 1, taskUpdatedAt: 200, records: [rec('ls:9', 1, 'e', 200)] }])).toBe(0);
    // A deleted annotation (task changed later, no annotation left) removes the local copy too.
    expect(await store.replaceTasks('p', [{ taskId: 3, taskUpdatedAt: 900, records: [] }])).toBe(1);
    expect(await store.keepOnlyTasks('p', new Set([1]))).toBe(1);
    expect((await store.list('p')).map((r) => r.source)).toEqual(['ls:9']);
  });

  it('keeps the sync watermark per project', async () => {
    const store = await make();
    expect(await store.getSync('p')).toBeUndefined();
    await store.putSync({ project: 'p', watermark: '2026-11-28T09:00:00.000000Z', fullSyncAt: 5 });
    expect(await store.getSync('p')).toEqual({ project: 'p', watermark: '2026-11-28T09:00:00.000000Z', fullSyncAt: 5 });
    expect(await store.getSync('q')).toBeUndefined();
  });
});

describe('two tabs labelling at once', () => {
  it('merges A:4, B:60, A:11, B:61 instead of keeping only the last writer', async () => {
    const name = `labels-two-tabs-${++counter}`;
    const tabA = await idb(name);
    const tabB = await idb(name);
    await tabA.put([rec('local:4', 4, 'a', 1)]);
    await tabB.put([rec('local:60', 60, 'b', 2)]);
    await tabA.put([rec('local:11', 11, 'c', 3)]);
    await tabB.put([rec('local:61', 61, 'd', 4)]);
    const items = derivedItems(await tabA.list('p'));
    expect([...items.keys()].sort()).toEqual(['11:image', '4:image', '60:image', '61:image']);
    expect(items.get('60:image')!.labels).toEqual({ class: ['b'] });
  });
});

describe('label records', () => {
  it('lets the newest annotation of a task speak for it, the same in every tab', () => {
    const records = [rec('ls:1', 5, 'old', 10), rec('ls:2', 5, 'new', 20), rec('ls:3', 6, 'x', 30), rec('ls:4', 6, 'y', 30)];
    const latest = latestPerTask(records);
    expect(latest.get(5)!.source).toBe('ls:2');
    expect(latest.get(6)!.source).toBe('ls:4'); // tie on time: the larger source key, stably
    expect(latestPerTask([...records].reverse()).get(6)!.source).toBe('ls:4');
    expect(labelsWatermark(records)).toBe(30);
  });

  it('times labels by Label Studio\'s clock only, so browsers with the same annotations agree (bulk label over annotated tasks)', () => {
    const team = [rec('ls:1', 5, 'a', 10), rec('ls:2', 6, 'b', 20)];
    // Browser A bulk-labelled tasks 5 and 6 (already annotated): local records with its own clock.
    const browserA = [...team, rec('local:5', 5, 'a', 5_000), rec('local:6', 6, 'b', 5_001)];
    const browserB = team;
    expect(labelsWatermark(browserA)).toBe(20);
    expect(labelsWatermark(browserB)).toBe(20);
    expect(derivedItems(browserA).get('5:image')!.labels).toEqual(derivedItems(browserB).get('5:image')!.labels);
    // Without any server annotation (the demo, offline) the browser's own times are all there is.
    expect(labelsWatermark([rec('local:7', 7, 'c', 42)])).toBe(42);
    expect(labelsWatermark([])).toBe(0);
  });

  it('ignores empty and cancelled annotations (no choices)', () => {
    const empty: LabelRecord = { ...rec('ls:9', 7, 'z', 99), labels: { image: { class: [] } } };
    expect(derivedItems([rec('ls:1', 7, 'kept', 10), empty]).get('7:image')!.labels).toEqual({ class: ['kept'] });
  });
});

describe('schema migration 1 → 2', () => {
  it('turns the labelled items of stored fitted states into label records', async () => {
    const name = `labels-migrate-${++counter}`;
    // A browser at schema 1 with a fitted state holding two labelled tasks.
    await new Promise<void>((resolve, reject) => {
      const request = indexedDB.open(name, 1);
      request.onupgradeneeded = (e) => upgradeCytoDB(wrap(request.result) as unknown as IDBPDatabase<CytoDB>, e.oldVersion, 1);
      request.onsuccess = () => {
        const db = request.result;
        const tx = db.transaction('fits', 'readwrite');
        tx.objectStore('fits').put({
          project: '3', modelId: 'm', dim: 2, k: 2, centres: new Float32Array(0), fitVersion: 0, fittedOn: 0, controls: {}, source: 'local', updatedAt: 77,
          labelled: [
            { key: '12:image', embedding: new Float32Array([1, 0]), labels: { class: ['Round'] } },
            { key: '13:image', embedding: new Float32Array([0, 1]), labels: { class: ['Long'] } },
            { key: 'odd-key', embedding: new Float32Array([0, 1]), labels: { class: ['Long'] } },
          ],
        });
        tx.oncomplete = () => { db.close(); resolve(); };
        tx.onerror = () => reject(tx.error);
      };
      request.onerror = () => reject(request.error);
    });
    const store = await idb(name);
    const records = (await store.list('3')).sort((a, b) => a.taskId - b.taskId);
    expect(records.map((r) => [r.source, r.taskId, r.labels, r.updatedAt])).toEqual([
      ['local:12', 12, { image: { class: ['Round'] } }, 77],
      ['local:13', 13, { image: { class: ['Long'] } }, 77],
    ]);
  });
});

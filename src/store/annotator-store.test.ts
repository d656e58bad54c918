import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { IdbAnnotatorStore, MemoryAnnotatorStore, type AnnotatorStore } from './annotator-store.ts';
import { openCytoDB } from './open-db.ts';

let dbCounter = 0;
const opened: Array<{ close(): void }> = [];
afterEach(() => {
  for (const db of opened.splice(0)) db.close();
});

const implementations: Array<[string, () => Promise<AnnotatorStore>]> = [
  [
    'IndexedDB',
    async () => {
      const db = await openCytoDB(indexedDB, `annotator-test-${++dbCounter}`, 2000);
      opened.push(db);
      return new IdbAnnotatorStore(db, () => 7);
    },
  ],
  ['memory', async () => new MemoryAnnotatorStore(() => 7)],
];

const task = (id: number) => ({ id, data: { image: `img-${id}.png` } });

describe.each(implementations)('%s annotator store', (_name, make) => {
  it('lists a project’s tasks in id order, with their images', async () => {
    const store = await make();
    await store.putTasks('demo', [{ task: task(10), image: new Blob(['ten']) }, { task: task(2) }]);
    await store.putTasks('other', [{ task: task(1) }]);
    expect((await store.listTasks('demo')).map((r) => r.taskId)).toEqual([2, 10]);
    expect(await (await store.getImage('demo', 10))?.text()).toBe('ten');
    expect(await store.getImage('demo', 2)).toBeUndefined();
  });

  it('saves annotations, and re-importing a task keeps them', async () => {
    const store = await make();
    await store.putTasks('demo', [{ task: task(1) }]);
    const annotation = { result: [{ from_name: 'organism_type', value: { choices: ['Plankton'] } }] };
    await store.saveAnnotations('demo', 1, [annotation]);
    await store.putTasks('demo', [{ task: { id: 1, data: { image: 'renamed.png' } } }]);
    expect(await store.getTask('demo', 1)).toEqual({
      project: 'demo',
      taskId: 1,
      task: { id: 1, data: { image: 'renamed.png' } },
      annotations: [annotation],
      updatedAt: 7,
    });
    await expect(store.saveAnnotations('demo', 99, [])).rejects.toThrow('no task 99 in demo project "demo"');
  });

  it('clears one project only', async () => {
    const store = await make();
    await store.putTasks('demo', [{ task: task(1), image: new Blob(['a']) }]);
    await store.putTasks('keep', [{ task: task(1), image: new Blob(['b']) }]);
    await store.clearProject('demo');
    expect(await store.listTasks('demo')).toEqual([]);
    expect(await store.getImage('demo', 1)).toBeUndefined();
    expect(await store.listTasks('keep')).toHaveLength(1);
    expect(await (await store.getImage('keep', 1))?.text()).toBe('b');
  });
});

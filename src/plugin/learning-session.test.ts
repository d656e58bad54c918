import { afterEach, describe, expect, it } from 'vitest';
import type { KMeansClient } from '../cluster/kmeans-client.ts';
import type { ChoicesControl } from '../labelstudio/label-config.ts';
import { MemoryFitStore } from '../store/fit-store.ts';
import { LabelChanges } from '../store/label-changes.ts';
import { MemoryLabelStore } from '../store/label-store.ts';
import type { LabelRecord } from '../store/schema.ts';
import { coverageOrder, LearningSession } from './learning-session.ts';

const control = {
  name: 'organism_type', toName: 'image', choice: 'single', labels: ['A', 'B'], options: [],
  image: { name: 'image', dataKey: 'image', value: '$image' }, dynamicKey: null,
} as unknown as ChoicesControl;

const vectorOf = (taskId: number) => new Float32Array([taskId % 2, (taskId + 1) % 2, taskId / 100]);
const record = (taskId: number, label: string, updatedAt: number, source = `local:${taskId}`): LabelRecord => ({
  project: 'p', source, taskId, labels: { image: { organism_type: [label] } }, urls: { image: `/img/${taskId}.jpg` }, updatedAt,
});

const open: LearningSession[] = [];
const channels: LabelChanges[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.close();
  for (const c of channels.splice(0)) c.close();
});

async function tab(labels: MemoryLabelStore, fits: MemoryFitStore, embedded: string[]): Promise<LearningSession> {
  const changes = new LabelChanges("learning-session-test");
  channels.push(changes);
  const session = await LearningSession.open({
    project: 'p', modelId: 'm', dim: 3, controls: [control], k: 2, refitGrowth: 0.25, fits, labels, changes,
    kmeans: {} as KMeansClient,
    embed: async (urls) => urls.map((u) => {
      embedded.push(u);
      return vectorOf(Number(/(\d+)\.jpg$/.exec(u)![1]));
    }),
  });
  open.push(session);
  return session;
}

describe('learning session over label records', () => {
  it('two tabs labelling A:4, B:60, A:11, B:61 both end with all four labels, and so does a reload', async () => {
    const labels = new MemoryLabelStore();
    const fits = new MemoryFitStore();
    const embedded: string[] = [];
    const a = await tab(labels, fits, embedded);
    const b = await tab(labels, fits, embedded);
    await a.record([record(4, 'A', 1)], new Map([['4:image', vectorOf(4)]]));
    await b.record([record(60, 'B', 2)], new Map([['60:image', vectorOf(60)]]));
    await a.record([record(11, 'A', 3)], new Map([['11:image', vectorOf(11)]]));
    await b.record([record(61, 'B', 4)], new Map([['61:image', vectorOf(61)]]));
    await a.sync();
    await b.sync();
    expect(a.labelledCount).toBe(4);
    expect(b.labelledCount).toBe(4);
    expect(a.labelsOf('60:image')).toEqual({ organism_type: ['B'] });
    // The other tab's items were embedded by URL (cache hits in a browser), not lost.
    expect(embedded.sort()).toEqual(['/img/11.jpg', '/img/4.jpg', '/img/60.jpg', '/img/61.jpg']);
    const reloaded = await tab(labels, fits, []);
    expect(reloaded.labelledCount).toBe(4);
    // Same records, same fitted content: the same model version in every tab.
    expect(reloaded.modelVersion).toBe(a.modelVersion);
    expect(b.modelVersion).toBe(a.modelVersion);
  });

  it('follows updates and deletions of the records (the server\'s copy replaces a submission)', async () => {
    const labels = new MemoryLabelStore();
    const session = await tab(labels, new MemoryFitStore(), []);
    await session.record([record(4, 'A', 10), record(5, 'A', 10)]);
    const before = session.modelVersion;
    await labels.replaceTasks('p', [
      { taskId: 4, taskUpdatedAt: 20, records: [record(4, 'B', 20, 'ls:900')] },
      { taskId: 5, taskUpdatedAt: 20, records: [] },
    ]);
    expect(await session.sync()).toEqual({ added: 1, removed: 1, missing: 0 });
    expect(session.labelsOf('4:image')).toEqual({ organism_type: ['B'] });
    expect(session.labelsOf('5:image')).toBeUndefined();
    expect(session.modelVersion).not.toBe(before);
    expect(session.modelVersion > before).toBe(true); // newer labels sort later
  });
});

describe('catching up with many team labels', () => {
  it('orders the items round robin over classes, stable within a class', () => {
    const items = [1, 2, 3, 4, 5].map((id) => ({ id, labels: { c: [id <= 3 ? 'A' : 'B'] } }));
    expect(coverageOrder(items).map((i) => i.id)).toEqual([1, 4, 2, 5, 3]);
  });

  it('has every class learnt after the first small batch, long before the last of many labels is embedded', async () => {
    const labels = new MemoryLabelStore();
    const embedded: string[] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => { release = r; });
    const session = await LearningSession.open({
      project: 'p', modelId: 'm', dim: 3, controls: [control], k: 2, refitGrowth: 0.25, fits: new MemoryFitStore(), labels,
      kmeans: {} as KMeansClient,
      embed: async (urls) => {
        // Every round trip after the first waits: a loaded machine embedding 100 team labels.
        if (embedded.length > 0) await gate;
        embedded.push(...urls);
        return urls.map((u) => vectorOf(Number(/(\d+)\.jpg$/.exec(u)![1])));
      },
    });
    open.push(session);
    // 100 team labels, all A first, then all B (the order Label Studio lists them in).
    await labels.put(Array.from({ length: 100 }, (_, i) => record(i + 1, i < 50 ? 'A' : 'B', 1000 + i, `ls:${i + 1}`)));
    const covered = session.whenEveryClassLearnt();
    const syncing = session.sync();
    await covered;
    expect(embedded.length).toBe(4);
    expect(new Set(Object.values(session.labelCounts().organism_type).map((n) => n > 0))).toEqual(new Set([true]));
    expect(session.suggest(vectorOf(3)).length).toBeGreaterThan(0);
    release();
    await syncing;
    expect(session.labelledCount).toBe(100);
  });
});

describe('an empty control is an answer', () => {
  it('learns "(empty)" for a control left empty and suggests it; counts it apart; says when labels are the team\'s', async () => {
    const shape = { ...control, name: 'shape', labels: ['Round', 'Spiky'] } as ChoicesControl;
    const labels = new MemoryLabelStore();
    const changes = new LabelChanges('learning-session-empty');
    channels.push(changes);
    const session = await LearningSession.open({
      project: 'p', modelId: 'm', dim: 3, controls: [control, shape], k: 2, refitGrowth: 0.25, fits: new MemoryFitStore(), labels, changes,
      kmeans: {} as KMeansClient,
      embed: async (urls) => urls.map((u) => vectorOf(Number(/(\d+)\.jpg$/.exec(u)![1]))),
    });
    open.push(session);
    // Odd tasks: A with a shape; even tasks: B with shape left empty.
    const rec = (taskId: number): LabelRecord => ({
      project: 'p', source: `ls:${1000 + taskId}`, taskId, updatedAt: taskId, urls: { image: `/img/${taskId}.jpg` },
      labels: { image: taskId % 2 ? { organism_type: ['A'], shape: ['Round'] } : { organism_type: ['B'] } },
    });
    await session.record([1, 2, 3, 4, 5, 6, 7, 8].map(rec));
    expect(session.labelsOf('2:image')).toEqual({ organism_type: ['B'] });
    expect(session.labelCounts().shape).toEqual({ Round: 4, Spiky: 0 });
    expect(session.labelCounts(true).shape).toEqual({ Round: 4, Spiky: 0, '(empty)': 4 });
    expect(session.fromTeam).toBe(true);
    const even = session.suggest(vectorOf(10)).find((s) => s.control === 'shape');
    const odd = session.suggest(vectorOf(11)).find((s) => s.control === 'shape');
    expect(even?.choices).toEqual(['(empty)']);
    expect(odd?.choices).toEqual(['Round']);
  });
});

// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { MemoryLabelStore } from '../store/label-store.ts';
import { derivedItems } from '../store/label-records.ts';
import { AnnotationSync } from './annotation-sync.ts';
import { FakeLabelStudio } from './fake-label-studio.ts';
import { parseLabelConfig } from './label-config.ts';
import { LabelStudioClient } from './rest-client.ts';
import { SEED_LABEL_CONFIG } from './seed-config.ts';

const controls = parseLabelConfig(SEED_LABEL_CONFIG).controls;
const choice = (c: string) => [{ from_name: 'organism_type', to_name: 'image', type: 'choices', value: { choices: [c] } }];

function setup(pageSize = 2) {
  const ls = new FakeLabelStudio();
  for (let id = 1; id <= 5; id++) ls.addTask(id, `/img/${id}.jpg`);
  const labels = new MemoryLabelStore();
  let now = 1_000;
  const sync = new AnnotationSync({
    client: new LabelStudioClient({ baseUrl: 'http://ls.test', fetch: ls.fetch, pageSize }), projectId: 3, project: '3', labels, now: () => now,
  });
  return { ls, labels, sync, advance: (ms: number) => { now += ms; } };
}

const view = async (labels: MemoryLabelStore) =>
  Object.fromEntries([...derivedItems(await labels.list('3')).values()].map((i) => [i.taskId, i.labels.organism_type[0]]));

describe('reading the team\'s annotations', () => {
  it('reads every page first, then only tasks changed since, with updates and deletions', async () => {
    const { ls, labels, sync } = setup();
    const a = ls.annotate(1, choice('Plankton'));
    ls.annotate(2, choice('Debris'));
    ls.annotate(4, choice('Plankton'));
    expect(await sync.run(controls)).toEqual({ full: true, tasksRead: 5, changed: 3 });
    expect(await view(labels)).toEqual({ 1: 'Plankton', 2: 'Debris', 4: 'Plankton' });
    const record = (await labels.list('3')).find((r) => r.taskId === 1)!;
    expect(record).toMatchObject({ source: `ls:${a}`, urls: { image: '/img/1.jpg' }, completedBy: 2 });

    // Another annotator: a new annotation, an update (a second, newer annotation), a deletion.
    ls.annotate(5, choice('Debris'));
    ls.annotate(1, choice('Not-plankton'));
    const task4 = ls.tasks.find((t) => t.id === 4)!;
    task4.annotations = [];
    task4.updated_at = ls.tick();
    const before = ls.log.length;
    const report = await sync.run(controls);
    expect(report.full).toBe(false);
    // Only the changed tasks (and the boundary one) are read, with the updated_at filter.
    expect(report.tasksRead).toBeLessThanOrEqual(4);
    expect(ls.log.slice(before).every((l) => l.includes('query='))).toBe(true);
    expect(await view(labels)).toEqual({ 1: 'Not-plankton', 2: 'Debris', 5: 'Debris' });
    // Nothing new: nothing changes.
    expect((await sync.run(controls)).changed).toBe(0);
  });

  it('skips cancelled and empty annotations, and forgets tasks deleted in Label Studio on a full read', async () => {
    const { ls, labels, sync, advance } = setup();
    ls.annotate(1, choice('Plankton'));
    ls.annotate(2, []);
    ls.tasks[2].annotations.push({ id: 77, result: choice('Debris'), was_cancelled: true, updated_at: ls.tick(), completed_by: 3 });
    await sync.run(controls);
    expect(await view(labels)).toEqual({ 1: 'Plankton' });
    ls.tasks = ls.tasks.filter((t) => t.id !== 1);
    advance(7 * 60 * 60 * 1000); // past the full-read interval
    expect((await sync.run(controls)).full).toBe(true);
    expect(await view(labels)).toEqual({});
  });
});

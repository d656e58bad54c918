import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import type { FittedState } from '../cluster/fitted-state.ts';
import { IdbFitStore, MemoryFitStore, type FitStore } from './fit-store.ts';
import { openCytoDB } from './open-db.ts';

let dbCounter = 0;
const opened: Array<{ close(): void }> = [];
afterEach(() => {
  for (const db of opened.splice(0)) db.close();
});

const implementations: Array<[string, () => Promise<FitStore>]> = [
  [
    'IndexedDB',
    async () => {
      const db = await openCytoDB(indexedDB, `fit-test-${++dbCounter}`, 2000);
      opened.push(db);
      return new IdbFitStore(db);
    },
  ],
  ['memory', async () => new MemoryFitStore()],
];

/**
 * A complete state today. `satisfies Partial<…>` checks every field against the real type while
 * the assertion keeps this test compiling when src/cluster adds fields: the store treats the
 * state as opaque, which is what this test checks.
 */
function state(project: string, modelId: string, fitVersion: number): FittedState {
  return {
    project,
    modelId,
    dim: 2,
    k: 1,
    centres: new Float32Array([0.5, -0.5]),
    fitVersion,
    fittedOn: 10,
    controls: {
      organism_type: {
        control: 'organism_type',
        labels: ['Plankton', 'Debris'],
        multiple: false,
        clusterLabelCounts: [[3, 1]],
        clusterItemCounts: [4],
        head: 'probe',
        headAccuracy: { probe: 0.75 },
        probe: { weights: new Float32Array([1, 2, 3, 4]), bias: new Float32Array([0.1, 0.2]) },
      },
    },
    labelled: [{ key: '7', embedding: new Float32Array([0.5, 0.25]), labels: { organism_type: ['Plankton'] } }],
    source: 'local',
    updatedAt: 99,
  } satisfies Partial<FittedState> as FittedState;
}

describe.each(implementations)('%s fit store', (_name, make) => {
  it('keeps one state per (project, model), typed arrays intact, replaced on put', async () => {
    const store = await make();
    await store.put(state('12', 'resnet18', 1));
    await store.put(state('12', 'resnet50', 1));
    await store.put(state('12', 'resnet18', 2));
    const got = await store.get('12', 'resnet18');
    expect(got).toEqual(state('12', 'resnet18', 2));
    expect(got?.centres).toBeInstanceOf(Float32Array);
    expect(got?.controls.organism_type.probe?.weights).toEqual(new Float32Array([1, 2, 3, 4]));
    expect(got?.labelled[0].embedding).toEqual(new Float32Array([0.5, 0.25]));
    expect((await store.get('12', 'resnet50'))?.fitVersion).toBe(1);
    expect(await store.get('13', 'resnet18')).toBeUndefined();
    await store.delete('12', 'resnet18');
    expect(await store.get('12', 'resnet18')).toBeUndefined();
  });
});

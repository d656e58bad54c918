import { describe, expect, it } from 'vitest';
import type { FittedState } from '../cluster/fitted-state.ts';
import { hasNewerThan, isNotOlder, modelVersionOf, parseModelVersion, predictionsToRemove, versionFamily, versionStamp } from './model-version.ts';

function state(labels: Record<string, string>, centres = [1, 2, 3, 4]): FittedState {
  return {
    project: '3', modelId: 'resnet18-seeded', dim: 2, k: 2, centres: new Float32Array(centres), fitVersion: 7, fittedOn: 10,
    controls: { organism_type: { control: 'organism_type', labels: ['A', 'B'], multiple: false, clusterLabelCounts: [], clusterItemCounts: [], head: 'knn', headAccuracy: {} } },
    labelled: Object.entries(labels).map(([key, label]) => ({ key, embedding: new Float32Array([Math.random(), Math.random()]), labels: { organism_type: [label] } })),
    source: 'local', updatedAt: Date.now(),
  };
}

describe('model_version', () => {
  it('is the same for the same fitted content, whatever the order, counters or embeddings\' last bits', async () => {
    const a = await modelVersionOf(state({ '1:image': 'A', '2:image': 'B' }), Date.parse('2026-11-28T09:41:12.123Z'));
    const b = await modelVersionOf({ ...state({ '2:image': 'B', '1:image': 'A' }), fitVersion: 99 }, Date.parse('2026-11-28T09:41:12.123Z'));
    expect(a).toBe(b);
    expect(a).toMatch(/^resnet18-seeded\+kmeans2@20261128T094112123Z\.[0-9a-f]{10}$/);
  });

  it('changes with the labels or the clusters', async () => {
    const at = 5;
    const base = await modelVersionOf(state({ '1:image': 'A' }), at);
    expect(await modelVersionOf(state({ '1:image': 'B' }), at)).not.toBe(base);
    expect(await modelVersionOf(state({ '1:image': 'A' }, [1, 2, 3, 5]), at)).not.toBe(base);
  });

  it('sorts by the time of the newest label it learnt, so a newer version never looks older', async () => {
    const older = await modelVersionOf(state({ '1:image': 'A' }), Date.parse('2026-11-28T09:00:00Z'));
    const newer = await modelVersionOf(state({ '1:image': 'B' }), Date.parse('2026-11-28T10:00:00Z'));
    expect([newer, older].sort()).toEqual([older, newer]);
    expect(isNotOlder(newer, older)).toBe(true);
    expect(isNotOlder(older, newer)).toBe(false);
    expect(isNotOlder(older, 'cyto-ml shim')).toBe(true); // Label Studio's default (the backend title)
    expect(parseModelVersion(newer)?.stamp).toBe(versionStamp(Date.parse('2026-11-28T10:00:00Z')));
    expect(parseModelVersion('m+kmeans6+fit3')).toBeNull();
  });

  it('treats equal labels times as not newer: the version written last replaces the other (refit without new labels)', async () => {
    const at = Date.parse('2026-11-28T09:00:00Z');
    const first = await modelVersionOf(state({ '1:image': 'A' }), at);
    const refit = await modelVersionOf(state({ '1:image': 'A' }, [9, 9, 9, 9]), at);
    expect(first).not.toBe(refit);
    const onTask = [{ id: 10, model_version: first }, { id: 11, model_version: refit }];
    // Writing the refit: the first fit's prediction goes; writing the first again: the refit's goes.
    expect(predictionsToRemove(onTask, refit).map((p) => p.id)).toEqual([10]);
    expect(predictionsToRemove(onTask, first).map((p) => p.id)).toEqual([11]);
    expect(hasNewerThan(onTask, refit)).toBe(false);
    expect(isNotOlder(refit, first)).toBe(true);
  });

  it('keeps one of ours per task, the newest labels time, its oldest copy; another model\'s and foreign predictions stay', async () => {
    const older = await modelVersionOf(state({ '1:image': 'A' }), Date.parse('2026-11-28T09:00:00Z'));
    const newer = await modelVersionOf(state({ '1:image': 'B' }), Date.parse('2026-11-28T10:00:00Z'));
    const otherK = newer.replace('+kmeans2@', '+kmeans5@').replace(/@\d{8}T\d{9}Z/, '@20261128T080000000Z');
    const preds = [
      { id: 1, model_version: older }, { id: 2, model_version: newer }, { id: 3, model_version: newer },
      { id: 4, model_version: otherK }, { id: 5, model_version: 'cyto-ml shim' }, { id: 6, model_version: 'other-model+kmeans2@20261128T110000000Z.0123456789' }, { id: 7, model_version: null },
    ];
    expect(predictionsToRemove(preds, newer).map((p) => p.id).sort()).toEqual([1, 3, 4]);
    // A stale write (older labels) is not the winner: the newer one stays, the stale copy goes.
    expect(predictionsToRemove(preds, older).map((p) => p.id).sort()).toEqual([1, 3, 4]);
    expect(hasNewerThan(preds, older)).toBe(true);
    expect(hasNewerThan(preds, newer)).toBe(false);
    expect(versionFamily(otherK)).toBe('resnet18-seeded');
    expect(versionFamily('cyto-ml shim')).toBeUndefined();
  });

  it('is equal across browsers with the same labels and fit, whatever the order they learnt them in', async () => {
    const at = Date.parse('2026-11-28T09:41:12.123Z');
    const a = await modelVersionOf(state({ '1:image': 'A', '2:image': 'B', '3:image': 'A' }), at);
    const b = await modelVersionOf({ ...state({ '3:image': 'A', '1:image': 'A', '2:image': 'B' }), updatedAt: 1, fittedOn: 99 }, at);
    expect(a).toBe(b);
  });
});

import { describe, expect, it } from 'vitest';
import type { FittedState } from '../cluster/fitted-state.ts';
import { isNotOlder, modelVersionOf, parseModelVersion, versionStamp } from './model-version.ts';

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
});

import { describe, expect, it } from 'vitest';
import { buildFeatureTable, unit } from './feature-table.ts';
import { nearestRows } from './neighbours.ts';
import { TaskIndex } from './task-index.ts';

const identity = { modelVersion: 'm', features: (v: Float32Array) => v, locate: () => ({ cluster: 0, distance: 0 }) };

describe('neighbours', () => {
  it('ranks by cosine similarity, excludes the task itself, keeps k', () => {
    const index = new TaskIndex();
    const vectors = [[1, 0], [0.9, 0.1], [0, 1], [0.7, 0.7], [-1, 0], [0.99, 0.01]];
    vectors.forEach((v, i) => index.put({ taskId: 10 + i, url: `u${i}`, vector: Float32Array.from(v) }));
    const table = buildFeatureTable(index.all(), identity);
    const found = nearestRows(table, 0, 3);
    expect(found.map((n) => n.taskId)).toEqual([15, 11, 13]);
    expect(found[0].similarity).toBeGreaterThan(found[1].similarity);
    expect(nearestRows(table, 0, 10)).toHaveLength(5);
  });

  it('unit() normalises and leaves zero vectors alone', () => {
    expect(Array.from(unit(Float32Array.of(3, 4)))).toEqual([0.6000000238418579, 0.800000011920929]);
    expect(Array.from(unit(Float32Array.of(0, 0)))).toEqual([0, 0]);
  });
});

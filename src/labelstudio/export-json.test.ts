import { describe, expect, it } from 'vitest';
import { exportImportJson, toImportTasks } from './export-json.ts';

const result = [{ id: 'r1', from_name: 'organism_type', to_name: 'image', type: 'choices' as const, value: { choices: ['Plankton'] } }];

describe('toImportTasks', () => {
  const tasks = [
    {
      id: 3,
      data: { image: 'samples/a.png' },
      meta: { class: 'round-cell' },
      annotations: [{ id: 10, result, completed_by: 1, was_cancelled: false, created_at: '2024-01-01' }],
      predictions: [{ id: 20, model_version: 'm1', score: 0.8, result, created_ago: '1 hour' }],
    },
    { id: 4, data: { image: 'samples/b.png' } },
  ];

  it('writes Label Studio import JSON with portable fields only', () => {
    expect(toImportTasks(tasks)).toEqual([
      {
        data: { image: 'samples/a.png' },
        meta: { class: 'round-cell' },
        annotations: [{ result, was_cancelled: false }],
        predictions: [{ model_version: 'm1', score: 0.8, result }],
      },
      { data: { image: 'samples/b.png' }, annotations: [], predictions: [] },
    ]);
  });

  it('keeps ids on request, first in each task', () => {
    const [first] = toImportTasks(tasks, { keepIds: true });
    expect(Object.keys(first)[0]).toBe('id');
    expect(first.id).toBe(3);
  });

  it('serialises to a JSON array', () => {
    const text = exportImportJson(tasks);
    expect(Array.isArray(JSON.parse(text))).toBe(true);
    expect(text.endsWith('\n')).toBe(true);
  });
});

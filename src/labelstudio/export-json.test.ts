import { describe, expect, it } from 'vitest';
import { exportImportJson, localFilesUrl, toImportTasks } from './export-json.ts';

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

describe('image links that work after import into Label Studio', () => {
  const sample = { id: 1, data: { image: 'samples/round-cell-01.png' } };
  const folderTask = { id: 2, data: { image: 'blob:http://localhost:5173/0b7c', file: 'cruise 7/tiffs/img #3.tif' } };

  it('makes the sample images absolute URLs of the running demo', () => {
    const [task] = toImportTasks([sample], { images: { kind: 'url', base: 'http://localhost:5173/?project=demo-samples' } });
    expect(task.data.image).toBe('http://localhost:5173/samples/round-cell-01.png');
  });

  it("writes a folder's files as Label Studio local-files paths, from their path in the folder", () => {
    const [task] = toImportTasks([folderTask], { images: { kind: 'local-files' }, pathKey: 'file' });
    expect(task.data.image).toBe('/data/local-files/?d=cruise%207/tiffs/img%20%233.tif');
    expect(task.data.file).toBe('cruise 7/tiffs/img #3.tif');
    const [under] = toImportTasks([folderTask], { images: { kind: 'local-files', folder: '/plankton/2026/' }, pathKey: 'file' });
    expect(under.data.image).toBe('/data/local-files/?d=plankton/2026/cruise%207/tiffs/img%20%233.tif');
  });

  it('keeps references by default, and refuses tasks without a path or with one that climbs out', () => {
    expect(toImportTasks([sample])[0].data.image).toBe('samples/round-cell-01.png');
    expect(() => toImportTasks([{ id: 5, data: {} }], { images: { kind: 'local-files' } })).toThrow('task 5 has no "image" path');
    expect(() => localFilesUrl('../etc/passwd')).toThrow('leaves its folder');
  });
});

import { describe, expect, it } from 'vitest';
import exported from './fixtures/sklearn-kmeans-60x32.json';
import reference from './fixtures/sklearn-predict-60x32.json';
import { predictKMeans } from './kmeans.ts';
import { packRows } from './matrix.ts';
import { fittedStateFromSklearn, parseSklearnKMeans } from './sklearn-import.ts';

describe('parseSklearnKMeans', () => {
  it('predicts what scikit-learn predicted', () => {
    const model = parseSklearnKMeans(exported, { modelId: 'test-32d', dim: 32 });
    expect(model).toMatchObject({ k: 5, d: 32, modelId: 'test-32d', nSamples: 60 });
    expect(model.sklearnVersion).toBe('1.2.1');
    const p = predictKMeans(model, packRows(reference.vectors));
    expect(Array.from(p.labels)).toEqual(reference.labels);
  });

  it('reads JSON text too', () => {
    expect(parseSklearnKMeans(JSON.stringify(exported)).k).toBe(5);
  });

  it('refuses a width that differs from the model, naming both widths and the fix', () => {
    expect(() => parseSklearnKMeans(exported, { modelId: 'resnet18', dim: 512 })).toThrow(
      /32-wide centres but model resnet18 gives 512-wide embeddings: use a KMeans fitted on this model's embeddings/,
    );
  });

  it('refuses another model id', () => {
    expect(() => parseSklearnKMeans(exported, { modelId: 'resnet50-cefas', dim: 32 })).toThrow(/made for model "test-32d"/);
  });

  it('refuses other JSON, broken text, and ragged or non-finite centres', () => {
    expect(() => parseSklearnKMeans({ hello: 1 })).toThrow(/not a k-means export/);
    expect(() => parseSklearnKMeans('{')).toThrow(/does not parse/);
    expect(() => parseSklearnKMeans({ ...exported, centres: exported.centres.slice(1) })).toThrow(/5 rows of 32 numbers/);
    const bad = exported.centres.map((r) => r.slice());
    bad[2][3] = Number.NaN;
    expect(() => parseSklearnKMeans({ ...exported, centres: bad })).toThrow(/row 2, column 3 is NaN/);
  });

  it('seeds a fitted state that keeps the import until local data outgrow it', () => {
    const state = fittedStateFromSklearn(parseSklearnKMeans(exported), 'p1');
    expect(state).toMatchObject({ project: 'p1', modelId: 'test-32d', k: 5, dim: 32, fitVersion: 0, fittedOn: 60, source: 'sklearn' });
  });
});

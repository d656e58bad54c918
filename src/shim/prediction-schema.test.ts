// Tests src/labelstudio/prediction-schema.ts (kept with the shim's tests: the shim is its
// first user; the plugin checks its posts with the same functions).
import { describe, expect, it } from 'vitest';
import { projectKey, validatePrediction, validateTaskPrediction } from '../labelstudio/prediction-schema.ts';
import { choices, relayedPrediction } from './test-fixtures.ts';

describe('prediction schema', () => {
  it('accepts Label Studio\'s Choices shape and returns a copy without unknown keys', () => {
    const input = { ...relayedPrediction(3), extra: 'dropped', result: [{ ...choices('morphology', ['Cilia', 'Eggs']), score: 0.4, origin: 'prediction', readonly: true, junk: 1 }] };
    const checked = validateTaskPrediction(input);
    expect(checked).toEqual({
      ok: true,
      value: {
        task: 3,
        project: '7',
        score: 0.83,
        model_version: 'cyto-ml/resnet18/k5@3',
        result: [{ id: 'r-morphology', from_name: 'morphology', to_name: 'image', type: 'choices', value: { choices: ['Cilia', 'Eggs'] }, score: 0.4, origin: 'prediction', readonly: true }],
      },
    });
  });

  it('rejects the seed\'s {"id", "text", "type": "Choices"} result, which Label Studio shows as nothing', () => {
    const checked = validatePrediction({ model_version: 'v', score: 0.5, result: [{ id: 1, text: 'test', type: 'Choices' }] });
    expect(checked.ok).toBe(false);
    if (!checked.ok) {
      expect(checked.errors).toEqual([
        'result[0].id must be a non-empty string, got number 1',
        'result[0].from_name must be a non-empty string, got nothing',
        'result[0].to_name must be a non-empty string, got nothing',
        'result[0].type must be "choices" (lower case), got the string "Choices"',
        'result[0].value must be {"choices": [...]}, got nothing',
      ]);
    }
  });

  it('bounds scores and strings', () => {
    expect(validatePrediction({ model_version: 'v', score: Number.NaN, result: [choices('a', ['b'])] }).ok).toBe(false);
    expect(validatePrediction({ model_version: 'x'.repeat(1001), score: 0, result: [choices('a', ['b'])] }).ok).toBe(false);
    expect(validatePrediction({ model_version: 'v', score: 1, result: [{ ...choices('a', ['b']), score: 2 }] }).ok).toBe(false);
    expect(validatePrediction({ model_version: 'v', score: 0, result: [choices('a', ['b'])] }).ok).toBe(true);
  });

  it('keys projects by their numeric id', () => {
    expect(projectKey('12.1736499600')).toBe('12');
    expect(projectKey('12')).toBe('12');
    expect(projectKey(12)).toBe('12');
    expect(projectKey('demo')).toBe('demo');
  });
});

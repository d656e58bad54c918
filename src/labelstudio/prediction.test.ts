// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { parseLabelConfig } from './label-config.ts';
import { buildPrediction, PredictionError, resultId } from './prediction.ts';
import { SEED_LABEL_CONFIG } from './seed-config.ts';

const controls = Object.fromEntries(parseLabelConfig(SEED_LABEL_CONFIG).controls.map((c) => [c.name, c]));

describe('buildPrediction', () => {
  it('builds exactly the shape of DESIGN §3', () => {
    const prediction = buildPrediction(
      42,
      [
        { control: controls.organism_type, choices: ['Plankton'], score: 0.9 },
        { control: controls.shape, choices: ['Round', 'Spiky'], score: 0.5 },
        { control: controls.morphology, choices: [], score: 0.1 },
      ],
      'cyto-ml-resnet18@1',
    );
    expect(prediction).toEqual({
      model_version: 'cyto-ml-resnet18@1',
      score: 0.7,
      result: [
        { id: resultId(42, 'organism_type'), from_name: 'organism_type', to_name: 'image', type: 'choices', value: { choices: ['Plankton'] }, score: 0.9 },
        { id: resultId(42, 'shape'), from_name: 'shape', to_name: 'image', type: 'choices', value: { choices: ['Round', 'Spiky'] }, score: 0.5 },
      ],
    });
    expect(JSON.parse(JSON.stringify(prediction))).toEqual(prediction);
  });

  it('gives short ids, stable per (task, control) and distinct otherwise', () => {
    expect(resultId(1, 'shape')).toMatch(/^[A-Za-z0-9_-]{10}$/);
    expect(resultId(1, 'shape')).toBe(resultId(1, 'shape'));
    expect(new Set([resultId(1, 'shape'), resultId(2, 'shape'), resultId(1, 'life_form'), resultId('1', 'life_form2')]).size).toBe(4);
  });

  it('returns null when nothing is suggested', () => {
    expect(buildPrediction(1, [{ control: controls.shape, choices: [], score: 0.3 }], 'm')).toBeNull();
  });

  it('rejects labels the control lacks, listing the valid ones', () => {
    expect(() => buildPrediction(1, [{ control: controls.life_form, choices: ['Round'], score: 0.5 }], 'm'))
      .toThrow(/no label "Round".*"Unicellular", "Colony", "Filament"/);
  });

  it('rejects several labels on a single-choice control, bad scores and a missing model_version', () => {
    expect(() => buildPrediction(1, [{ control: controls.organism_type, choices: ['Plankton', 'Debris'], score: 0.5 }], 'm')).toThrow(PredictionError);
    expect(() => buildPrediction(1, [{ control: controls.organism_type, choices: ['Plankton'], score: 1.5 }], 'm')).toThrow(/0\.\.1/);
    expect(() => buildPrediction(1, [{ control: controls.organism_type, choices: ['Plankton'], score: 0.5 }], 'undefined')).toThrow(/model_version/);
    expect(() => buildPrediction(1, [
      { control: controls.shape, choices: ['Round'], score: 0.5 },
      { control: controls.shape, choices: ['Spiky'], score: 0.5 },
    ], 'm')).toThrow(/Two suggestions/);
  });
});

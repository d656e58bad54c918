// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { parseLabelConfig } from './label-config.ts';
import { buildPrediction, honourConditions, PredictionError, resultId } from './prediction.ts';
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

describe('honourConditions', () => {
  it('drops a control the suggested parent value hides, and what hung on it', async () => {
    const { SEED_CONDITIONAL_LABEL_CONFIG } = await import('./seed-config.ts');
    const c = Object.fromEntries(parseLabelConfig(SEED_CONDITIONAL_LABEL_CONFIG).controls.map((x) => [x.name, x]));
    const suggest = (organism: string) => [
      { control: c.organism_type, choices: [organism], score: 0.73 },
      { control: c.life_form, choices: ['Unicellular'], score: 0.6 },
      { control: c.shape, choices: ['Round', 'Rod-like'], score: 0.5 },
    ];
    expect(honourConditions(suggest('Not-plankton')).map((s) => s.control.name)).toEqual(['organism_type']);
    expect(honourConditions(suggest('Plankton')).map((s) => s.control.name)).toEqual(['organism_type', 'life_form', 'shape']);
    // No parent suggestion (organism type "left empty"): the children are hidden too.
    expect(honourConditions(suggest('Plankton').slice(1)).map((s) => s.control.name)).toEqual([]);
    const chained = `<View><Image name="i" value="$i"/>
      <Choices name="a" toName="i"><Choice value="1"/><Choice value="2"/></Choices>
      <Choices name="b" toName="i" visibleWhen="choice-selected" whenTagName="a" whenChoiceValue="1"><Choice value="x"/></Choices>
      <Choices name="c" toName="i" visibleWhen="choice-selected" whenTagName="b" whenChoiceValue="x"><Choice value="y"/></Choices></View>`;
    const k = Object.fromEntries(parseLabelConfig(chained).controls.map((x) => [x.name, x]));
    const kept = honourConditions([
      { control: k.a, choices: ['2'], score: 0.9 }, { control: k.b, choices: ['x'], score: 0.9 }, { control: k.c, choices: ['y'], score: 0.9 },
    ]);
    expect(kept.map((s) => s.control.name)).toEqual(['a']);
  });
});

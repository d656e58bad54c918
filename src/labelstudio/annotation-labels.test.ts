// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { EMPTY_CHOICE, labelsFromAnnotation, withEmptyAnswers } from './annotation-labels.ts';
import { parseLabelConfig } from './label-config.ts';
import { SEED_LABEL_CONFIG } from './seed-config.ts';

const result = [
  { id: 'a', from_name: 'organism_type', to_name: 'image', type: 'choices', value: { choices: ['Plankton'] } },
  { id: 'b', from_name: 'shape', to_name: 'image', type: 'choices', value: { choices: ['Round', 'Spiky'] } },
  { id: 'c', from_name: 'ta', to_name: 'image', type: 'textarea', value: { text: ['looks odd'] } },
  { id: 'd', from_name: 'shape', to_name: 'image', type: 'choices', value: { choices: ['Round', 'Rod-like'] } },
  { id: 'e', from_name: 'regional', to_name: 'image', type: 'choices', value: { x: 1, y: 2, width: 3, height: 4, choices: ['z'] } },
  { id: 'f', from_name: 'old_control', to_name: 'image', type: 'choices', value: { choices: ['Gone'] } },
];

describe('labelsFromAnnotation', () => {
  it('collects choices per control, merging and skipping other types and regions', () => {
    expect(labelsFromAnnotation(result)).toEqual({
      organism_type: ['Plankton'],
      shape: ['Round', 'Spiky', 'Rod-like'],
      old_control: ['Gone'],
    });
  });

  it('accepts an annotation object or JSON text, and ignores cancelled annotations', () => {
    expect(labelsFromAnnotation({ result })).toHaveProperty('organism_type', ['Plankton']);
    expect(labelsFromAnnotation(JSON.stringify(result))).toHaveProperty('organism_type', ['Plankton']);
    expect(labelsFromAnnotation({ result, was_cancelled: true })).toEqual({});
    expect(labelsFromAnnotation(null)).toEqual({});
    expect(labelsFromAnnotation('{not json')).toEqual({});
  });

  it('keeps only known controls and labels when given the config', () => {
    const { controls } = parseLabelConfig(SEED_LABEL_CONFIG);
    const withUnknownLabel = [...result, { from_name: 'life_form', type: 'choices', value: { choices: ['Blob'] } }];
    expect(labelsFromAnnotation(withUnknownLabel, controls)).toEqual({
      organism_type: ['Plankton'],
      shape: ['Round', 'Spiky', 'Rod-like'],
    });
  });
});

describe('withEmptyAnswers', () => {
  const controls = parseLabelConfig(SEED_LABEL_CONFIG).controls;
  it('answers "(empty)" for every control an annotation left empty, and nothing for an empty annotation', () => {
    expect(withEmptyAnswers({ organism_type: ['Not-plankton'] }, controls)).toEqual({
      organism_type: ['Not-plankton'], morphology: [EMPTY_CHOICE], life_form: [EMPTY_CHOICE], shape: [EMPTY_CHOICE],
    });
    expect(withEmptyAnswers({ organism_type: ['Plankton'], life_form: ['Colony'], shape: [], morphology: ['Cilia'] }, controls))
      .toEqual({ organism_type: ['Plankton'], life_form: ['Colony'], morphology: ['Cilia'], shape: [EMPTY_CHOICE] });
    expect(withEmptyAnswers({}, controls)).toEqual({});
    expect(withEmptyAnswers({ organism_type: [] }, controls)).toEqual({});
    // Dynamic choices (no labels in the config) get no empty class.
    expect(withEmptyAnswers({ a: ['x'] }, [{ name: 'a', labels: ['x'] }, { name: 'dyn', labels: [] }])).toEqual({ a: ['x'] });
  });
});

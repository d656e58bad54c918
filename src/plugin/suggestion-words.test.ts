import { describe, expect, it } from 'vitest';
import type { ControlSuggestionStatus, SuggestionStatus } from './status.ts';
import {
  controlTitle, isStale, learningLine, modelNote, modelWords, percent, suggestionDetails,
  suggestionLine, surenessWord, whyLine,
} from './suggestion-words.ts';

const organism: ControlSuggestionStatus = {
  control: 'organism_type', title: 'Organism type', choices: ['Plankton'], score: 0.72, cluster: 3, head: 'cluster-vote',
  support: { label: 'Plankton', count: 7, labelled: 7 },
};

describe('suggestion words', () => {
  it('says how sure in a word and a score, at the word boundaries', () => {
    expect([0.95, 0.85, 0.84, 0.65, 0.64, 0.45, 0.44, 0, Number.NaN].map(surenessWord)).toEqual([
      'sure', 'sure', 'fairly sure', 'fairly sure', 'unsure', 'unsure', 'a guess', 'a guess', 'a guess',
    ]);
    expect(percent(0.724)).toBe('72%');
    expect(percent(1)).toBe('100%');
  });

  it("titles a control as the config does, else by its name", () => {
    expect(controlTitle(organism)).toBe('Organism type');
    expect(controlTitle({ control: 'shape' })).toBe('shape');
    expect(controlTitle({ control: 'shape', title: '  ' })).toBe('shape');
  });

  it('writes the suggestion line and the why, with no engine terms', () => {
    expect(suggestionLine(organism)).toBe('Organism type: Plankton, fairly sure (72%)');
    expect(whyLine(organism)).toBe('like 7 images you labelled Plankton');
    expect(whyLine({ ...organism, support: { label: 'Plankton', count: 1, labelled: 3 } }))
      .toBe('like 1 image you labelled Plankton (and 2 labelled otherwise)');
    // The cluster's most common label is not what is suggested (a kNN head can differ): no why.
    expect(whyLine({ ...organism, head: 'knn', support: { label: 'Debris', count: 4, labelled: 6 } })).toBeUndefined();
    expect(whyLine({ ...organism, support: undefined })).toBeUndefined();
    const everyday = [suggestionLine(organism), whyLine(organism)!].join(' ');
    expect(everyday).not.toMatch(/cluster|kmeans|fit|knn|organism_type/);
  });

  it('keeps clusters, heads and fits for the details view', () => {
    expect(suggestionDetails(organism)).toBe('Organism type: cluster 3 · vote of its cluster');
    expect(suggestionDetails({ ...organism, cluster: -1, head: 'knn' })).toBe('Organism type: no clusters yet · nearest labelled neighbours');
  });

  it('tells a suggestion made before the last refit', () => {
    const suggestion = { modelVersion: 'resnet18-seeded+kmeans6@20261128T100000000Z.0123456789', fitVersion: 3 } as SuggestionStatus;
    const learning = { project: 'p', labelled: 12, fitVersion: 3, k: 6, heads: {} };
    expect(isStale(suggestion, learning)).toBe(false);
    expect(isStale(suggestion, { ...learning, fitVersion: 4 })).toBe(true);
    expect(isStale(suggestion, undefined)).toBe(false);
    expect(learningLine(learning)).toBe('12 images labelled');
    expect(learningLine({ ...learning, labelled: 1 })).toBe('1 image labelled');
  });

  it('describes any model, trained or not, in plain text', () => {
    expect(modelWords({ modelName: 'MobileNetV2', trained: false })).toBe('MobileNetV2 (untrained)');
    expect(modelWords({ modelName: 'ResNet18 (untrained, seeded weights)', trained: false })).toBe('ResNet18 (untrained, seeded weights)');
    expect(modelWords({ modelName: 'ResNet50 CEFAS', trained: true })).toBe('ResNet50 CEFAS');
    expect(modelNote({ modelName: 'ResNet50 CEFAS', trained: true })).toMatch(/^Model: ResNet50 CEFAS\. /);
    const untrained = modelNote({ modelName: 'MobileNetV2', trained: false });
    expect(untrained).toContain('from what you label');
    expect(untrained).not.toContain('`');
  });
});

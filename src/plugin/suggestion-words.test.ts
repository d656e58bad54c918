import { describe, expect, it } from 'vitest';
import type { ControlSuggestionStatus, SuggestionStatus } from './status.ts';
import {
  controlTitle, FAIRLY_SURE_MIN_LABELS, isStale, learningLine, modelNote, modelWords, percent, suggestionDetails,
  suggestionLine, SURE_MIN_LABELS, surenessWord, whyLine,
} from './suggestion-words.ts';
import { badgeText } from './badge.ts';
import type { PluginStatus } from './status.ts';

const organism: ControlSuggestionStatus = {
  control: 'organism_type', title: 'Organism type', choices: ['Plankton'], score: 0.72, cluster: 3, head: 'cluster-vote',
  support: { label: 'Plankton', count: 7, labelled: 7 },
};

describe('suggestion words', () => {
  it('says how sure in a word and a score, at the word boundaries', () => {
    expect([0.95, 0.85, 0.84, 0.65, 0.64, 0.45, 0.44, 0, Number.NaN].map((x) => surenessWord(x))).toEqual([
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

  it('never says "sure" below the label count the calibration was measured at', () => {
    // One Debris label and a score of 0.89: a guess, and the line says how few labels back it.
    expect(surenessWord(0.89, 1)).toBe('a guess');
    expect(surenessWord(0.89, FAIRLY_SURE_MIN_LABELS)).toBe('fairly sure');
    expect(surenessWord(0.89, SURE_MIN_LABELS - 1)).toBe('fairly sure');
    expect(surenessWord(0.89, SURE_MIN_LABELS)).toBe('sure');
    expect(surenessWord(0.3, 100)).toBe('a guess');
    const debris = { ...organism, choices: ['Debris'], score: 0.89, classCount: 1, support: { label: 'Debris', count: 1, labelled: 1 } };
    expect(suggestionLine(debris)).toBe('Organism type: Debris, a guess (89%) · only 1 labelled so far');
    expect(suggestionLine({ ...debris, classCount: 12 })).toBe('Organism type: Debris, sure (89%)');
  });

  it('says "your team" when the labels came from Label Studio, "you" when only from this browser', () => {
    expect(whyLine({ ...organism, support: { label: 'Plankton', count: 11, labelled: 11, who: 'team' } })).toBe('like 11 images your team labelled Plankton');
    expect(whyLine({ ...organism, support: { label: 'Plankton', count: 11, labelled: 11, who: 'you' } })).toBe('like 11 images you labelled Plankton');
  });

  it('words an empty suggestion as "leave empty", with its why', () => {
    const lifeForm: ControlSuggestionStatus = {
      control: 'life_form', title: 'Life form', choices: [], empty: true, score: 0.8, cluster: 1, head: 'cluster-vote', classCount: 12,
      support: { label: '(empty)', count: 6, labelled: 7, who: 'team' },
    };
    expect(suggestionLine(lifeForm)).toBe('Life form: leave empty, fairly sure (80%)');
    expect(whyLine(lifeForm)).toBe('like 6 images your team left empty (and 1 labelled otherwise)');
    expect(whyLine({ ...lifeForm, support: { label: 'Colony', count: 6, labelled: 7 } })).toBeUndefined();
  });

  it('gives a first step when there are no labels, and keeps the pill to suggested choices', () => {
    const base: PluginStatus = { state: 'ready', backendLabel: 'WASM', cache: { hits: 0, misses: 0 }, modelRuns: 0, prefetched: 0 };
    const empty = badgeText({ ...base, learning: { project: '1', labelled: 0, fitVersion: 0, k: 5, heads: {} } });
    expect(empty.summary).toBe('cyto-ml: label a few images to start');
    expect(empty.lines[0].text).toMatch(/^No labels yet: label a few images of each class\. Suggestions start after the first labels/);
    const suggestion = {
      taskId: 1, modelVersion: 'm', fitVersion: 1, cacheHit: 'none' as const, taskToSuggestionMs: 1, editorStartMs: 0, embedMs: 1, predictMs: 1,
      controls: [
        { ...organism, choices: ['Not-plankton'], score: 0.73, classCount: 20 },
        { control: 'life_form', title: 'Life form', choices: [], empty: true, score: 0.7, cluster: 3, head: 'cluster-vote', classCount: 20 },
      ],
    };
    const text = badgeText({ ...base, lastSuggestion: suggestion, learning: { project: '1', labelled: 40, fitVersion: 1, k: 5, heads: {} } });
    expect(text.summary).toBe('Not-plankton 73%');
    expect(text.lines.map((l) => l.text)).toContain('Life form: leave empty, fairly sure (70%)');
    const onlyEmpty = badgeText({ ...base, lastSuggestion: { ...suggestion, controls: [suggestion.controls[1]] } });
    expect(onlyEmpty.summary).toBe('Life form: leave empty 70%');
  });
});

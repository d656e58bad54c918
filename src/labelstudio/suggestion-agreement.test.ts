import { describe, expect, it } from 'vitest';
import { agreementChecks, summariseAgreement } from './suggestion-agreement.ts';
import type { LabelStudioTask } from './types.ts';

const OURS = 'mobilenet-v2-1.0-imagenet-int8+kmeans6@20261205T090000000Z.0123456789';
const OURS_LATER = 'mobilenet-v2-1.0-imagenet-int8+kmeans6@20261205T100000000Z.abcdef0123';

function choices(control: string, values: string[], score?: number) {
  return { from_name: control, to_name: 'image', type: 'choices', value: { choices: values }, ...(score !== undefined ? { score } : {}) };
}

function task(id: number, predictions: unknown[], annotations: unknown[]): LabelStudioTask {
  return { id, data: { image: `/img/${id}.png` }, predictions: predictions as LabelStudioTask['predictions'], annotations: annotations as LabelStudioTask['annotations'] };
}

describe('agreementChecks', () => {
  it('compares the newest prediction of ours written before each annotation, per control', () => {
    const tasks = [
      task(1,
        [
          { model_version: OURS, score: 0.7, created_at: '2026-12-05T09:00:00Z', result: [choices('class', ['Copepod'], 0.9), choices('organism_type', ['Plankton'], 0.5)] },
          { model_version: OURS_LATER, score: 0.2, created_at: '2026-12-05T10:30:00Z', result: [choices('class', ['Detritus'], 0.2)] },
        ],
        [{ id: 11, created_at: '2026-12-05T10:00:00Z', result: [choices('class', ['Copepod']), choices('organism_type', ['Debris'])] }]),
    ];
    const checks = agreementChecks(tasks);
    expect(checks).toEqual([
      { taskId: 1, control: 'class', suggested: ['Copepod'], submitted: ['Copepod'], score: 0.9, agreed: true },
      { taskId: 1, control: 'organism_type', suggested: ['Plankton'], submitted: ['Debris'], score: 0.5, agreed: false },
    ]);
  });

  it('never counts a prediction written after the annotation, a skipped annotation, or predictions not ours', () => {
    const tasks = [
      task(2, [{ model_version: OURS, score: 0.9, created_at: '2026-12-05T11:00:00Z', result: [choices('class', ['Copepod'], 0.9)] }],
        [{ id: 21, created_at: '2026-12-05T10:00:00Z', result: [choices('class', ['Copepod'])] }]),
      task(3, [{ model_version: OURS, score: 0.9, created_at: '2026-12-05T09:00:00Z', result: [choices('class', ['Copepod'], 0.9)] }],
        [{ id: 31, created_at: '2026-12-05T10:00:00Z', was_cancelled: true, result: [] }]),
      task(4, [{ model_version: 'my-backend-v3', score: 0.9, created_at: '2026-12-05T09:00:00Z', result: [choices('class', ['Copepod'], 0.9)] }],
        [{ id: 41, created_at: '2026-12-05T10:00:00Z', result: [choices('class', ['Copepod'])] }]),
    ];
    expect(agreementChecks(tasks)).toEqual([]);
  });

  it('treats a control the annotation left empty as no choice, multiple choices as sets, and uses the prediction score when a result has none', () => {
    const tasks = [
      task(5, [{ model_version: OURS, score: 0.6, created_at: '2026-12-05T09:00:00Z', result: [choices('shape', ['round', 'spiny']), choices('class', ['Copepod'])] }],
        [
          { id: 51, created_at: '2026-12-05T10:00:00Z', result: [choices('shape', ['spiny', 'round'])] },
          { id: 52, created_at: '2026-12-05T10:05:00Z', result: [choices('shape', ['round'])] },
        ]),
    ];
    const checks = agreementChecks(tasks);
    expect(checks.map((c) => [c.control, c.submitted, c.score, c.agreed])).toEqual([
      ['shape', ['spiny', 'round'], 0.6, true],
      ['class', [], 0.6, false],
      ['shape', ['round'], 0.6, false],
      ['class', [], 0.6, false],
    ]);
  });
});

describe('summariseAgreement', () => {
  it('tallies per control and per score band', () => {
    const checks = [0.95, 0.85, 0.6, 0.3, 0.1].map((score, i) => ({ taskId: i, control: 'class', suggested: ['a'], submitted: [i % 2 ? 'b' : 'a'], score, agreed: i % 2 === 0 }));
    const [summary] = summariseAgreement(checks);
    expect(summary.control).toBe('class');
    expect(summary.checked).toBe(5);
    expect(summary.agreed).toBe(3);
    expect(summary.meanScore).toBeCloseTo(0.56, 10);
    expect(summary.bands.map((b) => [b.label, b.checked, b.agreed])).toEqual([
      ['score ≥ 0.8', 2, 1],
      ['0.5–0.8', 1, 1],
      ['below 0.5', 2, 1],
    ]);
    expect(summary.bands[0].meanScore).toBeCloseTo(0.9, 10);
  });
});

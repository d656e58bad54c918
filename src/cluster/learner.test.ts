import { describe, expect, it } from 'vitest';
import exported from './fixtures/sklearn-kmeans-60x32.json';
import reference from './fixtures/sklearn-predict-60x32.json';
import { Learner } from './learner.ts';
import type { ChoicesControl, LearnerOptions, Suggestion } from './learner-options.ts';
import { createRng } from './rng.ts';
import { fittedStateFromSklearn, parseSklearnKMeans } from './sklearn-import.ts';

const organism: ChoicesControl = { name: 'organism_type', labels: ['Not-plankton', 'Plankton', 'Debris'], multiple: false };
const shape: ChoicesControl = { name: 'shape', labels: ['Spiky', 'Round', 'Rod-like'], multiple: true };
const base = (over: Partial<LearnerOptions> = {}): LearnerOptions => ({
  project: 'p1',
  modelId: 'm',
  dim: 2,
  controls: [organism, shape],
  k: 2,
  kmeans: { seed: 1 },
  ...over,
});

/** Two well separated groups of 2-d points around (0,0) and (10,10). */
const near = (x: number, y: number) => Float32Array.of(x, y);
const groupA = [near(0, 0), near(0, 1), near(1, 0), near(1, 1)];
const groupB = [near(10, 10), near(10, 11), near(11, 10), near(11, 11)];

async function fitted(over: Partial<LearnerOptions> = {}): Promise<Learner> {
  const learner = new Learner(null, base(over));
  await learner.refit([...groupA, ...groupB]);
  return learner;
}

describe('Learner: cluster voting', () => {
  it('suggests nothing before any label', async () => {
    const learner = await fitted();
    expect(learner.suggest(near(0, 0))).toEqual([]);
  });

  it("suggests a cluster's most frequent label with its smoothed posterior as score", async () => {
    const learner = await fitted();
    learner.setLabels('a0', groupA[0], { organism_type: ['Plankton'] });
    learner.setLabels('a1', groupA[1], { organism_type: ['Plankton'] });
    learner.setLabels('a2', groupA[2], { organism_type: ['Plankton'] });
    learner.setLabels('a3', groupA[3], { organism_type: ['Debris'] });
    const [s] = learner.suggest(near(0.5, 0.5));
    const clusterA = s.cluster;
    expect(s).toEqual({ control: 'organism_type', choices: ['Plankton'], score: 4 / 7, cluster: clusterA, head: 'cluster-vote' });
    // The other cluster has no labels, and shape has none at all: nothing for either.
    expect(learner.suggest(near(10.5, 10.5))).toEqual([]);
  });

  it('suggests every multiple-choice label that passes the threshold', async () => {
    const learner = await fitted({ threshold: 0.6 });
    learner.setLabels('a0', groupA[0], { shape: ['Spiky', 'Round'] });
    learner.setLabels('a1', groupA[1], { shape: ['Spiky', 'Round'] });
    learner.setLabels('a2', groupA[2], { shape: ['Spiky'] });
    // Spiky (3+1)/(3+2) = 0.8, Round (2+1)/5 = 0.6, Rod-like 1/5 = 0.2.
    const [s] = learner.suggest(near(0, 0));
    expect(s.choices).toEqual(['Spiky', 'Round']);
    expect(s.score).toBeCloseTo(0.7, 12);
    const strict = await fitted({ threshold: 0.9 });
    strict.setLabels('a0', groupA[0], { shape: ['Spiky'] });
    expect(strict.suggest(near(0, 0))).toEqual([]); // (1+1)/(1+2) = 0.67 < 0.9
  });

  it('replaces the labels of an updated item instead of adding them', async () => {
    const learner = await fitted();
    learner.setLabels('a0', groupA[0], { organism_type: ['Debris'] });
    learner.setLabels('a0', groupA[0], { organism_type: ['Plankton'] });
    expect(learner.labelledCount()).toBe(1);
    const [s] = learner.suggest(groupA[0]);
    expect(s.choices).toEqual(['Plankton']);
    expect(s.score).toBeCloseTo(2 / 4, 12);
    expect(learner.toState().controls.organism_type.clusterItemCounts[s.cluster]).toBe(1);
    learner.removeLabels('a0');
    expect(learner.suggest(groupA[0])).toEqual([]);
  });

  it('ignores unknown controls and values, and keeps one value for single choice', async () => {
    const learner = await fitted();
    learner.setLabels('a0', groupA[0], { ta: ['free text'], organism_type: ['Nope', 'Debris', 'Plankton'] });
    expect(learner.toState().labelled).toEqual([{ key: 'a0', embedding: groupA[0], labels: { organism_type: ['Debris'] } }]);
    learner.setLabels('a1', groupA[1], { other: ['x'] });
    expect(learner.labelledCount()).toBe(1);
  });
});

describe('Learner: fits, versions and persistence', () => {
  it('follows the refit policy and counts its fits', async () => {
    const learner = new Learner(null, base({ k: 3, refitGrowth: 0.5 }));
    expect(learner.toState().fitVersion).toBe(0);
    expect(learner.needsRefit(2)).toBe(false);
    expect(learner.needsRefit(3)).toBe(true);
    await learner.refit([...groupA, ...groupB]);
    expect(learner.toState().fitVersion).toBe(1);
    expect(learner.needsRefit(8)).toBe(false);
    expect(learner.needsRefit(11)).toBe(false);
    expect(learner.needsRefit(12)).toBe(true);
  });

  it('survives toState and a reload: labels, counts, heads, suggestions', async () => {
    const learner = await fitted();
    groupA.forEach((v, i) => learner.setLabels(`a${i}`, v, { organism_type: ['Plankton'], shape: ['Round'] }));
    groupB.forEach((v, i) => learner.setLabels(`b${i}`, v, { organism_type: ['Debris'] }));
    const state = structuredClone(learner.toState());
    const reloaded = new Learner(state, base());
    expect(reloaded.toState().fitVersion).toBe(learner.toState().fitVersion);
    expect(reloaded.labelledCount()).toBe(8);
    expect(reloaded.toState().controls).toEqual(state.controls);
    for (const q of [near(0.2, 0.3), near(10.4, 10.9)]) expect(reloaded.suggest(q)).toEqual(learner.suggest(q));
  });

  it('recounts labels per cluster after a refit', async () => {
    const learner = new Learner(null, base());
    learner.setLabels('a0', groupA[0], { organism_type: ['Plankton'] });
    // No clusters yet and too few labels for kNN: nothing to suggest.
    expect(learner.suggest(groupA[1])).toEqual([]);
    await learner.refit([...groupA, ...groupB]);
    expect(learner.suggest(groupA[1])[0]?.choices).toEqual(['Plankton']);
  });

  it('uses an imported scikit-learn KMeans: same clusters as sklearn predict', () => {
    const imported = parseSklearnKMeans(exported, { modelId: 'test-32d', dim: 32 });
    const learner = new Learner(fittedStateFromSklearn(imported, 'p1'), {
      project: 'p1',
      modelId: 'test-32d',
      dim: 32,
      controls: [organism],
    });
    expect(learner.toState().fitVersion).toBe(0);
    expect(learner.needsRefit(60)).toBe(false);
    expect(learner.needsRefit(75)).toBe(true);
    reference.vectors.forEach((v, i) => learner.setLabels(`v${i}`, v, { organism_type: ['Plankton'] }));
    reference.vectors.forEach((v, i) => expect(learner.suggest(v)[0].cluster).toBe(reference.labels[i]));
  });
});

describe('Learner: bad input', () => {
  it('refuses embeddings of the wrong width or with NaN', async () => {
    const learner = await fitted();
    expect(() => learner.setLabels('x', [1, 2, 3], { organism_type: ['Plankton'] })).toThrow(/has 3 values but model m gives 2/);
    expect(() => learner.suggest([Number.NaN, 0])).toThrow(/row 0, column 0 is NaN/);
    await expect(learner.refit([[1, 2, 3]])).rejects.toThrow(/3-d but model m gives 2-d/);
  });

  it('refuses a refit with fewer embeddings than clusters', async () => {
    await expect(new Learner(null, base({ k: 5 })).refit(groupA)).rejects.toThrow(/k = 5 clusters but only 4 points/);
  });

  it('refuses a state of another model, and broken options', async () => {
    const state = (await fitted()).toState();
    expect(() => new Learner(state, base({ modelId: 'other' }))).toThrow(/state is for model "m" \(2-d\) but the learner is for "other"/);
    expect(() => new Learner(null, base({ controls: [organism, organism] }))).toThrow(/listed twice/);
    expect(() => new Learner(null, base({ threshold: 0 }))).toThrow(/threshold must be in \(0, 1\]/);
  });

  it('treats a zero vector as having no direction for kNN (no crash, no NaN)', async () => {
    const learner = await fitted({ minPerClass: 1 });
    groupA.forEach((v, i) => learner.setLabels(`a${i}`, v, { organism_type: ['Plankton'] }));
    groupB.forEach((v, i) => learner.setLabels(`b${i}`, v, { organism_type: ['Debris'] }));
    const out = learner.suggest(near(0, 0));
    expect(out).toHaveLength(1);
    expect(Number.isFinite(out[0].score)).toBe(true);
  });
});

/**
 * Separable classes that k-means with few clusters does not separate: each of 4 classes is 2
 * sub-blobs in 64-d, and the learner clusters with k=3, so cluster voting is capped and the kNN
 * head must take over once there are enough labels. Classes are imbalanced (40/30/20/10%).
 */
function makeTask(seed: number) {
  const rng = createRng(seed);
  const d = 64;
  const subCentres = Array.from({ length: 8 }, () => Float32Array.from({ length: d }, () => rng.normal() * 3));
  const classOf = (i: number) => [0, 0, 0, 0, 1, 1, 1, 2, 2, 3][i % 10];
  const species = ['Not-plankton', 'Plankton', 'Debris', 'Colony'];
  const shapes = [['Round'], ['Spiky', 'Round'], ['Rod-like'], ['Spiky']];
  const items = Array.from({ length: 600 }, (_, i) => {
    const c = classOf(i);
    const centre = subCentres[c * 2 + (Math.floor(i / 10) % 2)];
    const embedding = Float32Array.from(centre, (v) => v + rng.normal());
    return { key: `t${i}`, embedding, cls: c, labels: { species: [species[c]], shape: shapes[c] } };
  });
  const controls: ChoicesControl[] = [
    { name: 'species', labels: species, multiple: false },
    { name: 'shape', labels: ['Spiky', 'Round', 'Rod-like'], multiple: true },
  ];
  return { items, controls, d };
}

function accuracy(learner: Learner, test: ReturnType<typeof makeTask>['items'], control: string): number {
  let total = 0;
  for (const item of test) {
    const s: Suggestion | undefined = learner.suggest(item.embedding).find((x) => x.control === control);
    const truth = item.labels[control as 'species' | 'shape'];
    if (!s) continue;
    const both = s.choices.filter((c) => truth.includes(c)).length;
    total += both / (s.choices.length + truth.length - both);
  }
  return total / test.length;
}

describe('Learner: learning from annotations on separable classes', () => {
  it('gets more accurate as labels are added and beats the majority baseline after 10 per class', async () => {
    const { items, controls, d } = makeTask(2024);
    const train = items.slice(0, 400);
    const test = items.slice(400);
    // The cluster-vote / kNN heads alone (the probe's own test is below).
    const learner = new Learner(null, { project: 'p', modelId: 'blobs', dim: d, controls, k: 3, kmeans: { seed: 7 }, probe: false });
    await learner.refit(items.map((i) => i.embedding));

    const byClass = [0, 1, 2, 3].map((c) => train.filter((i) => i.cls === c));
    const results: { perClass: number; species: number; shape: number; head: string }[] = [];
    for (const perClass of [1, 3, 10]) {
      for (const group of byClass) for (const item of group.slice(0, perClass)) learner.setLabels(item.key, item.embedding, item.labels);
      results.push({
        perClass,
        species: accuracy(learner, test, 'species'),
        shape: accuracy(learner, test, 'shape'),
        head: learner.toState().controls.species.head,
      });
    }
    const majority = Math.max(...[0, 1, 2, 3].map((c) => test.filter((i) => i.cls === c).length)) / test.length;
    const [one, , ten] = results;
    expect(results.map((r) => r.species)).toEqual([...results.map((r) => r.species)].sort((a, b) => a - b));
    expect(ten.species).toBeGreaterThan(one.species + 0.1);
    expect(ten.shape).toBeGreaterThan(one.shape + 0.1);
    expect(ten.species).toBeGreaterThan(majority + 0.3);
    expect(ten.species).toBeGreaterThan(0.95);
    expect(ten.shape).toBeGreaterThan(0.95);
    expect(one.head).toBe('cluster-vote');
    expect(ten.head).toBe('knn');
    const state = learner.toState().controls.species;
    expect(state.headAccuracy.knn).toBeGreaterThan(state.headAccuracy['cluster-vote'] as number);
  });
});

describe('Learner: the linear probe head (single choice)', () => {
  it('answers single-choice controls from one label per class, keeps multiple-choice ones on the other heads, and survives toState', async () => {
    const { items, controls, d } = makeTask(2024);
    const train = items.slice(0, 400);
    const test = items.slice(400);
    const learner = new Learner(null, { project: 'p', modelId: 'blobs', dim: d, controls, k: 3, kmeans: { seed: 7 } });
    await learner.refit(items.map((i) => i.embedding));
    const byClass = [0, 1, 2, 3].map((c) => train.filter((i) => i.cls === c));
    const results: { species: number; head: string; shapeHead: string }[] = [];
    for (const perClass of [1, 10]) {
      for (const group of byClass) for (const item of group.slice(0, perClass)) learner.setLabels(item.key, item.embedding, item.labels);
      const state = learner.toState().controls;
      results.push({ species: accuracy(learner, test, 'species'), head: state.species.head, shapeHead: state.shape.head });
    }
    const [one, ten] = results;
    expect(one.head).toBe('probe');
    expect(ten.head).toBe('probe');
    expect(ten.shapeHead).not.toBe('probe');
    expect(ten.species).toBeGreaterThan(0.95);
    // Suggestions say which head answered, with a probability in (0, 1].
    const s = learner.suggest(test[0].embedding).find((x) => x.control === 'species')!;
    expect(s.head).toBe('probe');
    expect(s.score).toBeGreaterThan(0);
    expect(s.score).toBeLessThanOrEqual(1);
    const state = learner.toState();
    expect(state.controls.species.probe?.weights.length).toBe(4 * d);
    expect(state.controls.species.headAccuracy.probe).toBeGreaterThan(0.9);
    // A reloaded learner keeps the probe and suggests the same.
    const reloaded = new Learner(state, { project: 'p', modelId: 'blobs', dim: d, controls, k: 3 });
    expect(reloaded.toState().controls.species.head).toBe('probe');
    for (const item of test.slice(0, 20)) {
      expect(reloaded.suggest(item.embedding)).toEqual(learner.suggest(item.embedding));
    }
  });
});

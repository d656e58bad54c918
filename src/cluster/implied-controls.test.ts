import { describe, expect, it } from 'vitest';
import type { LabelledItem } from './fitted-state.ts';
import { findImplications, impliedProbabilities, MIN_SHARED_ITEMS } from './implied-controls.ts';
import { Learner } from './learner.ts';
import type { ChoicesControl } from './learner-options.ts';

const taxon = { control: 'class', labels: ['copepod', 'diatom', 'detritus', 'fecal_pellet'], multiple: false };
const living = { control: 'organism_type', labels: ['Plankton', 'Debris'], multiple: false };
const shape = { control: 'shape', labels: ['Spiky', 'Round'], multiple: true };
const GROUP: Record<string, string> = { copepod: 'Plankton', diatom: 'Plankton', detritus: 'Debris', fecal_pellet: 'Debris' };

function items(classes: string[], group = (c: string) => GROUP[c]): LabelledItem[] {
  return classes.map((c, i) => ({ key: `t${i}`, embedding: new Float32Array(2), labels: { class: [c], organism_type: [group(c)] } }));
}
const tenOf = (list: string[]) => Array.from({ length: Math.ceil(MIN_SHARED_ITEMS / list.length) }, () => list).flat();

describe('findImplications', () => {
  it('finds that the class fixes living / non-living, and maps every class seen', () => {
    const found = findImplications([taxon, living, shape], items(tenOf(['copepod', 'diatom', 'detritus'])));
    expect([...found.keys()]).toEqual(['organism_type']);
    expect(found.get('organism_type')).toEqual({ from: 'class', map: [0, 0, 1, -1] });
  });

  it('drops the dependency after a single contradicting annotation', () => {
    const list = items(tenOf(['copepod', 'diatom', 'detritus']));
    list.push({ key: 'odd', embedding: new Float32Array(2), labels: { class: ['copepod'], organism_type: ['Debris'] } });
    expect(findImplications([taxon, living], list).size).toBe(0);
  });

  it('trusts nothing below MIN_SHARED_ITEMS shared annotations, and never a coarser control for a finer one', () => {
    expect(findImplications([taxon, living], items(['copepod', 'detritus', 'diatom'])).size).toBe(0);
    const found = findImplications([taxon, living], items(tenOf(['copepod', 'detritus', 'diatom'])));
    expect(found.has('class')).toBe(false);
  });

  it('needs the finer control to have more values seen than the coarse one (a one-to-one pairing is no hierarchy)', () => {
    expect(findImplications([taxon, living], items(tenOf(['copepod', 'detritus']))).size).toBe(0);
  });
});

describe('impliedProbabilities', () => {
  it('sums the class probabilities per group and gives unseen classes the own head', () => {
    const p = impliedProbabilities({ from: 'class', map: [0, 0, 1, -1] }, [0.5, 0.2, 0.1, 0.2], [0.25, 0.75], 2);
    expect(p[0]).toBeCloseTo(0.7 + 0.2 * 0.25, 12);
    expect(p[1]).toBeCloseTo(0.1 + 0.2 * 0.75, 12);
  });

  it('spreads the unseen share evenly when the control has no head of its own', () => {
    const p = impliedProbabilities({ from: 'class', map: [0, -1, 1, -1] }, [0.4, 0.2, 0.2, 0.2], null, 2);
    expect([...p]).toEqual([0.4 + 0.2, 0.2 + 0.2]);
  });
});

describe('Learner with an implied control', () => {
  const controls: ChoicesControl[] = [
    { name: 'class', labels: taxon.labels, multiple: false },
    { name: 'organism_type', labels: living.labels, multiple: false },
  ];
  /** Four tight 2-d groups, one per class; class 0, 1 living, 2, 3 not. */
  const centre = [[0, 0], [0, 10], [10, 0], [10, 10]];
  const point = (c: number, i: number) => Float32Array.of(centre[c][0] + (i % 3) * 0.1, centre[c][1] + Math.floor(i / 3) * 0.1);

  async function trained(group: (c: string) => string): Promise<Learner> {
    const learner = new Learner(null, { project: 'p', modelId: 'm', dim: 2, controls, k: 4, kmeans: { seed: 1 } });
    await learner.refit(centre.flatMap((_, c) => Array.from({ length: 6 }, (_, i) => point(c, i))));
    centre.forEach((_, c) => {
      for (let i = 0; i < 3; i++) learner.setLabels(`c${c}-${i}`, point(c, i), { class: [taxon.labels[c]], organism_type: [group(taxon.labels[c])] });
    });
    return learner;
  }

  it('answers organism_type through the class, consistently with the class suggestion', async () => {
    const learner = await trained((c) => GROUP[c]);
    for (const c of [0, 1, 2, 3]) {
      const suggestions = learner.suggest(point(c, 4));
      const cls = suggestions.find((s) => s.control === 'class');
      const org = suggestions.find((s) => s.control === 'organism_type');
      expect(cls?.choices).toEqual([taxon.labels[c]]);
      expect(org?.head).toBe('implied');
      expect(org?.choices).toEqual([GROUP[taxon.labels[c]]]);
    }
  });

  it('keeps the own head when the team does not label hierarchically', async () => {
    let flip = 0;
    const learner = await trained((c) => (flip++ % 2 === 0 ? GROUP[c] : GROUP[c] === 'Plankton' ? 'Debris' : 'Plankton'));
    const org = learner.suggest(point(0, 4)).find((s) => s.control === 'organism_type');
    expect(org?.head).not.toBe('implied');
  });
});

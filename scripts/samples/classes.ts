/**
 * The sample classes and what a person would label each of them with in the seed project's
 * config (organism_type / life_form / shape / morphology). Values are label arrays, the same
 * shape annotation-labels.ts reads out of an annotation, so the demo can score suggestions
 * against them directly.
 */

/** The particle kinds the sample generator draws. */
export const SAMPLE_CLASSES = Object.freeze([
  'round-cell',
  'spiky-cell',
  'chain',
  'colony',
  'detritus',
  'bubble',
] as const);

/** One sample class. */
export type SampleClass = (typeof SAMPLE_CLASSES)[number];

/** Expected labels per control of the seed config; an empty array means "left unset". */
export interface ExpectedLabels {
  organism_type: string[];
  life_form: string[];
  shape: string[];
  morphology: string[];
}

/**
 * Class → expected labels. Detritus and bubbles are not organisms, so life form and shape stay
 * unset. Colonies are drawn inside a mucilage halo and chains carry heterocytes (the pale,
 * thick-walled cells of nitrogen-fixing cyanobacteria), hence their morphology labels.
 */
export const EXPECTED_LABELS: Readonly<Record<SampleClass, Readonly<ExpectedLabels>>> = Object.freeze({
  'round-cell': { organism_type: ['Plankton'], life_form: ['Unicellular'], shape: ['Round'], morphology: [] },
  'spiky-cell': { organism_type: ['Plankton'], life_form: ['Unicellular'], shape: ['Spiky'], morphology: [] },
  chain: { organism_type: ['Plankton'], life_form: ['Filament'], shape: ['Rod-like'], morphology: ['Heterocytes'] },
  colony: { organism_type: ['Plankton'], life_form: ['Colony'], shape: ['Round'], morphology: ['Mucilage'] },
  detritus: { organism_type: ['Debris'], life_form: [], shape: [], morphology: [] },
  bubble: { organism_type: ['Not-plankton'], life_form: [], shape: [], morphology: [] },
});

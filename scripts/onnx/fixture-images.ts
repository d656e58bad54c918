/**
 * The fixed images behind the browser parity fixtures (src/embedding/fixtures/): different
 * sizes and aspect ratios, one greyscale-looking, all opaque 8-bit RGB.
 */
import type { SyntheticImageSpec } from './synthetic-images.ts';

/** A fixture image: its PNG file name in src/embedding/fixtures/ and how it is drawn. */
export interface FixtureImageSpec extends SyntheticImageSpec {
  file: string;
}

export const FIXTURE_IMAGES: readonly FixtureImageSpec[] = [
  { file: 'fixture-rgb-48x40.png', width: 48, height: 40, seed: 101, background: [12, 20, 40], bodies: 3, noise: 10 },
  { file: 'fixture-grey-64x64.png', width: 64, height: 64, seed: 202, background: [225, 225, 225], bodies: 2, noise: 6, grey: true },
  { file: 'fixture-rgb-30x90.png', width: 30, height: 90, seed: 303, background: [40, 60, 30], bodies: 4, noise: 14 },
];

/** Which generated model feeds which key of each image record in reference-embeddings.json. */
export const REFERENCE_MODEL_KEYS = { tiny: 'resnet-tiny-seeded', resnet18: 'resnet18-seeded' } as const;

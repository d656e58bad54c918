/**
 * The fixed images behind the browser parity fixtures (src/embedding/fixtures/): different
 * sizes and aspect ratios, one greyscale-looking, all opaque 8-bit RGB, stored as lossless PNGs
 * (fast-png) whose exact pixels the reference vectors were computed from.
 */
import { decode, encode } from 'fast-png';
import type { RgbImage, SyntheticImageSpec } from './synthetic-images.ts';

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

/** A fixture image as PNG bytes (8-bit RGB, lossless). */
export function encodeFixturePng(image: RgbImage): Uint8Array {
  return encode({ width: image.width, height: image.height, channels: 3, depth: 8, data: image.rgb });
}

/** A fixture PNG read back as the RGB image it was written from; throws on any other layout. */
export function decodeFixturePng(png: Uint8Array): RgbImage {
  const { width, height, channels, depth, data, palette } = decode(png);
  if (channels !== 3 || depth !== 8 || palette || !(data instanceof Uint8Array)) {
    throw new Error(`fixture PNGs are 8-bit RGB; this one has ${channels} channels of ${depth} bits${palette ? ' (palette)' : ''}`);
  }
  return { width, height, rgb: data };
}

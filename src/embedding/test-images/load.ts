/** Test helper: the committed test images and their PIL-derived expectations. Node only. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const TEST_IMAGES_DIR = fileURLToPath(new URL('.', import.meta.url));

/** A test image's bytes as a standalone ArrayBuffer (not a view into Node's buffer pool). */
export function loadTestImage(name: string): ArrayBuffer {
  const b = readFileSync(TEST_IMAGES_DIR + name);
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

export interface ExpectedTiff {
  width: number;
  height: number;
  mode: string;
  compression: number;
  predictor: number;
  channels: number;
  sum: number;
  max: number;
  samples: { x: number; y: number; v: number[] }[];
}

export interface ExpectedResize {
  width: number;
  height: number;
  box: [number, number, number, number] | null;
  sum: number;
  samples: { c: number; x: number; y: number; v: number }[];
}

export interface Expected {
  [tiff: string]: unknown;
  resize: Record<string, ExpectedResize>;
  browser: Record<string, { width: number; height: number; rgba?: number[] }>;
}

export const expected: Expected = JSON.parse(readFileSync(TEST_IMAGES_DIR + 'expected.json', 'utf8'));

export function expectedTiff(name: string): ExpectedTiff {
  const e = expected[name];
  if (!e) throw new Error(`no expectation for ${name}`);
  return e as ExpectedTiff;
}

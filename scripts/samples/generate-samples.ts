/**
 * The whole sample set in memory: PNG crops per class, the 16-bit TIFF and the Label Studio
 * tasks file, encoded by fast-png and geotiff's writer. Pure (no file system) so tests can check
 * determinism without writing anything.
 */
import { encode as encodePng } from 'fast-png';
import { writeArrayBuffer } from 'geotiff';
import { EXPECTED_LABELS, SAMPLE_CLASSES, type ExpectedLabels, type SampleClass } from './classes.ts';
import { renderCytometerImage } from './cytometer-tiff.ts';
import { createRng, deriveSeed } from './prng.ts';
import { renderSample } from './render-sample.ts';

/** Generation options. */
export interface SampleOptions {
  /** Base seed; the same seed gives byte-identical files. */
  seed: number;
  /** Images per class. */
  count: number;
}

/** Defaults: 12 per class (72 crops) keeps the demo quick to embed yet enough to cluster. */
export const DEFAULT_SAMPLE_OPTIONS: Readonly<SampleOptions> = Object.freeze({ seed: 20240611, count: 12 });

/** A Label Studio task for one sample, with the class and labels a person would give it. */
export interface SampleTask {
  id: number;
  data: { image: string };
  meta: { class: SampleClass; expected: ExpectedLabels };
}

/** A file to write under the samples folder. */
export interface SampleFile {
  name: string;
  bytes: Uint8Array;
}

/** Name of the tasks file; its presence means "samples exist" for `--if-missing`. */
export const TASKS_FILE = 'tasks.json';
/** Name of the 16-bit TIFF sample. */
export const CYTOMETER_FILE = 'cytometer-16bit.tif';
/** Prefix of image paths in task data, relative to the page that serves `public/`. */
export const IMAGE_URL_PREFIX = 'samples/';

/** Render every sample and the tasks that list the PNGs (the TIFF is not a task: browsers cannot show TIFFs in `<img>`). */
export function generateSamples(options: SampleOptions = DEFAULT_SAMPLE_OPTIONS): { files: SampleFile[]; tasks: SampleTask[] } {
  const { seed, count } = options;
  if (!Number.isInteger(count) || count < 1 || count > 99) {
    throw new RangeError(`count must be an integer 1..99 (two-digit file numbers), got ${count}.`);
  }
  const files: SampleFile[] = [];
  const entries: Array<{ cls: SampleClass; name: string }> = [];
  for (const cls of SAMPLE_CLASSES) {
    for (let n = 1; n <= count; n++) {
      const image = renderSample(cls, createRng(deriveSeed(seed, cls, n)));
      const name = `${cls}-${String(n).padStart(2, '0')}.png`;
      files.push({ name, bytes: encodePng({ width: image.width, height: image.height, channels: 3, depth: 8, data: image.rgb }) });
      entries.push({ cls, name });
    }
  }
  // geotiff's writer: uncompressed, one strip, 16 bits from the Uint16Array. It also adds GeoTIFF
  // tags (a whole-globe WGS 84 placement) to every file; image readers, the plugin's included,
  // ignore them.
  const cytometer = renderCytometerImage(createRng(deriveSeed(seed, 'cytometer')));
  const tiff = writeArrayBuffer(cytometer.data, { width: cytometer.width, height: cytometer.height });
  files.push({ name: CYTOMETER_FILE, bytes: new Uint8Array(tiff) });

  // Interleave classes so the first few tasks a person opens already show every kind.
  const order = createRng(deriveSeed(seed, 'order')).shuffle(entries);
  const tasks: SampleTask[] = order.map((e, i) => ({
    id: i + 1,
    data: { image: `${IMAGE_URL_PREFIX}${e.name}` },
    meta: { class: e.cls, expected: structuredClone(EXPECTED_LABELS[e.cls]) as ExpectedLabels },
  }));
  files.push({ name: TASKS_FILE, bytes: new TextEncoder().encode(`${JSON.stringify(tasks, null, 2)}\n`) });
  return { files, tasks };
}

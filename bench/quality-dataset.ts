/**
 * A labelled image folder for the quality benchmark: `<dir>/<class>/<image>` (JPEG or TIFF),
 * optionally with `<dir>/labels.csv` (`file,class,group`) whose `group` column says "living" or
 * "non-living" per image (ndsb-dev has one). Images are decoded in Node: JPEG with jpeg-js,
 * TIFF with the engine's own decoder (src/embedding/decode-tiff.ts).
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import jpeg from 'jpeg-js';
import { decode as decodePng } from 'fast-png';
import { decodeTiff } from '../src/embedding/decode-tiff.ts';
import type { Pixels } from '../src/embedding/pixels.ts';
import { ROOT } from './common.ts';

/** The development set of the issue: 480 real plankton crops, 12 classes, never committed. */
export const NDSB_DEV_DIR = process.env.NDSB_DEV_DIR ?? resolve(ROOT, '..', 'shared', 'fixtures', 'ndsb-dev');

const EXTENSIONS = new Set(['.jpg', '.jpeg', '.tif', '.tiff', '.png']);

export interface LabelledImage {
  /** Path relative to the dataset folder, `<class>/<file>`. */
  file: string;
  className: string;
  /** "living" / "non-living" from labels.csv, or undefined without one. */
  group?: string;
}

export interface Dataset {
  dir: string;
  images: LabelledImage[];
  /** Sorted class names. */
  classes: string[];
  /** Whether every image has a living / non-living group. */
  hasGroups: boolean;
  /** sha256 over the file names and sizes: the embedding cache's key. */
  fingerprint: string;
}

/**
 * Lists a `<class>/<image>` folder (sorted, so draws are reproducible).
 * @throws naming the folder when it is missing, has fewer than 2 classes, or a class with fewer than 2 images.
 */
export function readDataset(dir: string): Dataset {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new Error(`--quality: ${dir} is not a folder; give a folder of <class>/<image> sub-folders`);
  }
  const groups = new Map<string, string>();
  const csv = join(dir, 'labels.csv');
  if (existsSync(csv)) {
    const [header, ...lines] = readFileSync(csv, 'utf8').trim().split(/\r?\n/);
    const cols = header.split(',');
    const fileCol = cols.indexOf('file');
    const groupCol = cols.indexOf('group');
    if (fileCol >= 0 && groupCol >= 0) {
      for (const line of lines) {
        const cells = line.split(',');
        groups.set(cells[fileCol], cells[groupCol]);
      }
    }
  }
  const images: LabelledImage[] = [];
  const hash = createHash('sha256');
  const classes = readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('.'))
    .map((d) => d.name)
    .sort();
  for (const className of classes) {
    const files = readdirSync(join(dir, className))
      .filter((f) => EXTENSIONS.has(extname(f).toLowerCase()))
      .sort();
    if (files.length < 2) throw new Error(`--quality: class folder ${join(dir, className)} has ${files.length} image(s); each class needs at least 2 (JPEG, PNG or TIFF)`);
    for (const f of files) {
      const file = `${className}/${f}`;
      images.push({ file, className, group: groups.get(file) });
      hash.update(`${file}:${statSync(join(dir, file)).size}\n`);
    }
  }
  if (classes.length < 2) throw new Error(`--quality: ${dir} has ${classes.length} class folder(s); at least 2 are needed`);
  return { dir, images, classes, hasGroups: images.every((i) => i.group === 'living' || i.group === 'non-living'), fingerprint: hash.digest('hex').slice(0, 16) };
}

/**
 * Decodes one image of the dataset to the engine's Pixels.
 * @throws naming the file when it cannot be decoded (fix or remove it, then rerun).
 */
export async function decodeDatasetImage(dir: string, file: string): Promise<Pixels> {
  try {
    return await decode(dir, file);
  } catch (error) {
    throw new Error(`--quality: cannot decode ${join(dir, file)}: ${(error as Error).message}; fix or remove the file and rerun`);
  }
}

async function decode(dir: string, file: string): Promise<Pixels> {
  const bytes = readFileSync(join(dir, file));
  const ext = extname(file).toLowerCase();
  if (ext === '.tif' || ext === '.tiff') {
    return decodeTiff(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
  }
  if (ext === '.png') return decodePngPixels(bytes);
  const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true });
  // jpeg-js always gives RGBA with opaque alpha; drop alpha so nothing is composited.
  const rgb = new Uint8Array(img.width * img.height * 3);
  for (let i = 0, j = 0; i < rgb.length; i += 3, j += 4) {
    rgb[i] = img.data[j];
    rgb[i + 1] = img.data[j + 1];
    rgb[i + 2] = img.data[j + 2];
  }
  return { width: img.width, height: img.height, channels: 3, bitDepth: 8, data: rgb };
}

/**
 * PNG → Pixels with fast-png (8 or 16 bits, grey, grey+alpha, RGB, RGBA, palette). Grey+alpha
 * becomes RGBA (the engine composites alpha); a palette is expanded to RGB(A).
 */
function decodePngPixels(bytes: Uint8Array): Pixels {
  const png = decodePng(bytes);
  const { width, height } = png;
  const n = width * height;
  const bitDepth = png.depth === 16 ? 16 : 8;
  if (png.depth !== 8 && png.depth !== 16 && !png.palette) throw new Error(`PNG bit depth ${png.depth} is not supported (8 or 16)`);
  if (png.palette) {
    const entries = png.palette;
    const channels = entries[0]?.length === 4 ? 4 : 3;
    const data = new Uint8Array(n * channels);
    const index = png.data as Uint8Array;
    for (let i = 0; i < n; i++) data.set(entries[index[i]] ?? [0, 0, 0], i * channels);
    return { width, height, channels, bitDepth: 8, data } as Pixels;
  }
  if (png.channels === 2) {
    const src = png.data;
    const data = bitDepth === 16 ? new Uint16Array(n * 4) : new Uint8Array(n * 4);
    for (let i = 0; i < n; i++) {
      data[i * 4] = data[i * 4 + 1] = data[i * 4 + 2] = src[i * 2];
      data[i * 4 + 3] = src[i * 2 + 1];
    }
    return { width, height, channels: 4, bitDepth, data } as Pixels;
  }
  return { width, height, channels: png.channels as 1 | 3 | 4, bitDepth, data: png.data } as Pixels;
}

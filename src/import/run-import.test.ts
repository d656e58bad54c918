import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decode } from 'fast-png';
import { afterEach, describe, expect, it } from 'vitest';
import { TEST_IMAGES_DIR } from '../embedding/test-images/load.ts';
import { folderDestination } from './destinations.ts';
import { formatSummary, runImport } from './run-import.ts';
import { walkFolder } from './walk-folder.ts';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cyto-import-'));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** A folder like an instrument export: crops in a run folder with their CSV, junk, a duplicate. */
async function instrumentFolder(): Promise<string> {
  const root = await tempDir();
  await mkdir(join(root, 'run1'), { recursive: true });
  await copyFile(join(TEST_IMAGES_DIR, 'grey16-be.tif'), join(root, 'run1', 'run1_36.tif'));
  await copyFile(join(TEST_IMAGES_DIR, 'rgb-lzw.tif'), join(root, 'run1', 'run1_127.tif'));
  await copyFile(join(TEST_IMAGES_DIR, 'rgb-lzw.tif'), join(root, 'run1', 'copy-of-127.tif'));
  await copyFile(join(TEST_IMAGES_DIR, 'truncated-lzw.tif'), join(root, 'run1', 'broken.tif'));
  await copyFile(join(TEST_IMAGES_DIR, 'tiny.jpg'), join(root, 'photo.jpg'));
  await writeFile(join(root, 'run1', 'notes.txt'), 'sampled at station 4');
  await writeFile(join(root, '.DS_Store'), 'x');
  await writeFile(join(root, 'run1', 'run1.csv'), '"Particle ID","Area (ABD)"\n36,88.5\n127,1534.2\n');
  await writeFile(join(root, 'summary.csv'), 'key,value\nvolume,5\n');
  return root;
}

async function importToFolder(source: string, out: string) {
  return runImport({ folder: source, destination: await folderDestination(out, 'images/', 'image'), quiet: true, batchSize: 2 });
}

describe('walkFolder', () => {
  it('lists files depth first in sorted order, CSVs apart, hidden files left out', async () => {
    const root = await instrumentFolder();
    const found = await walkFolder(root);
    expect(found.files.map((f) => f.relativePath)).toEqual(['photo.jpg', 'run1/broken.tif', 'run1/copy-of-127.tif', 'run1/notes.txt', 'run1/run1_127.tif', 'run1/run1_36.tif']);
    expect(found.csvFiles.map((f) => f.relativePath)).toEqual(['run1/run1.csv', 'summary.csv']);
  });

  it('says when the folder does not exist', async () => {
    await expect(walkFolder('/no/such/folder')).rejects.toThrow('does not exist');
  });
});

describe('runImport to a folder', () => {
  it('converts, attaches FlowCam fields, and reports every skipped file with its reason', async () => {
    const source = await instrumentFolder();
    const out = await tempDir();
    const summary = await importToFolder(source, out);
    expect(summary.created).toBe(3);
    expect(summary.converted).toBe(2);
    expect(summary.skipped['not-an-image'].map((s) => s.path)).toEqual(['run1/notes.txt']);
    expect(summary.skipped.unreadable.map((s) => s.path)).toEqual(['run1/broken.tif']);
    expect(summary.skipped.unreadable[0].detail).toMatch(/cut short/);
    expect(summary.skipped['duplicate-content']).toEqual([{ path: 'run1/run1_127.tif', detail: 'same bytes as run1/copy-of-127.tif' }]);
    expect(summary.flowcam.matched).toBe(2); // run1_36, and copy-of-127 by its trailing 127 (run1_127 is its duplicate)
    expect(summary.flowcam.ignoredCsv[0]).toMatch(/summary.csv .*not a FlowCam particle table/);

    const tasks = JSON.parse(readFileSync(join(out, 'tasks.json'), 'utf8')) as Array<{ data: Record<string, unknown> }>;
    const byPath = new Map(tasks.map((t) => [t.data.original_path, t.data]));
    expect(byPath.get('run1/run1_36.tif')).toMatchObject({ image: 'images/run1/run1_36.png', original_name: 'run1_36.tif', fc_particle_id: 36, fc_area_abd: 88.5 });
    expect(byPath.get('photo.jpg')).toMatchObject({ image: 'images/photo.jpg' });
    const png = decode(readFileSync(join(out, 'images', 'run1', 'run1_36.png')));
    expect(Math.max(...png.data)).toBe(255);
    expect(formatSummary(summary)).toMatch(/skipped, not an image: 1\n {4}run1\/notes.txt/);
  });

  it('adds only new images on a second run', async () => {
    const source = await instrumentFolder();
    const out = await tempDir();
    await importToFolder(source, out);
    const again = await importToFolder(source, out);
    expect(again.created).toBe(0);
    expect(again.skipped['already-imported']).toHaveLength(4); // the in-folder duplicate too

    await copyFile(join(TEST_IMAGES_DIR, 'rgb-deflate.tif'), join(source, 'new.tif'));
    const third = await importToFolder(source, out);
    expect(third.created).toBe(1);
    expect(JSON.parse(readFileSync(join(out, 'tasks.json'), 'utf8'))).toHaveLength(4);
  });
});

describe('runImport --embed-existing', () => {
  it('embeds images whose tasks were made by an earlier run without --embed, and creates no task', async () => {
    const { NodeEmbedder } = await import('./node-embedder.ts');
    const { DEFAULT_MANIFEST } = await import('./import-options.ts');
    const source = await instrumentFolder();
    const out = await tempDir();
    await importToFolder(source, out);
    const embedder = await NodeEmbedder.create(DEFAULT_MANIFEST, 'resnet-tiny-seeded', 1);
    try {
      const later = await runImport({ folder: source, destination: await folderDestination(out, 'images/', 'image'), embedder, embeddingTargets: { dir: join(out, 'embeddings') }, embedExisting: true, quiet: true });
      expect(later.created).toBe(0);
      // The 16-bit TIFF, the RGB TIFF (its copy once) and the JPEG (decoded as Chromium does).
      expect(later.embedding?.embedded).toBe(3);
      expect(later.embedding?.notEmbedded).toEqual([]);
    } finally {
      await embedder.release();
    }
  });
});

// Real FlowCam crops, read in place from ../shared (never committed).
const FLOWCAM = resolve(fileURLToPath(new URL('../../', import.meta.url)), '..', 'shared', 'fixtures', 'flowcam');
describe.skipIf(!existsSync(FLOWCAM))(`runImport: real FlowCam crops in ${FLOWCAM}`, () => {
  it('turns every crop into a PNG task', async () => {
    const out = await tempDir();
    const summary = await importToFolder(FLOWCAM, out);
    const tifs = readdirSync(FLOWCAM).filter((f) => f.endsWith('.tif'));
    expect(summary.created).toBe(tifs.length);
    expect(summary.converted).toBe(tifs.length);
    for (const f of tifs) expect(existsSync(join(out, 'images', f.replace(/\.tif$/, '.png')))).toBe(true);
  });
});
if (!existsSync(FLOWCAM)) console.warn(`skipping the real FlowCam import test: ${FLOWCAM} is absent`);

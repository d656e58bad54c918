/**
 * What `npm run build` must deliver for the plugin (issue: "one self-contained script plus the
 * ORT wasm files beside it ... no CDN URL anywhere"). Runs after the build in `npm test`;
 * skipped with a message when dist/plugin does not exist (vitest run on its own).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const DIR = 'dist/plugin';
const built = existsSync(join(DIR, 'cyto-ml.js'));

describe.skipIf(!built)('the plugin build (dist/plugin; run `npm run build` first)', () => {
  const files = built ? readdirSync(DIR) : [];
  const bundle = built ? readFileSync(join(DIR, 'cyto-ml.js'), 'utf8') : '';

  it('is one script plus the hashed ORT runtime files and the tfjs module it names', () => {
    const tfjs = files.filter((f) => /^tfjs-distance-[0-9a-f]{10}\.js$/.test(f));
    expect(tfjs).toHaveLength(1);
    expect(files.filter((f) => f.endsWith('.js')).sort()).toEqual(['cyto-ml.js', ...tfjs].sort());
    const runtime = files.filter((f) => f !== 'cyto-ml.js');
    expect(runtime.sort()).toEqual(runtime.filter((f) => /^ort-wasm-simd-threaded(\.jsep)?-[0-9a-f]{10}\.(wasm\.gz|mjs)$|^tfjs-distance-[0-9a-f]{10}\.js$/.test(f)).sort());
    expect(runtime).toHaveLength(5);
    // The bundle refers to each runtime file by its hashed name (resolved against its own URL).
    for (const file of runtime) expect(bundle).toContain(file);
  });

  it('keeps tfjs out of its own script (<= 1.2 MB): tfjs is a separate file, loaded only when k-means measures that it pays', () => {
    expect(bundle.length).toBeLessThanOrEqual(1_200_000);
    const tfjsFile = files.find((f) => f.startsWith('tfjs-distance-'))!;
    // tfjs-core's own greeting is in the tfjs file, not in the plugin's script.
    expect(readFileSync(join(DIR, tfjsFile), 'utf8')).toContain('looks like you are running TensorFlow.js in Node.js');
    expect(bundle).not.toContain('looks like you are running TensorFlow.js in Node.js');
  });

  it('loads nothing from a CDN', () => {
    for (const file of files.filter((f) => f.endsWith('.js') || f.endsWith('.mjs'))) {
      const text = readFileSync(join(DIR, file), 'utf8');
      expect(text, file).not.toMatch(/cdn\.jsdelivr|unpkg\.com|cdnjs|googleapis\.com\/|esm\.sh/);
    }
  });

  it('inlines its workers (a worker cannot start from another origin)', () => {
    expect(bundle).not.toMatch(/new Worker\(new URL\(/);
    expect(bundle).toContain('URL.createObjectURL');
  });
});

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

  it('is one script plus the hashed ORT runtime files it names', () => {
    expect(files.filter((f) => f.endsWith('.js'))).toEqual(['cyto-ml.js']);
    const runtime = files.filter((f) => f !== 'cyto-ml.js');
    expect(runtime.sort()).toEqual(runtime.filter((f) => /^ort-wasm-simd-threaded(\.jsep)?-[0-9a-f]{10}\.(wasm|mjs)$/.test(f)).sort());
    expect(runtime).toHaveLength(4);
    // The bundle refers to each runtime file by its hashed name (resolved against its own URL).
    for (const file of runtime) expect(bundle).toContain(file);
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

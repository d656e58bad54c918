import { describe, expect, it } from 'vitest';
import { catalogueOf } from './model-catalogue.ts';

describe('the model catalogue (what the demo build and the Docker image ship)', () => {
  const manifest = {
    version: 1,
    default: 'user-a',
    models: [
      { id: 'user-a', file: 'a.onnx' },
      { id: 'seeded', file: 'seeded.onnx', test: true },
      { id: 'user-b', file: 'b.onnx', test: false },
    ],
  };

  it('leaves out the entries marked "test": true, and only those', () => {
    const c = catalogueOf(manifest);
    expect(c.files).toEqual(['a.onnx', 'b.onnx']);
    const shipped = JSON.parse(c.manifestJson) as typeof manifest;
    expect(shipped.models.map((m) => m.id)).toEqual(['user-a', 'user-b']);
    expect(shipped.default).toBe('user-a');
  });

  it('refuses a default that is a test model, naming it', () => {
    expect(() => catalogueOf({ ...manifest, default: 'seeded' })).toThrow(/default model seeded is marked "test": true/);
  });

  it("the repository's manifest: the default is in the catalogue, no seeded test model is", async () => {
    const { readFileSync } = await import('node:fs');
    const c = catalogueOf(JSON.parse(readFileSync('models/manifest.json', 'utf8')));
    expect(c.files.some((f) => /seeded/.test(f))).toBe(false);
    expect(c.files.length).toBeGreaterThan(0);
  });
});

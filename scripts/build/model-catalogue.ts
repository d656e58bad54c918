/**
 * The model catalogue users choose from: the entries of models/manifest.json not marked
 * `"test": true` (the seeded ResNets, the fp32 copy of the default: made for tests and the
 * benchmark). The demo build (demo-models.ts) and the Docker image ship only these; tests get
 * the full folder (the preview server's `/test/models/`, the shim's default MODELS_DIR).
 *
 *   npx tsx scripts/build/model-catalogue.ts --out dist/models   # manifest + files, for the Docker image
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

interface RawManifest {
  version: number;
  default?: string;
  models: Array<{ id: string; file: string; test?: boolean }>;
}

export interface Catalogue {
  /** The manifest users see (test entries removed), as JSON text. */
  manifestJson: string;
  /** Files of the remaining entries, relative to the models folder. */
  files: string[];
}

/**
 * @throws when the default model is a test model (the catalogue would have no default), or the
 *   catalogue is empty.
 */
export function catalogueOf(manifest: RawManifest): Catalogue {
  const models = manifest.models.filter((m) => m.test !== true);
  if (models.length === 0) throw new Error('models/manifest.json: every model is marked "test": true; the catalogue would be empty');
  if (manifest.default !== undefined && !models.some((m) => m.id === manifest.default)) {
    throw new Error(`models/manifest.json: the default model ${manifest.default} is marked "test": true; users could not load it`);
  }
  return { manifestJson: `${JSON.stringify({ ...manifest, models }, null, 2)}\n`, files: models.map((m) => m.file) };
}

/** Read `<modelsDir>/manifest.json` and its catalogue; missing files fail with the command that makes them. */
export function readCatalogue(modelsDir: string): Catalogue {
  const catalogue = catalogueOf(JSON.parse(readFileSync(join(modelsDir, 'manifest.json'), 'utf8')) as RawManifest);
  for (const file of catalogue.files) {
    if (!existsSync(join(modelsDir, file))) {
      throw new Error(`model file ${join(modelsDir, file)} is missing: run \`npm run models\` (generated models) or remove its manifest entry`);
    }
  }
  return catalogue;
}

/** Write the catalogue (manifest + files) into `outDir`. */
export function writeCatalogue(modelsDir: string, outDir: string): Catalogue {
  const catalogue = readCatalogue(modelsDir);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'manifest.json'), catalogue.manifestJson);
  for (const file of catalogue.files) copyFileSync(join(modelsDir, file), join(outDir, file));
  return catalogue;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--out');
  if (at < 0 || !process.argv[at + 1]) {
    console.error('usage: tsx scripts/build/model-catalogue.ts --out DIR [--models DIR]');
    process.exit(2);
  }
  const m = process.argv.indexOf('--models');
  const modelsDir = m >= 0 ? process.argv[m + 1] : 'models';
  const { files } = writeCatalogue(modelsDir, process.argv[at + 1]);
  console.log(`model catalogue: ${files.join(', ')} -> ${process.argv[at + 1]}`);
}

/**
 * Loading and validating `models/manifest.json`, and checking model bytes against it.
 * The sha256 check runs before any ORT session is created, so a truncated download or a
 * swapped file is reported by name instead of failing deep inside onnxruntime.
 */
import { EngineError } from './engine-errors.ts';
import type { ModelEntry, ModelManifest, PadBackground, PreprocessSpec, ResizeMode } from './manifest-types.ts';
import { sha256Hex } from '../store/sha256.ts';

const NORMALISE_VALUES = ['unit', 'imagenet'] as const;
const HIGH_BIT_DEPTH_VALUES = ['max'] as const;
const FIT_VALUES = ['crop', 'stretch', 'pad'] as const;
const PAD_BACKGROUND_VALUES: readonly PadBackground[] = ['white', 'border'];

function fail(message: string): never {
  throw new EngineError('manifest-invalid', message);
}

function checkResize(value: unknown, where: string): ResizeMode {
  if (value === 'native') return 'native';
  const r = value as { size?: unknown; fit?: unknown; background?: unknown } | null;
  if (r && typeof r === 'object' && Number.isInteger(r.size) && (r.size as number) > 0 &&
      FIT_VALUES.includes(r.fit as (typeof FIT_VALUES)[number])) {
    const size = r.size as number;
    const fit = r.fit as (typeof FIT_VALUES)[number];
    if (fit !== 'pad' || r.background === undefined) {
      if (r.background !== undefined) fail(`${where}.resize.background applies to "fit": "pad" only, got ${JSON.stringify(value)}`);
      return { size, fit } as ResizeMode;
    }
    if (!PAD_BACKGROUND_VALUES.includes(r.background as PadBackground)) {
      fail(`${where}.resize.background must be one of ${PAD_BACKGROUND_VALUES.join(', ')}, got ${JSON.stringify(r.background)}`);
    }
    return { size, fit, background: r.background as PadBackground };
  }
  return fail(`${where}.resize must be "native" or {"size": <positive integer>, "fit": "crop" | "stretch" | "pad" (+ "background": "white" | "border")}, got ${JSON.stringify(value)}`);
}

function checkPreprocess(value: unknown, where: string): PreprocessSpec {
  const p = (value ?? {}) as Record<string, unknown>;
  const normalise = p.normalise;
  if (!NORMALISE_VALUES.includes(normalise as (typeof NORMALISE_VALUES)[number])) {
    fail(`${where}.normalise must be one of ${NORMALISE_VALUES.join(', ')}, got ${JSON.stringify(normalise)}`);
  }
  const highBitDepth = p.highBitDepth ?? 'max';
  if (!HIGH_BIT_DEPTH_VALUES.includes(highBitDepth as (typeof HIGH_BIT_DEPTH_VALUES)[number])) {
    fail(`${where}.highBitDepth must be one of ${HIGH_BIT_DEPTH_VALUES.join(', ')}, got ${JSON.stringify(highBitDepth)}`);
  }
  return {
    resize: checkResize(p.resize, where),
    normalise: normalise as PreprocessSpec['normalise'],
    highBitDepth: highBitDepth as PreprocessSpec['highBitDepth'],
  };
}

function checkEntry(value: unknown, index: number): ModelEntry {
  const where = `models[${index}]`;
  const e = (value ?? {}) as Record<string, unknown>;
  const str = (key: string): string => {
    if (typeof e[key] !== 'string' || (e[key] as string).length === 0) fail(`${where}.${key} must be a non-empty string`);
    return e[key] as string;
  };
  const int = (key: string): number => {
    if (!Number.isInteger(e[key]) || (e[key] as number) <= 0) fail(`${where}.${key} must be a positive integer`);
    return e[key] as number;
  };
  const sha256 = str('sha256').toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(sha256)) fail(`${where}.sha256 must be 64 hex digits (the SHA-256 of the file)`);
  const file = str('file');
  if (file.includes('..')) fail(`${where}.file must be a file name next to the manifest, got ${file}`);
  return {
    id: str('id'),
    name: typeof e.name === 'string' ? e.name : str('id'),
    file,
    sha256,
    bytes: int('bytes'),
    inputName: str('inputName'),
    outputName: str('outputName'),
    embeddingSize: int('embeddingSize'),
    preprocess: checkPreprocess(e.preprocess, `${where}.preprocess`),
    trained: e.trained === true,
    ...(typeof e.source === 'string' ? { source: e.source } : {}),
    ...(e.test === true ? { test: true } : {}),
  };
}

/** Validate a parsed manifest; errors name the field and the accepted values. */
export function parseManifest(json: unknown): ModelManifest {
  const m = (json ?? {}) as Record<string, unknown>;
  if (m.version !== 1) fail(`manifest version must be 1, got ${JSON.stringify(m.version)}`);
  if (!Array.isArray(m.models) || m.models.length === 0) fail('manifest.models must be a non-empty array');
  const models = m.models.map(checkEntry);
  const ids = new Set<string>();
  for (const entry of models) {
    if (ids.has(entry.id)) fail(`model id ${entry.id} appears twice in the manifest`);
    ids.add(entry.id);
  }
  const defaultId = typeof m.default === 'string' ? m.default : models[0].id;
  if (!ids.has(defaultId)) fail(`manifest.default is ${defaultId}, which is not one of: ${[...ids].join(', ')}`);
  return { version: 1, default: defaultId, models };
}

/** The entry for `modelId` (or the manifest's default); unknown ids list the valid ones. */
export function selectModel(manifest: ModelManifest, modelId?: string): ModelEntry {
  const id = modelId ?? manifest.default;
  const entry = manifest.models.find((m) => m.id === id);
  if (!entry) {
    throw new EngineError('manifest-invalid',
      `model "${id}" is not in the manifest; choose one of: ${manifest.models.map((m) => m.id).join(', ')}`);
  }
  return entry;
}

/** Fetch and validate the manifest. */
export async function loadManifest(manifestUrl: string, fetchImpl: typeof fetch = fetch): Promise<ModelManifest> {
  let response: Response;
  try {
    response = await fetchImpl(manifestUrl, { cache: 'no-cache' });
  } catch (error) {
    throw new EngineError('model-missing',
      `could not fetch the model manifest ${manifestUrl} (${(error as Error).message}); check the manifest URL option and that the server is reachable`);
  }
  if (!response.ok) {
    throw new EngineError('model-missing',
      `the model manifest ${manifestUrl} answered HTTP ${response.status}; run \`npm run models\` or fix the manifest URL option`);
  }
  let json: unknown;
  try {
    json = await response.json();
  } catch {
    throw new EngineError('manifest-invalid', `the model manifest ${manifestUrl} is not valid JSON`);
  }
  return parseManifest(json);
}

/** Where a manifest entry's file lives: next to the manifest. */
export function modelFileUrl(manifestUrl: string, entry: ModelEntry): string {
  return new URL(entry.file, manifestUrl).href;
}

/** Throws `model-integrity` naming the file and both hashes when the bytes are not the manifest's. */
export async function verifyModelBytes(entry: ModelEntry, bytes: ArrayBuffer): Promise<void> {
  const actual = await sha256Hex(bytes);
  if (actual !== entry.sha256) {
    throw new EngineError('model-integrity',
      `model file ${entry.file} does not match the manifest: sha256 is ${actual}, the manifest says ${entry.sha256} ` +
      `(${bytes.byteLength} bytes, expected ${entry.bytes}); re-download or regenerate the file (\`npm run models\`), or update the manifest entry`);
  }
}

/**
 * The plugin's options: one public type, one frozen defaults object, and the two ways users
 * set them: `data-*` attributes on the plugin's script tag, or `window.CYTO_ML_OPTIONS` set
 * before the script loads (the Enterprise Plugins field, where there is no tag to annotate).
 * Options passed to `attach()` win over both.
 */

export interface Options {
  /** URL of `manifest.json`; relative URLs resolve against the plugin script's URL. */
  manifestUrl: string;
  /** Folder of the ORT runtime files (.wasm/.mjs); empty = beside the plugin script. */
  runtimeUrl: string;
  /** Manifest entry to use; the manifest's `default` when empty. */
  modelId: string;
  /** Base URL of the ML backend shim, to relay predictions to Label Studio's /predict; empty = none. */
  shimUrl: string;
  /**
   * Also select the suggested choices in the person's new, unsaved annotation when that control
   * is still empty. On Label Studio Community pages this also happens, without the option, when
   * the project's "Use predictions to prelabel tasks" (`show_collab_predictions`) is on.
   */
  preselect: boolean;
  /** Number of k-means clusters. */
  k: number;
  /** Refit the clusters when the number of embeddings grew by this fraction since the last fit. */
  refitGrowth: number;
  /** Try WebGPU when the browser has an adapter (else WASM). */
  webgpu: boolean;
  /** Embed the next tasks in idle time. */
  prefetch: boolean;
  /** How many upcoming tasks to prefetch. */
  prefetchCount: number;
  /** Show the status badge in the editor. */
  badge: boolean;
  /** Label Studio API token for REST calls when the session cookie cannot be used; empty = session. */
  apiToken: string;
  /** Project key when the host cannot tell (the demo, or a task without `project`). */
  project: string;
  /** Label Studio's base URL for REST calls (project tools); empty = this page's origin. */
  labelStudioUrl: string;
  /**
   * Show the project tools (pre-annotate, clusters, neighbours, map) on Label Studio project
   * pages: a pill in the top bar that opens the panel on click (it starts closed).
   */
  tools: boolean;
}

export const DEFAULT_OPTIONS: Readonly<Options> = Object.freeze({
  manifestUrl: 'models/manifest.json',
  runtimeUrl: '',
  modelId: '',
  shimUrl: '',
  preselect: false,
  k: 6,
  refitGrowth: 0.25,
  webgpu: true,
  prefetch: true,
  prefetchCount: 5,
  badge: true,
  apiToken: '',
  project: 'default',
  labelStudioUrl: '',
  tools: true,
});

type Kind = 'string' | 'boolean' | 'number';
const KINDS: Readonly<Record<keyof Options, Kind>> = Object.freeze({
  manifestUrl: 'string', runtimeUrl: 'string', modelId: 'string', shimUrl: 'string', preselect: 'boolean', k: 'number',
  refitGrowth: 'number', webgpu: 'boolean', prefetch: 'boolean', prefetchCount: 'number', badge: 'boolean',
  apiToken: 'string', project: 'string', labelStudioUrl: 'string', tools: 'boolean',
});

/** An option value that cannot be used; the message names the option and the valid values. */
export class OptionsError extends Error {
  override readonly name = 'OptionsError';
}

function coerce(key: keyof Options, raw: unknown): string | boolean | number {
  const kind = KINDS[key];
  switch (kind) {
    case 'string':
      if (typeof raw !== 'string') throw new OptionsError(`option ${key} must be a string, got ${JSON.stringify(raw)}`);
      return raw;
    case 'boolean':
      if (typeof raw === 'boolean') return raw;
      if (raw === 'true' || raw === '' || raw === '1') return true;
      if (raw === 'false' || raw === '0') return false;
      throw new OptionsError(`option ${key} must be true or false, got ${JSON.stringify(raw)}`);
    case 'number': {
      const value = typeof raw === 'number' ? raw : Number(raw);
      if (!Number.isFinite(value)) throw new OptionsError(`option ${key} must be a number, got ${JSON.stringify(raw)}`);
      return value;
    }
  }
}

/** Merge partial options over the defaults, checking names, types and ranges. */
export function resolveOptions(...layers: Array<Partial<Record<string, unknown>> | undefined>): Options {
  const out: Record<string, unknown> = { ...DEFAULT_OPTIONS };
  for (const layer of layers) {
    for (const [key, raw] of Object.entries(layer ?? {})) {
      if (raw === undefined) continue;
      if (!(key in KINDS)) {
        throw new OptionsError(`unknown option "${key}"; valid options are: ${Object.keys(KINDS).join(', ')}`);
      }
      out[key] = coerce(key as keyof Options, raw);
    }
  }
  const options = out as unknown as Options;
  if (!Number.isInteger(options.k) || options.k < 2 || options.k > 256) {
    throw new OptionsError(`option k must be an integer from 2 to 256, got ${options.k}`);
  }
  if (!(options.refitGrowth > 0)) throw new OptionsError(`option refitGrowth must be > 0, got ${options.refitGrowth}`);
  if (!Number.isInteger(options.prefetchCount) || options.prefetchCount < 0) {
    throw new OptionsError(`option prefetchCount must be a whole number >= 0, got ${options.prefetchCount}`);
  }
  return options;
}

/** `data-manifest-url="…"` → `{manifestUrl: "…"}` for every known option. */
export function optionsFromDataset(dataset: DOMStringMap): Partial<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(KINDS)) {
    if (dataset[key] !== undefined) out[key] = dataset[key];
  }
  return out;
}

/**
 * How the k-means code gets tfjs (tfjs-distance-module.ts). This file is what Node, the unit
 * tests and the dev server run: a plain dynamic import of the source. In a production build
 * (the plugin and the demo) scripts/build/tfjs-distance-file.ts builds that module into its own
 * file beside the bundle and REPLACES this module with one that exports the file's name and
 * imports it from a URL: the k-means worker is inlined as a blob, where a relative import
 * cannot resolve, and the plugin is one IIFE script that cannot split chunks.
 */
import type * as TfjsDistanceModule from './tfjs-distance-module.ts';

export type { TfjsDistanceModule };

/** File name of the separately built tfjs module, relative to the bundle; null when running from source. */
export const TFJS_DISTANCE_FILE: string | null = null;

/**
 * Load tfjs and the tfjs assignment step.
 * @param url absolute URL of TFJS_DISTANCE_FILE (built code only; ignored from source).
 */
export function loadTfjsDistance(url?: string): Promise<typeof TfjsDistanceModule> {
  void url;
  return import('./tfjs-distance-module.ts');
}

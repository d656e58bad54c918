/**
 * The URL this bundle was loaded from, captured while the script runs (afterwards
 * `document.currentScript` is null). Runtime files, models and the worker's wasm are
 * resolved against it, so the plugin works when loaded from another origin than the page.
 */
const captured: { url: string; dataset: DOMStringMap } = (() => {
  const script = typeof document !== 'undefined' ? (document.currentScript as HTMLScriptElement | null) : null;
  if (script?.src) return { url: script.src, dataset: script.dataset };
  return { url: globalThis.location?.href ?? '', dataset: {} };
})();

export function scriptBase(): string {
  return captured.url;
}

/** The `data-*` attributes of the plugin's own script tag (empty when loaded otherwise). */
export function scriptDataset(): DOMStringMap {
  return captured.dataset;
}

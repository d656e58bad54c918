/**
 * Puts the plugin's `<script>` into Label Studio's HTML pages (proxy mode). Pure string work,
 * no parser: the tag goes before the first `</head>`, or before the last `</body>` when there
 * is no head, and only once (a page that already carries it, e.g. proxied twice, is left
 * alone). Fragments with neither tag (HTML snippets fetched by scripts) are not touched.
 */

/** Attribute that marks our tag, so it is never injected twice. */
export const INJECTED_MARKER = 'data-cyto-ml-plugin';

/**
 * The plugin's script tag. `base` is the URL prefix of the shim's files on this origin
 * (`/cyto-ml` on the proxy): the plugin loads `<base>/plugin/cyto-ml.js`, reads the manifest
 * at `<base>/models/manifest.json` and relays predictions to `<base>/api/predictions`.
 */
export function pluginScriptTag(base: string): string {
  return (
    `<script src="${base}/plugin/cyto-ml.js" data-host="community" data-shim-url="${base}" ` +
    `data-manifest-url="${base}/models/manifest.json" ${INJECTED_MARKER} defer></script>`
  );
}

/** Returns `html` with `tag` injected, or unchanged when it has no head/body or has the tag. */
export function injectScriptTag(html: string, tag: string): string {
  if (html.includes(INJECTED_MARKER)) return html;
  const head = html.search(/<\/head\s*>/i);
  if (head >= 0) return html.slice(0, head) + tag + html.slice(head);
  const bodies = [...html.matchAll(/<\/body\s*>/gi)];
  const body = bodies.at(-1)?.index;
  if (body !== undefined) return html.slice(0, body) + tag + html.slice(body);
  return html;
}

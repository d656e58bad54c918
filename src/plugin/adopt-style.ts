/**
 * Page stylesheets for the plugin's own UI (badge, dock, project tools) that a strict
 * Content-Security-Policy allows: `style-src 'self'` refuses `<style>` text and style
 * attributes, but not constructable stylesheets (`new CSSStyleSheet()` + `adoptedStyleSheets`,
 * Chromium 73+, Firefox 101+, Safari 16.4+). Older browsers get a `<style>` element carrying the
 * plugin script's nonce, which a nonce-based policy accepts.
 */

const added = new WeakMap<Document, Set<string>>();

/** The nonce of the plugin's script tag (the shim's proxy copies the page's nonce onto it). */
function scriptNonce(doc: Document): string {
  const tag = doc.querySelector<HTMLScriptElement>('script[data-cyto-ml-plugin]') ??
    (doc.currentScript instanceof HTMLScriptElement ? doc.currentScript : null);
  return tag?.nonce ?? '';
}

/** Add `css` to the page once per `id`; later calls with the same id do nothing. */
export function adoptStyle(id: string, css: string, doc: Document = document): void {
  let ids = added.get(doc);
  if (!ids) added.set(doc, (ids = new Set()));
  if (ids.has(id)) return;
  ids.add(id);
  const canAdopt = 'adoptedStyleSheets' in doc && typeof CSSStyleSheet === 'function' &&
    typeof (CSSStyleSheet.prototype as { replaceSync?: unknown }).replaceSync === 'function';
  if (canAdopt) {
    try {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(css);
      doc.adoptedStyleSheets = [...doc.adoptedStyleSheets, sheet];
      return;
    } catch {
      // A browser with the property but without constructable sheets: use a <style> element.
    }
  }
  const style = doc.createElement('style');
  style.id = id;
  const nonce = scriptNonce(doc);
  if (nonce) style.nonce = nonce;
  style.textContent = css;
  doc.head.appendChild(style);
}

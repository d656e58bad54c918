/** Tiny DOM helpers for the tools' plain-DOM views (no framework: see badge.ts for why). */

/** Create an element with a class, optional text and attributes. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K, className = '', text?: string, attrs: Record<string, string> = {},
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  return node;
}

/** Add a stylesheet once per page, by id. */
export function ensureStyle(id: string, css: string): void {
  if (document.getElementById(id)) return;
  const style = document.createElement('style');
  style.id = id;
  style.textContent = css;
  document.head.appendChild(style);
}

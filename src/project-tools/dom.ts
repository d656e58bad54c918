/** Tiny DOM helpers for the tools' plain-DOM views (no framework: see badge.ts for why). */
import { adoptStyle } from '../plugin/adopt-style.ts';

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

/** Add a stylesheet once per page, by id, in a way a strict CSP allows (see adopt-style.ts). */
export function ensureStyle(id: string, css: string): void {
  adoptStyle(id, css);
}

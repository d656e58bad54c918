/**
 * Facts about Label Studio's own page layout (read from a real 1.12.1, DESIGN §7), in one place:
 * where its top bar is, and where in it Label Studio has no controls. The plugin's dock
 * (../dock.ts) sits there, so it never covers Submit/Update/Skip (bottom of the editor), the
 * annotation tabs (under the top bar) or the Data Manager toolbar (under the top bar).
 *
 * 1.12's top bar: `.ls-menu-header` (48 px high) = logo/menu | `__context` (breadcrumbs on the
 * left, `__context-item_right` with the Settings button on the right) | `__user` (avatar).
 */

const HEADER = '.ls-menu-header';
const LEFT_ITEMS = '.ls-menu-header__context-item_left';
const RIGHT_ITEMS = '.ls-menu-header__context-item_right';
const USER = '.ls-menu-header__user';

/** The free stretch of Label Studio's top bar, in viewport pixels; undefined off Label Studio's pages. */
export interface HeaderGap {
  /** Left edge: just right of the breadcrumbs. */
  left: number;
  /** Right edge: just left of the Settings button (or the avatar). */
  right: number;
  top: number;
  height: number;
}

function visibleRect(el: Element | null): DOMRect | undefined {
  if (!el) return undefined;
  const r = el.getBoundingClientRect();
  return r.width > 0 && r.height > 0 ? r : undefined;
}

/** Where Label Studio's top bar has room for the plugin's pills, if this is a Label Studio page. */
export function labelStudioHeaderGap(doc: Document = document): HeaderGap | undefined {
  const header = visibleRect(doc.querySelector(HEADER));
  if (!header) return undefined;
  const leftItems = visibleRect(doc.querySelector(`${HEADER} ${LEFT_ITEMS}`));
  const rightItems = visibleRect(doc.querySelector(`${HEADER} ${RIGHT_ITEMS}`)) ??
    visibleRect(doc.querySelector(`${HEADER} ${USER}`));
  return {
    left: leftItems ? leftItems.right : header.left,
    right: rightItems ? rightItems.left : header.right,
    top: header.top,
    height: header.height,
  };
}

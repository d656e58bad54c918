/**
 * The demo's message line: a message stays on screen until the person dismisses it (no timeout),
 * and one set just before a navigation (Open folder reloads the page) is shown after it.
 */

const PENDING_KEY = 'cyto-ml-demo-notice';

function parts(): { box: HTMLElement; text: HTMLElement } {
  return { box: document.getElementById('notice')!, text: document.getElementById('notice-text')! };
}

/** Show `message` until dismissed; with `afterReload`, also keep it for the next page load of this tab. */
export function showNotice(message: string, options: { afterReload?: boolean } = {}): void {
  const { box, text } = parts();
  text.textContent = message;
  box.hidden = false;
  if (options.afterReload) {
    try {
      sessionStorage.setItem(PENDING_KEY, message);
    } catch {
      // No session storage (a locked-down browser): the message shows until the reload only.
    }
  }
}

/** Show the message a previous page of this tab left for this one, once. */
export function showPendingNotice(): void {
  let message: string | null = null;
  try {
    message = sessionStorage.getItem(PENDING_KEY);
    sessionStorage.removeItem(PENDING_KEY);
  } catch {
    return;
  }
  if (message) showNotice(message);
}

/** Dismiss the message. */
export function clearNotice(): void {
  const { box, text } = parts();
  box.hidden = true;
  text.textContent = '';
}

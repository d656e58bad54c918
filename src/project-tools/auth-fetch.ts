/**
 * The fetch the outbox sends queued writes with: it adds Label Studio's credentials to
 * requests for Label Studio (and only those: a token must never reach the shim or any other
 * server). Session auth sends the cookie and echoes the `csrftoken` cookie as `X-CSRFToken`,
 * which Django requires on POST (DESIGN §3); a legacy token is sent as `Authorization: Token
 * <key>`, a personal access token (JWT) is exchanged for a `Bearer` access token and refreshed
 * when a write answers 401 (src/labelstudio/token-auth.ts).
 */
import { TokenAuthorizer } from '../labelstudio/token-auth.ts';
import type { OutboxFetch } from '../store/outbox.ts';

export interface AuthFetchOptions {
  /** Label Studio's base URL (absolute); requests under it get credentials. */
  labelStudioBase: string;
  /** API token; empty = the page's session cookie. */
  apiToken: string;
  /** Cookie string source (default `document.cookie`). */
  cookies?: () => string;
  fetch?: typeof fetch;
}

/** Read one cookie by name from a `document.cookie` string. */
export function readCookie(cookieString: string, name: string): string | null {
  for (const part of cookieString.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return null;
}

/** Whether `url` lies under `base` (same origin, path prefix). */
export function isUnder(url: string, base: string): boolean {
  try {
    const u = new URL(url);
    const b = new URL(base);
    return u.origin === b.origin && u.pathname.startsWith(b.pathname.replace(/\/?$/, '/'));
  } catch {
    return false;
  }
}

export function makeAuthFetch(options: AuthFetchOptions): OutboxFetch {
  const f = options.fetch ?? globalThis.fetch.bind(globalThis);
  const cookies = options.cookies ?? (() => (typeof document === 'undefined' ? '' : document.cookie));
  const token = options.apiToken
    ? new TokenAuthorizer({ token: options.apiToken, baseUrl: new URL(options.labelStudioBase).href.replace(/\/$/, ''), fetch: f })
    : undefined;
  return async (url, init) => {
    const headers = new Headers(init.headers);
    if (!headers.has('Content-Type') && init.body !== undefined) headers.set('Content-Type', 'application/json');
    if (!isUnder(url, options.labelStudioBase)) return f(url, { ...init, headers, credentials: 'omit' });
    headers.set('Accept', 'application/json');
    if (token) {
      headers.set('Authorization', await token.header());
      const response = await f(url, { ...init, headers, credentials: 'omit' });
      // An expired access token: refresh once and repeat (a legacy key gets no second try).
      if (response.status !== 401 || !token.expire()) return response;
      headers.set('Authorization', await token.header());
      return f(url, { ...init, headers, credentials: 'omit' });
    }
    const csrf = readCookie(cookies(), 'csrftoken');
    if (csrf) headers.set('X-CSRFToken', csrf);
    return f(url, { ...init, headers, credentials: 'same-origin' });
  };
}

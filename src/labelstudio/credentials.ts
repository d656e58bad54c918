/**
 * Label Studio's credentials on a request: the one place that decides how a call to Label
 * Studio is authorised, for the REST client (rest-client.ts, used by the plugin, the project
 * tools and `npm run import`) and for the outbox's queued writes ({@link makeAuthFetch}).
 *
 *  - `session` (the browser, inside the Label Studio page): the Django session cookie authorises
 *    same-origin calls; Django also wants the `csrftoken` cookie echoed as `X-CSRFToken` on
 *    unsafe methods, or POSTs fail with 403 "CSRF Failed" (DESIGN §3). Node has no cookies, so
 *    there a session request goes unauthorised and Label Studio's 401 says what is missing.
 *  - `token`: the legacy access token (`Authorization: Token <key>`) or a personal access token
 *    (a JWT refresh token exchanged for a `Bearer` access token, refreshed once when a call
 *    answers 401); token-auth.ts tells them apart. A token is never sent with cookies.
 */
import type { OutboxFetch } from '../store/outbox.ts';
import { TokenAuthorizer, type TokenScheme } from './token-auth.ts';

/** How requests are authorised. */
export type LabelStudioAuth =
  | { kind: 'session'; csrfCookieName?: string }
  | { kind: 'token'; token: string; scheme?: TokenScheme };

export interface LabelStudioCredentialsOptions {
  /** Label Studio's base URL ('' = this page's origin), for a personal access token's refresh. */
  baseUrl: string;
  auth: LabelStudioAuth;
  fetch: typeof fetch;
  /** Cookie string source for the CSRF token; defaults to `document.cookie` ('' in Node). */
  cookies?: () => string;
}

const SAFE_METHODS = ['GET', 'HEAD', 'OPTIONS'];

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

/** Sends requests to one Label Studio with its credentials. */
export class LabelStudioCredentials {
  readonly auth: LabelStudioAuth;
  private readonly fetchImpl: typeof fetch;
  private readonly cookies: () => string;
  private readonly token: TokenAuthorizer | undefined;

  constructor(o: LabelStudioCredentialsOptions) {
    this.auth = o.auth;
    this.fetchImpl = o.fetch;
    this.cookies = o.cookies ?? (() => (typeof document === 'undefined' ? '' : document.cookie));
    if (o.auth.kind === 'token') {
      if (!o.auth.token) throw new Error('auth.kind is "token" but no token was given: copy it from Account & Settings.');
      this.token = new TokenAuthorizer({ token: o.auth.token, scheme: o.auth.scheme ?? 'auto', baseUrl: o.baseUrl.replace(/\/+$/, ''), fetch: o.fetch });
    }
  }

  /**
   * `fetch(url, init)` with the credentials added (`init.headers` are kept). A personal access
   * token whose access token expired is refreshed and the request repeated once; a refused
   * refresh rejects with token-auth.ts's `TokenRefreshError`, whose message says what to do.
   */
  async send(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.token) {
      const token = this.token;
      const go = async () => {
        headers.set('Authorization', await token.header());
        // A token must not be mixed with another user's session.
        return this.fetchImpl(url, { ...init, headers, credentials: 'omit' });
      };
      const response = await go();
      // An expired access token: refresh once and repeat (a legacy key gets no second try).
      if (response.status !== 401 || !token.expire()) return response;
      return go();
    }
    if (this.auth.kind === 'session' && !SAFE_METHODS.includes((init.method ?? 'GET').toUpperCase())) {
      const csrf = readCookie(this.cookies(), this.auth.csrfCookieName ?? 'csrftoken');
      if (csrf) headers.set('X-CSRFToken', csrf);
    }
    return this.fetchImpl(url, { ...init, headers, credentials: 'same-origin' });
  }
}

export interface AuthFetchOptions {
  /** Label Studio's base URL (absolute); requests under it get credentials. */
  labelStudioBase: string;
  /** API token; empty = the page's session cookie. */
  apiToken: string;
  /** Cookie string source (default `document.cookie`). */
  cookies?: () => string;
  fetch?: typeof fetch;
}

/**
 * The fetch the outbox sends queued writes with: Label Studio's credentials on requests for
 * Label Studio, and only those (a token must never reach the shim or any other server).
 */
export function makeAuthFetch(options: AuthFetchOptions): OutboxFetch {
  const f = options.fetch ?? globalThis.fetch.bind(globalThis);
  const credentials = new LabelStudioCredentials({
    baseUrl: new URL(options.labelStudioBase).href,
    auth: options.apiToken ? { kind: 'token', token: options.apiToken } : { kind: 'session' },
    fetch: f,
    ...(options.cookies ? { cookies: options.cookies } : {}),
  });
  return async (url, init) => {
    const headers = new Headers(init.headers);
    if (!headers.has('Content-Type') && init.body !== undefined) headers.set('Content-Type', 'application/json');
    if (!isUnder(url, options.labelStudioBase)) return f(url, { ...init, headers, credentials: 'omit' });
    headers.set('Accept', 'application/json');
    return credentials.send(url, { ...init, headers });
  };
}

/**
 * API tokens of Label Studio, both kinds, in one place for the REST client and the outbox:
 *
 * - the legacy token (Account & Settings, 40 hex digits): `Authorization: Token <key>`;
 * - personal access tokens of newer Label Studio (1.14+): a JWT *refresh* token. It is never
 *   sent as is: `POST /api/token/refresh/ {"refresh": <token>}` answers `{"access": …}`, a
 *   short-lived access token sent as `Authorization: Bearer <access>`; when a call answers 401
 *   the access token has expired, so refresh once and repeat the call.
 *
 * Which kind a token is, is read from its shape (a JWT is three base64url parts whose header
 * names an `alg`), so users paste either into the same `apiToken` option.
 */

/** How a token is sent; `auto` tells a personal access token (JWT) from a legacy key by its shape. */
export type TokenScheme = 'auto' | 'Token' | 'Bearer' | 'personal-access-token';

/** Whether `token` looks like a JWT (a personal access token of newer Label Studio). */
export function isJwt(token: string): boolean {
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]+$/.test(p))) return false;
  try {
    const header = JSON.parse(atob(parts[0].replace(/-/g, '+').replace(/_/g, '/'))) as { alg?: unknown };
    return typeof header.alg === 'string';
  } catch {
    return false;
  }
}

/** A refused or failed token refresh; the message says what to do. */
export class TokenRefreshError extends Error {
  override readonly name = 'TokenRefreshError';
  constructor(message: string, readonly status: number) {
    super(message);
  }
}

export interface TokenAuthorizerOptions {
  token: string;
  scheme?: TokenScheme;
  /** Label Studio's base URL ('' = this origin), for `/api/token/refresh/`. */
  baseUrl: string;
  fetch: typeof fetch;
}

/** Authorization header values for one token; refreshes personal access tokens as needed. */
export class TokenAuthorizer {
  private access: Promise<string> | undefined;
  private readonly pat: boolean;

  constructor(private readonly o: TokenAuthorizerOptions) {
    const scheme = o.scheme ?? 'auto';
    this.pat = scheme === 'personal-access-token' || (scheme === 'auto' && isJwt(o.token));
  }

  /** Whether this is a personal access token (refreshed into Bearer access tokens). */
  get personalAccessToken(): boolean {
    return this.pat;
  }

  /** The `Authorization` header value to send now. */
  async header(): Promise<string> {
    if (!this.pat) return `${this.o.scheme === 'Bearer' ? 'Bearer' : 'Token'} ${this.o.token}`;
    this.access ??= this.refresh();
    this.access.catch(() => { this.access = undefined; });
    return `Bearer ${await this.access}`;
  }

  /**
   * After a 401: forget the access token so the next `header()` refreshes it. True when a retry
   * can help (a personal access token), false for a legacy key (refused is refused).
   */
  expire(): boolean {
    if (!this.pat) return false;
    this.access = undefined;
    return true;
  }

  private async refresh(): Promise<string> {
    const url = `${this.o.baseUrl.replace(/\/+$/, '')}/api/token/refresh/`;
    let response: Response;
    try {
      response = await this.o.fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify({ refresh: this.o.token }),
        credentials: 'omit',
      });
    } catch (error) {
      throw new TokenRefreshError(`POST ${url} got no answer (${(error as Error)?.message ?? error}): Label Studio is unreachable.`, 0);
    }
    const text = await response.text().catch(() => '');
    if (!response.ok) {
      throw new TokenRefreshError(
        response.status === 401 || response.status === 400
          ? `Label Studio refused the personal access token (HTTP ${response.status} from ${url}): it has expired or was revoked; create a new one in Account & Settings.`
          : response.status === 404
            ? `This Label Studio has no ${url}: it predates personal access tokens; use the legacy access token from Account & Settings.`
            : `Refreshing the personal access token failed with HTTP ${response.status} at ${url}.`,
        response.status,
      );
    }
    let access: unknown;
    try {
      access = (JSON.parse(text) as { access?: unknown }).access;
    } catch {
      access = undefined;
    }
    if (typeof access !== 'string' || access === '') {
      throw new TokenRefreshError(`POST ${url} answered without an "access" token; is the URL Label Studio's?`, response.status);
    }
    return access;
  }
}

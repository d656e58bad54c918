/**
 * Who may write predictions into the relay when auth is on (basic auth configured).
 *
 * A writer passes when it presents the shim's basic-auth pair, or a Label Studio credential
 * (the session cookie of the page the plugin runs in, or `Authorization: Token|Bearer ...`)
 * that Label Studio itself accepts for every project the post writes to: the shim asks
 * `GET /api/projects/<id>/` with that credential (200: it may open the project; 401/403/404: not;
 * in Label Studio Community every user of an organisation may open all its projects). Answers
 * are cached for {@link AUTH_CACHE_MS} per (credential, project), so a busy annotator costs
 * Label Studio one request a minute, and a revoked session stops writing within that time.
 * Threat model: src/shim/README.md.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { parseBasicAuth } from './basic-auth.ts';

/** How long a Label Studio answer about (credential, project) is trusted. */
export const AUTH_CACHE_MS = 60_000;
/** Most cached answers (oldest dropped first). */
const CACHE_MAX = 10_000;
/** Longest wait for Label Studio's answer. */
const LS_TIMEOUT_MS = 5_000;

/** Outcome of a check. */
export type RelayAuthResult = { ok: true } | { ok: false; status: 401 | 403 | 503; error: string };

/** Checks a relay post's credentials for the projects it writes to. */
export type RelayAuthorizer = (request: FastifyRequest, projects: string[]) => Promise<RelayAuthResult>;

/** Options of {@link createRelayAuthorizer}. */
export interface RelayAuthOptions {
  basicAuth: { user: string; pass: string };
  /** Label Studio's URL; without it only the basic-auth pair is accepted. */
  labelStudioUrl?: string;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** The Label Studio credential in a request: its session cookie and/or Token/Bearer header. */
function labelStudioCredential(request: FastifyRequest): { cookie?: string; authorization?: string } | undefined {
  const out: { cookie?: string; authorization?: string } = {};
  const session = /(?:^|;\s*)(sessionid=[^;]+)/.exec(String(request.headers.cookie ?? ''))?.[1];
  if (session) out.cookie = session;
  const auth = String(request.headers.authorization ?? '');
  if (/^(Token|Bearer)\s+\S+$/i.test(auth)) out.authorization = auth;
  return out.cookie || out.authorization ? out : undefined;
}

/** Builds the authorizer used by the relay routes. */
export function createRelayAuthorizer(options: RelayAuthOptions): RelayAuthorizer {
  const expected = digest(`${options.basicAuth.user}:${options.basicAuth.pass}`);
  const cache = new Map<string, { member: boolean; until: number }>();

  async function askLabelStudio(credential: { cookie?: string; authorization?: string }, project: string): Promise<boolean> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (credential.cookie) headers.cookie = credential.cookie;
    if (credential.authorization) headers.authorization = credential.authorization;
    const response = await fetch(`${options.labelStudioUrl}/api/projects/${encodeURIComponent(project)}/`, {
      headers, redirect: 'manual', signal: AbortSignal.timeout(LS_TIMEOUT_MS),
    });
    await response.body?.cancel();
    if (response.status === 200) return true;
    if ([301, 302, 401, 403, 404].includes(response.status)) return false;
    throw new Error(`Label Studio answered ${response.status}`);
  }

  return async (request, projects) => {
    const given = parseBasicAuth(request.headers.authorization);
    if (given && timingSafeEqual(digest(`${given.user}:${given.pass}`), expected)) return { ok: true };
    const credential = options.labelStudioUrl ? labelStudioCredential(request) : undefined;
    if (!credential) {
      return {
        ok: false, status: 401,
        error: options.labelStudioUrl
          ? 'not authorised: send the shim\'s basic-auth pair, or post from a Label Studio page you are logged in to (through the proxy)'
          : 'not authorised: send the shim\'s basic-auth pair (BASIC_AUTH_USER / BASIC_AUTH_PASS)',
      };
    }
    const who = digest(`${credential.cookie ?? ''}\n${credential.authorization ?? ''}`).toString('hex');
    for (const project of new Set(projects)) {
      if (!/^\d+$/.test(project)) {
        return { ok: false, status: 403, error: `project "${project}" is not a Label Studio project id; only basic auth may write to it` };
      }
      const key = `${who}:${project}`;
      const now = Date.now();
      let entry = cache.get(key);
      if (!entry || entry.until < now) {
        let member: boolean;
        try {
          member = await askLabelStudio(credential, project);
        } catch (error) {
          return { ok: false, status: 503, error: `could not confirm the writer with Label Studio (${(error as Error).message}); try again shortly` };
        }
        entry = { member, until: now + AUTH_CACHE_MS };
        cache.delete(key);
        cache.set(key, entry);
        if (cache.size > CACHE_MAX) cache.delete(cache.keys().next().value as string);
      }
      if (!entry.member) {
        return { ok: false, status: 403, error: `Label Studio does not let this login open project ${project}` };
      }
    }
    return { ok: true };
  };
}

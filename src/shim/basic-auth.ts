/**
 * Optional HTTP basic auth for the ML backend endpoints, as label-studio-ml-backend does
 * (`BASIC_AUTH_USER` / `BASIC_AUTH_PASS`; Label Studio sends the pair entered in the
 * project's model settings). Compared in constant time so the answer's timing does not leak
 * how much of a guess was right.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

// Hashing both sides gives equal-length buffers, which timingSafeEqual requires, without
// revealing the secret's length.
function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Parses an `Authorization: Basic ...` header into user and password. */
export function parseBasicAuth(header: string | undefined): { user: string; pass: string } | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), pass: decoded.slice(colon + 1) };
}

/**
 * A fastify `onRequest` hook that answers 401 (with `WWW-Authenticate` and a JSON error)
 * unless the request carries the configured credentials.
 */
export function basicAuthHook(credentials: { user: string; pass: string }) {
  const expected = digest(`${credentials.user}:${credentials.pass}`);
  return async function checkBasicAuth(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const given = parseBasicAuth(request.headers.authorization);
    if (given && timingSafeEqual(digest(`${given.user}:${given.pass}`), expected)) return;
    await reply
      .code(401)
      .header('www-authenticate', 'Basic realm="cyto-ml ML backend", charset="UTF-8"')
      .send({ error: given ? 'wrong user name or password' : 'basic auth required: send the user and password set in BASIC_AUTH_USER / BASIC_AUTH_PASS' });
  };
}

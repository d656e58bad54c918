/**
 * The shim's JSON body parser: fastify's own (secure-json-parse) plus a nesting-depth limit
 * checked before parsing, and errors that say what was wrong.
 *
 * Why a depth limit: Label Studio's payloads nest a handful of levels (task → predictions →
 * result → value → choices); 800 KB of `[[[[...]]]]` made the schema validator recurse for
 * seconds and stalled every other request. The scan is one pass over the text (no
 * allocation), a few milliseconds per megabyte.
 */
import sjson from 'secure-json-parse';
import type { FastifyInstance } from 'fastify';

/** Deepest nesting of arrays/objects accepted (Label Studio's deepest is about 8). */
export const MAX_JSON_DEPTH = 32;

/** A client error with a status, passed to the JSON error handler. */
export class BodyError extends Error {
  statusCode = 400;
  override name = 'BodyError';
}

/** Depth of the deepest array/object in JSON text (strings skipped), or -1 past `limit`. */
export function jsonDepth(text: string, limit = MAX_JSON_DEPTH): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i += 1; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 || c === 123) {
      depth += 1;
      if (depth > max) {
        max = depth;
        if (max > limit) return -1;
      }
    } else if (c === 93 || c === 125) depth -= 1;
  }
  return max;
}

/**
 * Parses a JSON body: refuses nesting beyond {@link MAX_JSON_DEPTH}, and `__proto__` /
 * `constructor.prototype` keys (prototype poisoning) with messages that name them.
 */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') throw new BodyError('the request body is empty: send a JSON body');
  if (jsonDepth(text) < 0) {
    throw new BodyError(`JSON nested deeper than ${MAX_JSON_DEPTH} levels is refused (Label Studio's payloads nest about 8)`);
  }
  try {
    return sjson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
  } catch (error) {
    const message = (error as Error).message;
    if (/forbidden prototype property/i.test(message)) {
      throw new BodyError('the body has a "__proto__" or "constructor.prototype" key (prototype poisoning), which is refused: remove it');
    }
    throw new BodyError(`malformed JSON body: ${message} (send a JSON body)`);
  }
}

/** Replaces the app's `application/json` parser with {@link parseJsonBody}. */
export function installJsonBodyParser(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body as string));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
}

/**
 * The shim's JSON body parser: fastify's own (secure-json-parse) plus a nesting-depth limit
 * checked before parsing, errors that say what was wrong, and large bodies parsed off the
 * event loop (json-worker.ts).
 *
 * Why a depth limit: Label Studio's payloads nest a handful of levels (task → predictions →
 * result → value → choices); 800 KB of `[[[[...]]]]` made the schema validator recurse for
 * seconds and stalled every other request. The scan is one pass over the text (no
 * allocation), a few milliseconds per megabyte.
 */
import sjson from 'secure-json-parse';
import type { FastifyInstance } from 'fastify';
import { JsonWorker, WORKER_THRESHOLD } from './json-worker.ts';
import type { Reduction } from './json-worker.ts';

/** Deepest nesting of arrays/objects accepted (Label Studio's deepest is about 8). */
export const MAX_JSON_DEPTH = 32;

/** A client error with a status, passed to the JSON error handler. */
export class BodyError extends Error {
  statusCode = 400;
  override name = 'BodyError';
}

/**
 * Depth of the deepest array/object in JSON text, or -1 past `limit`. Strings are skipped with
 * `indexOf` (most of a Label Studio payload is strings: URLs, dates), so the scan costs a few
 * microseconds per kilobyte.
 */
export function jsonDepth(text: string, limit = MAX_JSON_DEPTH): number {
  let depth = 0;
  let max = 0;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      // Jump to the closing quote: one not preceded by an odd number of backslashes.
      let end = text.indexOf('"', i + 1);
      while (end > 0) {
        let slashes = 0;
        for (let j = end - 1; text.charCodeAt(j) === 92; j -= 1) slashes += 1;
        if (slashes % 2 === 0) break;
        end = text.indexOf('"', end + 1);
      }
      if (end < 0) return max; // unterminated: JSON.parse reports it
      i = end;
    } else if (c === 91 || c === 123) {
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
 * True when the text could hold a `__proto__` or `constructor` key, spelled out or with
 * `\u` escapes; only such bodies need secure-json-parse's slower checks.
 */
function mayPoison(text: string): boolean {
  return text.includes('proto') || text.includes('constructor') || text.includes('\\u');
}

/**
 * Parses a JSON body: refuses nesting beyond {@link MAX_JSON_DEPTH}, and `__proto__` /
 * `constructor.prototype` keys (prototype poisoning) with messages that name them.
 */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') throw new BodyError('the request body is empty: send a JSON body');
  if (jsonDepth(text) < 0) {
    throw new BodyError(DEPTH_MESSAGE);
  }
  try {
    return mayPoison(text) ? sjson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' }) : JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    if (/forbidden prototype property/i.test(message)) {
      throw new BodyError(PROTO_MESSAGE);
    }
    throw new BodyError(`malformed JSON body: ${message} (send a JSON body)`);
  }
}

/** Most predictions in one relay post (the plugin posts one, the project tools batches of 100). */
export const RELAY_MAX_ITEMS = 2000;

/**
 * Most tasks in one `/predict` call. Label Studio's Retrieve sends every selected task in one
 * call: 20,000 of its tasks are about 8 MB, the body limit.
 */
export const PREDICT_MAX_TASKS = 20_000;

/** `/predict`'s refusal of a longer task list (413: the request is too large, not malformed). */
export function tooManyTasksMessage(count: number): string {
  return `too many tasks in one /predict call: ${count}; send at most ${PREDICT_MAX_TASKS} (select fewer tasks for Retrieve predictions)`;
}

/** A refusal with 413. */
export class TooLargeError extends BodyError {
  override statusCode = 413;
}

/** The relay's refusal of an over-long array (same words inline and from the worker). */
export function tooManyMessage(count: number): string {
  return `too many predictions in one post: ${count}; send at most ${RELAY_MAX_ITEMS} per request`;
}

const DEPTH_MESSAGE = `JSON nested deeper than ${MAX_JSON_DEPTH} levels is refused (Label Studio's payloads nest about 8)`;
const PROTO_MESSAGE = 'the body has a "__proto__" or "constructor.prototype" key (prototype poisoning), which is refused: remove it';

let sharedWorker: JsonWorker | undefined;

/**
 * Replaces the app's `application/json` parser: {@link parseJsonBody} inline for small bodies,
 * the JSON worker (json-worker.ts) for large ones, which hands back only what `reduction`'s
 * route reads.
 */
export function installJsonBodyParser(app: FastifyInstance, reduction: Reduction): void {
  // Started now, not on the first large body: starting a worker costs the main thread ~20-50 ms.
  sharedWorker ??= new JsonWorker({ maxDepth: MAX_JSON_DEPTH, relayMaxItems: RELAY_MAX_ITEMS, predictMaxTasks: PREDICT_MAX_TASKS });
  sharedWorker.warm();
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, async (_request: unknown, body: string | Buffer) => {
    const text = body as string;
    if (text.length < WORKER_THRESHOLD) {
      const value = parseJsonBody(text);
      if (reduction === 'relay' && Array.isArray(value) && value.length > RELAY_MAX_ITEMS) throw new BodyError(tooManyMessage(value.length));
      const tasks = (value as { tasks?: unknown } | null)?.tasks;
      if (reduction === 'predict' && Array.isArray(tasks) && tasks.length > PREDICT_MAX_TASKS) throw new TooLargeError(tooManyTasksMessage(tasks.length));
      return value;
    }
    const answer = await sharedWorker!.parse(text, reduction);
    if (!answer.ok) {
      if (answer.error === 'depth') throw new BodyError(DEPTH_MESSAGE);
      if (answer.error === 'proto') throw new BodyError(PROTO_MESSAGE);
      throw new BodyError(`malformed JSON body: ${answer.error.replace(/^syntax:/, '')} (send a JSON body)`);
    }
    const tooManyTasks = (answer.value as { tooManyTasks?: number } | null)?.tooManyTasks;
    if (reduction === 'predict' && tooManyTasks !== undefined) throw new TooLargeError(tooManyTasksMessage(tooManyTasks));
    if (reduction !== 'relay') return answer.value;
    const relay = answer.value as { tooMany?: number; value?: unknown };
    if (relay.tooMany !== undefined) throw new BodyError(tooManyMessage(relay.tooMany));
    return relay.value;
  });
}

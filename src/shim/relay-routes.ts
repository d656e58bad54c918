/**
 * `POST /api/predictions`: where the plugin relays the predictions it made in the browser,
 * so that `/predict` can hand them to Label Studio. Accepts one
 * `{task, project, result, score, model_version}` or an array of them (bulk), each checked by
 * the same validator the plugin uses (`src/labelstudio/prediction-schema.ts`); all or nothing:
 * one invalid item rejects the post, with the first few problems and a count.
 *
 * Bounded whatever is posted: at most {@link RELAY_MAX_ITEMS} items (refused before any is
 * validated), error answers of at most {@link MAX_ERRORS_SHOWN} problems, the store's own
 * per-task and per-project limits. With auth on, the writer must be authorised
 * (relay-auth.ts).
 */
import type { FastifyPluginAsync } from 'fastify';
import { projectKey, validateTaskPrediction } from '../labelstudio/prediction-schema.ts';
import type { TaskPrediction } from '../labelstudio/types.ts';
import { installJsonBodyParser, RELAY_MAX_ITEMS, tooManyMessage } from './json-body.ts';
import { StoreFullError, StoreKeyError, StoreLimitError } from './prediction-store.ts';
import type { PredictionStore } from './prediction-store.ts';
import type { RelayAuthorizer } from './relay-auth.ts';
import type { ShimCounters } from './shim-counters.ts';

/** Largest relay body: ~3,000 predictions of a four-control config. */
export const RELAY_BODY_LIMIT = 1024 * 1024;
/** Problems listed in a 400 answer; the rest are counted. */
export const MAX_ERRORS_SHOWN = 5;

/** Options of {@link relayRoutes}. */
export interface RelayRoutesOptions {
  store: PredictionStore;
  counters: ShimCounters;
  /** Checks writers when auth is on; absent: the relay is open (no basic auth configured). */
  authorize?: RelayAuthorizer;
}

/** Fastify plugin with `POST /api/predictions` (mount under a prefix in proxy mode). */
export const relayRoutes: FastifyPluginAsync<RelayRoutesOptions> = async (app, { store, counters, authorize }) => {
  installJsonBodyParser(app, 'relay');
  app.post('/api/predictions', { bodyLimit: RELAY_BODY_LIMIT }, async (request, reply) => {
    const body = request.body;
    const items = Array.isArray(body) ? body : [body];
    if (items.length === 0) return reply.code(400).send({ error: 'no predictions: the array is empty' });
    if (items.length > RELAY_MAX_ITEMS) {
      return reply.code(400).send({ error: tooManyMessage(items.length) }); // (arrays are refused while parsing; a safety net)
    }

    const valid: TaskPrediction[] = [];
    const errors: string[] = [];
    let problems = 0;
    for (let i = 0; i < items.length; i += 1) {
      const checked = validateTaskPrediction(items[i], Array.isArray(body) ? `[${i}]` : '');
      if (checked.ok) valid.push(checked.value);
      else {
        problems += checked.errors.length;
        if (errors.length < MAX_ERRORS_SHOWN) errors.push(...checked.errors.slice(0, MAX_ERRORS_SHOWN - errors.length));
      }
    }
    if (problems > 0) {
      const more = problems - errors.length;
      return reply.code(400).send({
        error: `invalid prediction: ${errors.join('; ')}${more > 0 ? `; and ${more} more problems` : ''}`,
        errors,
        problems,
      });
    }

    if (authorize) {
      const verdict = await authorize(request, valid.map((p) => projectKey(p.project)));
      if (!verdict.ok) return reply.code(verdict.status).send({ error: verdict.error });
    }

    try {
      const stored = await store.append(valid);
      counters.predictionsRelayed += stored.length;
      return await reply.code(201).send({ stored: stored.length });
    } catch (error) {
      if (error instanceof StoreLimitError) return reply.code(507).send({ error: `not stored: ${error.message}` });
      if (error instanceof StoreKeyError) return reply.code(400).send({ error: `not stored: ${error.message}` });
      if (error instanceof StoreFullError) {
        request.log.error({ err: error }, 'prediction not stored: disk full');
        return reply.code(507).send({ error: 'not stored: the shim could not write to its data dir (disk full?); free space there, then post again' });
      }
      throw error;
    }
  });
};

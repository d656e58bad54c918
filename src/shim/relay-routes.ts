/**
 * `POST /api/predictions`: where the plugin relays the predictions it made in the browser,
 * so that `/predict` can hand them to Label Studio. Accepts one
 * `{task, project, result, score, model_version}` or an array of them (bulk), each checked by
 * the same validator the plugin uses (`src/labelstudio/prediction-schema.ts`); all or nothing:
 * one invalid item rejects the post, with every problem listed.
 *
 * No auth of its own: the browser posting from Label Studio's page holds no shim credentials.
 * CORS limits which pages may post; do not expose the shim beyond the network Label Studio
 * runs in.
 */
import type { FastifyPluginAsync } from 'fastify';
import { validateTaskPrediction } from '../labelstudio/prediction-schema.ts';
import type { TaskPrediction } from '../labelstudio/types.ts';
import type { PredictionStore } from './prediction-store.ts';
import type { ShimCounters } from './shim-counters.ts';

/** Largest relay body: ~3,000 predictions of a four-control config. */
export const RELAY_BODY_LIMIT = 1024 * 1024;

/** Options of {@link relayRoutes}. */
export interface RelayRoutesOptions {
  store: PredictionStore;
  counters: ShimCounters;
}

/** Fastify plugin with `POST /api/predictions` (mount under a prefix in proxy mode). */
export const relayRoutes: FastifyPluginAsync<RelayRoutesOptions> = async (app, { store, counters }) => {
  app.post('/api/predictions', { bodyLimit: RELAY_BODY_LIMIT }, async (request, reply) => {
    const body = request.body;
    const items = Array.isArray(body) ? body : [body];
    if (items.length === 0) return reply.code(400).send({ error: 'no predictions: the array is empty' });

    const valid: TaskPrediction[] = [];
    const errors: string[] = [];
    items.forEach((item, i) => {
      const checked = validateTaskPrediction(item, Array.isArray(body) ? `[${i}]` : '');
      if (checked.ok) valid.push(checked.value);
      else errors.push(...checked.errors);
    });
    if (errors.length > 0) {
      const shown = errors.slice(0, 20).join('; ');
      return reply.code(400).send({
        error: `invalid prediction: ${shown}${errors.length > 20 ? `; and ${errors.length - 20} more` : ''}`,
        errors,
      });
    }

    const stored = await store.append(valid);
    counters.predictionsRelayed += stored.length;
    return reply.code(201).send({ stored: stored.length });
  });
};

/**
 * Label Studio's ML backend protocol (DESIGN §4), answered from what browsers relayed:
 * `GET /` and `/health`, `POST /setup`, `POST /predict`, `POST /webhook`, `GET /metrics`.
 * Request bodies are checked by fastify's JSON schemas, on the fields the shim uses only: a
 * field it ignores (`schema`, `label_config`, `params`, ...) never fails Label Studio's call.
 */
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { Prediction } from '../labelstudio/types.ts';
import { basicAuthHook } from './basic-auth.ts';
import type { PredictionStore } from './prediction-store.ts';
import type { ShimCounters } from './shim-counters.ts';

/** `model_class` in health answers. */
export const MODEL_CLASS = 'CytoMLBrowserShim';

/**
 * The model version `/setup` reports before any browser posted a prediction for the project.
 * Stable (Label Studio skips tasks that already hold a prediction of the current version, so
 * a random or changing value would make it re-predict everything on every connect).
 */
export const DEFAULT_MODEL_VERSION = 'cyto-ml-browser';

/** Webhook actions that label-studio-ml-backend treats as training events. */
const TRAIN_EVENTS = new Set(['ANNOTATION_CREATED', 'ANNOTATION_UPDATED', 'ANNOTATION_DELETED', 'START_TRAINING']);

/** Options of {@link mlBackendRoutes}. */
export interface MlBackendRoutesOptions {
  store: PredictionStore;
  counters: ShimCounters;
  basicAuth?: { user: string; pass: string };
  bodyLimit: number;
}

// Label Studio sends "<id>.<created_ts>"; label-studio-ml-backend also accepts a bare id.
const projectSchema = { anyOf: [{ type: 'string', minLength: 1 }, { type: 'integer' }] } as const;

const setupSchema = {
  body: {
    type: 'object',
    required: ['project'],
    properties: { project: projectSchema },
  },
} as const;

const predictSchema = {
  body: {
    type: 'object',
    required: ['tasks'],
    properties: {
      tasks: {
        type: 'array',
        items: {
          type: 'object',
          required: ['id'],
          properties: { id: { type: 'integer', minimum: 1 }, project: { type: 'integer' } },
        },
      },
      project: projectSchema,
    },
  },
} as const;

const webhookSchema = {
  body: {
    type: 'object',
    required: ['action'],
    properties: {
      action: { type: 'string', minLength: 1 },
      project: { type: 'object', properties: { id: { type: 'integer' } } },
    },
  },
} as const;

interface PredictBody {
  tasks: Array<{ id: number; project?: number }>;
  project?: string | number;
}

/**
 * The `/predict` answer for the given tasks.
 *
 * Label Studio pairs answers with tasks by position: `zip(tasks, results)` in
 * `label_studio/ml/models.py` (`MLBackend.handle_prediction_results`; before 1.10,
 * `predict_many_tasks`), so there must be one entry per task, in order. That loop stops and
 * saves nothing for the whole batch at the first entry without a `result` key, and it stores
 * `response.get('model_version', 'undefined')`. Hence:
 *  - a task with a stored prediction gets it, with the version the browser made it with;
 *  - a task without one, in a batch where others have one, gets
 *    `{"result": [], "score": 0, "model_version": <current version>}`: it keeps the
 *    positions right and never aborts the batch; tagged with the current version, Label
 *    Studio stops asking for that task until a browser reports a newer version;
 *  - when no task has one, the answer is `{"results": []}`: `prediction_results_ready` then
 *    logs "ML backend returned empty prediction" and stores nothing, so the tasks stay
 *    eligible and are asked again later (the usual case: a task opened before any browser
 *    saw it).
 */
export function predictResults(store: PredictionStore, body: PredictBody): Prediction[] {
  const found = body.tasks.map((task) => {
    const project = body.project ?? task.project;
    return project === undefined ? undefined : store.get(project, task.id);
  });
  if (found.every((p) => p === undefined)) return [];
  return body.tasks.map((task, i) => {
    const p = found[i];
    if (p) return { result: p.result, score: p.score, model_version: p.model_version };
    const project = body.project ?? task.project;
    const version = (project === undefined ? undefined : store.latestModelVersion(project)) ?? DEFAULT_MODEL_VERSION;
    return { result: [], score: 0, model_version: version };
  });
}

/** Fastify plugin with the protocol routes; basic auth, when configured, covers all of them. */
export const mlBackendRoutes: FastifyPluginAsync<MlBackendRoutesOptions> = async (
  app: FastifyInstance,
  { store, counters, basicAuth, bodyLimit },
) => {
  if (basicAuth) app.addHook('onRequest', basicAuthHook(basicAuth));

  const health = async () => ({
    status: 'UP',
    model_class: MODEL_CLASS,
    predictions: store.stats().predictions,
    note: 'predictions are computed in annotators\' browsers and relayed here',
  });
  app.get('/', health);
  app.get('/health', health);

  app.post<{ Body: { project: string | number } }>('/setup', { schema: setupSchema, bodyLimit }, async (request) => {
    counters.setup += 1;
    return { model_version: store.latestModelVersion(request.body.project) ?? DEFAULT_MODEL_VERSION };
  });

  app.post<{ Body: PredictBody }>('/predict', { schema: predictSchema, bodyLimit }, async (request, reply) => {
    const missingProject = request.body.tasks.find((t) => request.body.project === undefined && t.project === undefined);
    if (missingProject) {
      return reply.code(400).send({ error: `project is missing: send "project" with the tasks (task ${missingProject.id} has none either)` });
    }
    const results = predictResults(store, request.body);
    counters.predictRequests += 1;
    counters.tasksAsked += request.body.tasks.length;
    counters.tasksAnswered += results.filter((r) => r.result.length > 0).length;
    return { results };
  });

  app.post<{ Body: { action: string; project?: { id?: number } } }>(
    '/webhook',
    { schema: webhookSchema, bodyLimit },
    async (request, reply) => {
      const { action } = request.body;
      if (!TRAIN_EVENTS.has(action)) return reply.code(200).send({ status: 'Unknown event' });
      counters.webhooks += 1;
      // Nothing to train here: the browsers learn from each annotation as it is submitted.
      return reply.code(201).send({
        result: { action, project: request.body.project?.id ?? null, trained: false, reason: 'labels are learnt in the annotators\' browsers' },
        status: 'ok',
      });
    },
  );

  app.get('/metrics', async () => ({ ...counters, store: store.stats() }));
};

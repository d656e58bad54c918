/**
 * Label Studio's ML backend protocol (DESIGN §4), answered from what browsers relayed:
 * `GET /` and `/health`, `POST /setup`, `POST /predict`, `POST /webhook`, `GET /metrics`.
 * Request bodies are checked by fastify's JSON schemas, on the fields the shim uses only: a
 * field it ignores (`schema`, `label_config`, `params`, ...) never fails Label Studio's call.
 */
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { Prediction } from '../labelstudio/types.ts';
import { basicAuthHook } from './basic-auth.ts';
import type { Reduction } from './json-worker.ts';
import { AnswerGate } from './answer-gate.ts';
import { installJsonBodyParser, PREDICT_MAX_TASKS } from './json-body.ts';
import { resultBytes } from './prediction-store.ts';
import type { PredictionStore, StoredPrediction } from './prediction-store.ts';
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
// A project key is a number or `<id>.<timestamp>`; the bound keeps it inside an LMDB key.
const projectSchema = { anyOf: [{ type: 'string', minLength: 1, maxLength: 256 }, { type: 'integer' }] } as const;

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
        maxItems: PREDICT_MAX_TASKS,
        items: {
          type: 'object',
          required: ['id'],
          properties: {
            // JSON numbers above 2^53 lose digits when parsed: such an id would name another task.
            id: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER },
            project: { type: 'integer' },
            predictions: { type: 'array', items: { type: 'object', properties: { model_version: { type: ['string', 'null'] } } } },
            total_annotations: { type: ['integer', 'null'] },
            annotations: { type: 'array', items: { type: 'object', properties: { was_cancelled: { type: ['boolean', 'null'] } } } },
          },
        },
      },
      project: projectSchema,
    },
  },
} as const;

// The answer's exact shape (stored results are clean copies, prediction-schema.ts), so fastify
// serialises it with a compiled serializer: about 1.5x faster than JSON.stringify for 100 tasks.
const choicesResultSchema = {
  type: 'object',
  required: ['id', 'from_name', 'to_name', 'type', 'value'],
  properties: {
    id: { type: 'string' }, from_name: { type: 'string' }, to_name: { type: 'string' }, type: { type: 'string' },
    value: { type: 'object', required: ['choices'], properties: { choices: { type: 'array', items: { type: 'string' } } } },
    score: { type: 'number' }, origin: { type: 'string' }, readonly: { type: 'boolean' },
  },
} as const;

const predictResponseSchema = {
  200: {
    type: 'object',
    required: ['results'],
    properties: {
      results: {
        type: 'array',
        items: {
          type: 'object',
          required: ['result', 'score', 'model_version'],
          properties: { result: { type: 'array', items: choicesResultSchema }, score: { type: 'number' }, model_version: { type: 'string' } },
        },
      },
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

interface PredictTask {
  id: number;
  project?: number;
  /** What Label Studio already stores for the task (TaskSimpleSerializer sends them). */
  predictions?: Array<{ model_version?: string | null }>;
  /** Annotations that are not skips (TaskSimpleSerializer's model field). */
  total_annotations?: number | null;
  /** The task's annotations, skipped ones (`was_cancelled`) included. */
  annotations?: Array<{ was_cancelled?: boolean | null }>;
}

interface PredictBody {
  tasks: PredictTask[];
  project?: string | number;
}

/** True when someone annotated the task (a skip does not count). */
function annotated(task: PredictTask): boolean {
  return (task.total_annotations ?? 0) > 0 || (task.annotations ?? []).some((a) => a.was_cancelled !== true);
}

/**
 * The prediction to hand Label Studio for one task, or undefined: the newest one relayed for it
 * (by arrival), unless Label Studio already holds that version on the task, or the task has an
 * annotation (a pre-annotation is for tasks nobody labelled yet). An older version is never
 * offered: it would sit on the task next to (or instead of) the newer one the browsers wrote.
 * Label Studio sends each task's `predictions` (model versions), `annotations` and
 * `total_annotations` with the call (`TaskSimpleSerializer`, fields `__all__`, in 1.12's
 * `ml/models.py` `predict_tasks`).
 */
export function predictionFor(store: PredictionStore, project: string | number, task: PredictTask): StoredPrediction | undefined {
  if (annotated(task)) return undefined;
  const newest = store.versions(project, task.id).at(-1);
  if (!newest) return undefined;
  if ((task.predictions ?? []).some((p) => p.model_version === newest.model_version)) return undefined;
  return newest;
}

/**
 * Largest `/predict` answer, in bytes of JSON results. Past it the answer is one entry, which
 * makes Label Studio ask task by task (see below), so no answer is much larger than one
 * prediction (at most the relay's 1 MiB body) or this budget: one request for a 1 MB prediction
 * 300 times answered 282 MiB (issue 19).
 */
export const PREDICT_ANSWER_BUDGET = 4 * 1024 * 1024;

/** Refusal of a task listed twice (Label Studio lists each task once). */
export class DuplicateTaskError extends Error {
  override name = 'DuplicateTaskError';
}

/**
 * The `/predict` answer for the given tasks; never an empty prediction (`result: []`), which
 * Label Studio would store and show as an empty prediction tab.
 *
 * How Label Studio reads the answer (`label_studio/ml/models.py`, 1.12 `predict_tasks` and
 * the newest `predict_and_save` / `_get_predictions_from_ml_backend`): `results: []` stores
 * nothing ("ML backend returned empty prediction"); exactly one result for several tasks
 * switches to one-by-one (it asks `/predict` again with each task alone and drops that first
 * answer); as many results as tasks are paired by position; any other count pairs a prefix
 * (1.12, i.e. wrong tasks) or stores nothing (newer); an entry without `result` (or `{}`)
 * aborts the whole batch in both; `{"result": []}` is stored as an empty prediction in both.
 * Hence:
 *  - every task has something new, within {@link PREDICT_ANSWER_BUDGET}: one entry per task, in order;
 *  - none has: `{"results": []}` (the tasks stay eligible and are asked again later);
 *  - some have, or all have but together exceed the budget: one entry only, so Label Studio
 *    asks task by task, and each single-task call gets its prediction or `[]`.
 * @throws DuplicateTaskError when a task id is listed twice.
 */
export async function predictResults(store: PredictionStore, body: PredictBody): Promise<{ results: Prediction[]; bytes: number }> {
  const found: Array<StoredPrediction | undefined> = [];
  const seen = new Set<number>();
  let bytes = 0;
  for (const [i, task] of body.tasks.entries()) {
    if (seen.has(task.id)) throw new DuplicateTaskError(`task ${task.id} is listed twice; list each task once`);
    seen.add(task.id);
    const project = body.project ?? task.project;
    const p = project === undefined ? undefined : predictionFor(store, project, task);
    if (p) bytes += resultBytes(p);
    found.push(p);
    // A store read not in the read cache costs a few µs: Retrieve on thousands of tasks yields
    // to other requests every 1,000 tasks instead of holding the loop for tens of ms.
    if (i % 1000 === 999) await new Promise((resolve) => setImmediate(resolve));
  }
  const have = found.filter((p): p is StoredPrediction => p !== undefined);
  const answer = (p: StoredPrediction): Prediction => ({ result: p.result, score: p.score, model_version: p.model_version });
  if (have.length === 0) return { results: [], bytes: 0 };
  if (have.length === found.length && (have.length === 1 || bytes <= PREDICT_ANSWER_BUDGET)) return { results: have.map(answer), bytes };
  // Mixed or over budget: one entry makes Label Studio go one task at a time.
  return { results: [answer(have[0])], bytes: resultBytes(have[0]) };
}

/** Fastify plugin with the protocol routes; basic auth, when configured, covers all of them. */
export const mlBackendRoutes: FastifyPluginAsync<MlBackendRoutesOptions> = async (
  app: FastifyInstance,
  { store, counters, basicAuth, bodyLimit },
) => {
  if (basicAuth) app.addHook('onRequest', basicAuthHook(basicAuth));
  // 8 answers at the budget; beyond 32 waiting, 503.
  const gate = new AnswerGate(8 * PREDICT_ANSWER_BUDGET, 32);
  // Each POST route in its own scope, for its own JSON parser: a large body is parsed off the
  // event loop and reduced to the fields that route reads.
  const scoped = async (reduction: Reduction, routes: (scope: FastifyInstance) => void) =>
    app.register(async (scope) => {
      installJsonBodyParser(scope, reduction);
      routes(scope);
    });

  const health = async () => ({
    status: 'UP',
    model_class: MODEL_CLASS,
    predictions: store.stats().predictions,
    note: 'predictions are computed in annotators\' browsers and relayed here',
  });
  app.get('/', health);
  app.get('/health', health);

  await scoped('setup', (scope) => scope.post<{ Body: { project: string | number } }>('/setup', { schema: setupSchema, bodyLimit }, async (request) => {
    counters.setup += 1;
    return { model_version: store.latestModelVersion(request.body.project) ?? DEFAULT_MODEL_VERSION };
  }));

  await scoped('predict', (scope) => scope.post<{ Body: PredictBody }>('/predict', { schema: { ...predictSchema, response: predictResponseSchema }, bodyLimit }, async (request, reply) => {
    const missingProject = request.body.tasks.find((t) => request.body.project === undefined && t.project === undefined);
    if (missingProject) {
      return reply.code(400).send({ error: `project is missing: send "project" with the tasks (task ${missingProject.id} has none either)` });
    }
    let answer: Awaited<ReturnType<typeof predictResults>>;
    try {
      answer = await predictResults(store, request.body);
    } catch (error) {
      if (error instanceof DuplicateTaskError) return reply.code(400).send({ error: error.message });
      throw error;
    }
    const { results, bytes } = answer;
    // Large answers in flight are bounded together (a slow reader holds its answer's memory).
    const turn = gate.acquire(bytes);
    if (!turn) {
      return reply.code(503).header('retry-after', '1').send({ error: 'the shim is busy sending other large /predict answers; try again in a second' });
    }
    const release = await turn;
    reply.raw.once('close', release);
    counters.predictRequests += 1;
    counters.tasksAsked += request.body.tasks.length;
    counters.tasksAnswered += results.length === request.body.tasks.length ? results.length : 0;
    return { results };
  }));

  await scoped('webhook', (scope) => scope.post<{ Body: { action: string; project?: { id?: number } } }>(
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
  ));

  app.get('/metrics', async () => ({ ...counters, store: store.stats() }));
};

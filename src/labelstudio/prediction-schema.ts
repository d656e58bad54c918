/**
 * Validation of the prediction shape Label Studio shows (DESIGN §3): a Choices result needs
 * `from_name`, `to_name`, `type: "choices"` and `value.choices` (strings), or Label Studio
 * stores it and shows nothing. Pure TypeScript, no dependencies: the plugin checks what it is
 * about to post with the same code the shim uses to accept it, so the two never disagree.
 *
 * Validators return a clean copy holding only the known fields (extra keys are dropped, so a
 * stored prediction never carries whatever else a client sent) or a list of messages, each
 * naming the path of the offending value.
 */
import type { ChoicesResult, Prediction, TaskPrediction } from './types.ts';

/** Outcome of a validation: the cleaned value, or every problem found. */
export type Validation<T> = { ok: true; value: T } | { ok: false; errors: string[] };

/** Bounds that keep one stored prediction small; far above what a real config produces. */
export const PREDICTION_LIMITS = Object.freeze({
  /** Results per prediction (one per Choices control; configs have a handful). */
  maxResults: 200,
  /** Choices selected in one result. */
  maxChoices: 500,
  /** Length of any string (names, choice values, ids, model versions, project keys). */
  maxString: 1000,
});

type Errors = string[];

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'string' ? `the string ${JSON.stringify(v.slice(0, 40))}` : `${typeof v} ${String(v)}`;
}

function checkString(v: unknown, path: string, errors: Errors): v is string {
  if (typeof v !== 'string' || v.length === 0) {
    errors.push(`${path} must be a non-empty string, got ${describe(v)}`);
    return false;
  }
  if (v.length > PREDICTION_LIMITS.maxString) {
    errors.push(`${path} is longer than ${PREDICTION_LIMITS.maxString} characters`);
    return false;
  }
  return true;
}

function checkScore(v: unknown, path: string, errors: Errors): v is number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 1) {
    errors.push(`${path} must be a number from 0 to 1, got ${describe(v)}`);
    return false;
  }
  return true;
}

function checkChoicesResult(v: unknown, path: string, errors: Errors): ChoicesResult | undefined {
  if (!isObject(v)) {
    errors.push(`${path} must be an object, got ${describe(v)}`);
    return undefined;
  }
  const before = errors.length;
  checkString(v.id, `${path}.id`, errors);
  checkString(v.from_name, `${path}.from_name`, errors);
  checkString(v.to_name, `${path}.to_name`, errors);
  if (v.type !== 'choices') {
    errors.push(`${path}.type must be "choices" (lower case), got ${describe(v.type)}`);
  }
  const value = v.value;
  if (!isObject(value) || !Array.isArray(value.choices)) {
    errors.push(`${path}.value must be {"choices": [...]}, got ${describe(value)}`);
  } else if (value.choices.length === 0 || value.choices.length > PREDICTION_LIMITS.maxChoices) {
    errors.push(`${path}.value.choices must hold 1 to ${PREDICTION_LIMITS.maxChoices} choices`);
  } else {
    value.choices.forEach((c, i) => checkString(c, `${path}.value.choices[${i}]`, errors));
  }
  if (v.score !== undefined) checkScore(v.score, `${path}.score`, errors);
  if (v.origin !== undefined && v.origin !== 'prediction' && v.origin !== 'manual') {
    errors.push(`${path}.origin must be "prediction" or "manual", got ${describe(v.origin)}`);
  }
  if (v.readonly !== undefined && typeof v.readonly !== 'boolean') {
    errors.push(`${path}.readonly must be a boolean, got ${describe(v.readonly)}`);
  }
  if (errors.length > before) return undefined;

  const clean: ChoicesResult = {
    id: v.id as string,
    from_name: v.from_name as string,
    to_name: v.to_name as string,
    type: 'choices',
    value: { choices: [...(value as { choices: string[] }).choices] },
  };
  if (v.score !== undefined) clean.score = v.score as number;
  if (v.origin !== undefined) clean.origin = v.origin as ChoicesResult['origin'];
  if (v.readonly !== undefined) clean.readonly = v.readonly as boolean;
  return clean;
}

function checkPrediction(v: Record<string, unknown>, path: string, errors: Errors): Prediction | undefined {
  const before = errors.length;
  checkString(v.model_version, `${path}model_version`, errors);
  if (v.model_version === 'undefined') {
    errors.push(`${path}model_version must name a real version, not the string "undefined"`);
  }
  checkScore(v.score, `${path}score`, errors);
  const result: ChoicesResult[] = [];
  if (!Array.isArray(v.result)) {
    errors.push(`${path}result must be an array of choices results, got ${describe(v.result)}`);
  } else if (v.result.length === 0 || v.result.length > PREDICTION_LIMITS.maxResults) {
    errors.push(`${path}result must hold 1 to ${PREDICTION_LIMITS.maxResults} choices results`);
  } else {
    v.result.forEach((r, i) => {
      const clean = checkChoicesResult(r, `${path}result[${i}]`, errors);
      if (clean) result.push(clean);
    });
  }
  if (errors.length > before) return undefined;
  return { model_version: v.model_version as string, score: v.score as number, result };
}

/**
 * Checks a prediction as Label Studio stores it (`{model_version, score, result}`), every
 * result a Choices result.
 */
export function validatePrediction(v: unknown): Validation<Prediction> {
  if (!isObject(v)) return { ok: false, errors: [`prediction must be an object, got ${describe(v)}`] };
  const errors: Errors = [];
  const value = checkPrediction(v, '', errors);
  return value ? { ok: true, value } : { ok: false, errors };
}

/**
 * Checks a prediction bound to a task, as the plugin posts it to the shim's relay:
 * `{task, project, result, score, model_version}`. `task` is Label Studio's task id (a
 * positive integer); `project` a non-empty string (`"12"` or Label Studio's `"12.1700000000"`).
 * `path` prefixes messages, e.g. `"[3]"` for the fourth item of a bulk post.
 */
export function validateTaskPrediction(v: unknown, path = ''): Validation<TaskPrediction> {
  const where = path ? `${path}.` : '';
  if (!isObject(v)) {
    return { ok: false, errors: [`${path || 'prediction'} must be an object, got ${describe(v)}`] };
  }
  const errors: Errors = [];
  if (typeof v.task !== 'number' || !Number.isSafeInteger(v.task) || v.task < 1) {
    errors.push(`${where}task must be a positive integer task id, got ${describe(v.task)}`);
  }
  checkString(v.project, `${where}project`, errors);
  const prediction = checkPrediction(v, where, errors);
  if (!prediction || errors.length > 0) return { ok: false, errors };
  return { ok: true, value: { task: v.task as number, project: v.project as string, ...prediction } };
}

/**
 * The numeric project key: Label Studio sends `"<id>.<created_ts>"` to ML backends, the REST
 * API and the plugin know `<id>`. Both map to `"<id>"`; other keys (a demo project) stay as is.
 */
export function projectKey(project: string | number): string {
  const text = String(project);
  const match = /^(\d+)(?:\.\d+)?$/.exec(text);
  return match ? match[1] : text;
}

/**
 * Parses large JSON bodies off the event loop. `JSON.parse` of a few megabytes blocks for
 * 50-500 ms on a small machine (a 1 MiB post of 340,000 `{}` took ~100 ms, 8 MB of Label
 * Studio tasks ~150 ms), during which no other request is answered. Bodies above
 * {@link WORKER_THRESHOLD} go to one worker thread, which parses them, checks nesting and
 * prototype keys, and sends back only what the route reads (a reduction per route), so the
 * main thread never deserialises the whole document either.
 *
 * The worker is plain JavaScript passed as a string (`eval: true`): it needs no loader (tsx,
 * vitest) and no file next to a bundled `cli.cjs`.
 */
import { Worker } from 'node:worker_threads';

/** Bodies at least this long (characters) are parsed in the worker; smaller ones inline (< 1 ms). */
export const WORKER_THRESHOLD = 64 * 1024;

/** What a route keeps of a large body. */
export type Reduction = 'relay' | 'predict' | 'setup' | 'webhook';

/** The worker's answer: the reduced value, or a client error message. */
type WorkerAnswer = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string };

// The worker's source. Kept small and dependency-free; `limits` arrive as workerData.
const WORKER_SOURCE = String.raw`
const { parentPort, workerData } = require('node:worker_threads');
const { maxDepth, relayMaxItems, predictMaxTasks } = workerData;
function depth(text) {
  let d = 0, inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (inString) { if (c === 92) i += 1; else if (c === 34) inString = false; }
    else if (c === 34) inString = true;
    else if (c === 91 || c === 123) { d += 1; if (d > maxDepth) return -1; }
    else if (c === 93 || c === 125) d -= 1;
  }
  return 0;
}
// The same test secure-json-parse applies before walking the document.
const PROTO = /"(?:_|\\u005[Ff])(?:_|\\u005[Ff])(?:p|\\u0070)(?:r|\\u0072)(?:o|\\u006[Ff])(?:t|\\u0074)(?:o|\\u006[Ff])(?:_|\\u005[Ff])(?:_|\\u005[Ff])"\s*:/;
const CONSTRUCTOR = /"(?:c|\\u0063)(?:o|\\u006[Ff])(?:n|\\u006[Ee])(?:s|\\u0073)(?:t|\\u0074)(?:r|\\u0072)(?:u|\\u0075)(?:c|\\u0063)(?:t|\\u0074)(?:o|\\u006[Ff])(?:r|\\u0072)"\s*:/;
function poisoned(value) {
  const stack = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (v === null || typeof v !== 'object') continue;
    if (Object.prototype.hasOwnProperty.call(v, '__proto__')) return true;
    if (Object.prototype.hasOwnProperty.call(v, 'constructor') && v.constructor !== null && typeof v.constructor === 'object' &&
        Object.prototype.hasOwnProperty.call(v.constructor, 'prototype')) return true;
    for (const k in v) stack.push(v[k]);
  }
  return false;
}
const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
// What goes back to the main thread is small and flat: a field the route does not read is
// dropped, and one of the wrong type comes back as an empty stand-in of its kind (the schema
// then names the problem) instead of the whole structure (8 MiB of nested arrays cost 1.7 s
// to clone back and validate, issue 19).
const stub = (v) => (v === null || typeof v !== 'object' ? v : Array.isArray(v) ? [] : {});
const reduce = {
  relay(v) {
    // Too many items: only the count comes back (the route refuses it), never the items.
    if (Array.isArray(v) && v.length > relayMaxItems) return { tooMany: v.length };
    return { value: v };
  },
  predict(v) {
    if (!isObject(v)) return stub(v);
    if (!Array.isArray(v.tasks)) return { project: stub(v.project), tasks: stub(v.tasks) };
    if (v.tasks.length > predictMaxTasks) return { tooManyTasks: v.tasks.length };
    return {
      project: stub(v.project),
      tasks: v.tasks.map((t) => !isObject(t) ? stub(t) : {
        id: stub(t.id), project: stub(t.project),
        // Only the model versions Label Studio holds, each once.
        predictions: Array.isArray(t.predictions)
          ? [...new Set(t.predictions.map((p) => isObject(p) ? stub(p.model_version) : p))].map((m) => ({ model_version: m }))
          : stub(t.predictions),
        total_annotations: stub(t.total_annotations),
        // Whether one annotation was not a skip is all the route reads.
        annotations: Array.isArray(t.annotations)
          ? (t.annotations.some((a) => isObject(a) && a.was_cancelled !== true) ? [{ was_cancelled: false }] : [])
          : stub(t.annotations),
      }),
    };
  },
  setup(v) { return isObject(v) ? { project: stub(v.project) } : stub(v); },
  webhook(v) { return isObject(v) ? { action: stub(v.action), project: isObject(v.project) ? { id: stub(v.project.id) } : stub(v.project) } : stub(v); },
};
parentPort.on('message', ({ id, text, reduction }) => {
  try {
    if (depth(text) < 0) return parentPort.postMessage({ id, ok: false, error: 'depth' });
    const value = JSON.parse(text);
    if ((PROTO.test(text) || CONSTRUCTOR.test(text)) && poisoned(value)) return parentPort.postMessage({ id, ok: false, error: 'proto' });
    parentPort.postMessage({ id, ok: true, value: reduce[reduction](value) });
  } catch (error) {
    parentPort.postMessage({ id, ok: false, error: 'syntax:' + error.message });
  }
});
`;

/** One worker, started on first use and unref'd (it never keeps the process alive). */
export class JsonWorker {
  private worker: Worker | undefined;
  private nextId = 0;
  private readonly waiting = new Map<number, (answer: WorkerAnswer) => void>();

  constructor(private readonly limits: { maxDepth: number; relayMaxItems: number; predictMaxTasks: number }) {}

  private start(): Worker {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: this.limits });
    worker.unref();
    worker.on('message', (answer: WorkerAnswer) => {
      this.waiting.get(answer.id)?.(answer);
      this.waiting.delete(answer.id);
    });
    const failAll = (why: string) => {
      for (const [id, settle] of this.waiting) settle({ id, ok: false, error: `syntax:the JSON parser stopped (${why})` });
      this.waiting.clear();
      this.worker = undefined; // a new one on next use
    };
    worker.on('error', (error: Error) => failAll(error.message));
    worker.on('exit', (code) => failAll(`exit ${code}`));
    return worker;
  }

  /** Starts the worker if it is not running. */
  warm(): void {
    this.worker ??= this.start();
  }

  /** Parses `text` in the worker and returns the route's reduction, or an error code/message. */
  parse(text: string, reduction: Reduction): Promise<WorkerAnswer> {
    this.worker ??= this.start();
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.worker!.postMessage({ id, text, reduction });
    });
  }

  /** Stops the worker. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }
}

/**
 * Writes to Label Studio that have their effect once, however often they are sent.
 *
 * `POST /api/predictions/` and `POST /api/tasks/{id}/annotations/` are not idempotent: a reply
 * lost after the server stored the write, a reload, a "Run again" or a second tab each sent one
 * more, and Label Studio kept them all. So before writing, this asks the server what it has:
 *
 * - a prediction: none is written to a task a person annotated meanwhile (it could only
 *   contradict them), nor to a task holding a newer version of ours (labels time, model-version.ts);
 *   otherwise the task's predictions of the same `model_version` — one found is updated in
 *   place (`PATCH`); after a `POST` the list is read again; either way every other prediction
 *   of ours on the task goes (`predictionsToRemove`: older labels times, equal times of another
 *   fit, extra copies of this version from a racing browser), so a task carries one suggestion
 *   of ours, the newest, and the editor's prediction list does not grow with every label;
 * - an annotation (bulk labelling): none is written when the task already has a (not
 *   cancelled) annotation in Label Studio, whoever made it;
 * - the project's `model_version`: not moved to a version older than the one it has
 *   (model-version.ts orders versions by the time of the labels they learnt from).
 *
 * Predictions queued by Pre-annotate (the bulk import format) do not come here one by one: the
 * returned fetch carries a batch sender (prediction-batch.ts) that applies the same rules to
 * all of them with a few requests. The per-request path stays for items queued before that.
 *
 * A skipped write answers 200 with `{"skipped": "<why>"}` and the header `X-Cyto-Ml-Skipped`,
 * so the outbox counts it as done. Within one browser the outbox sends one write at a time
 * across tabs (Web Locks), so check-then-write cannot race itself there.
 */
import { hasNewerThan, isNotOlder, predictionsToRemove } from './model-version.ts';
import { labelStudioPredictionBatch } from './prediction-batch.ts';
import type { OutboxFetch } from '../store/outbox.ts';

/** Header on a synthetic answer for a write that was not needed. */
export const SKIPPED_HEADER = 'X-Cyto-Ml-Skipped';

interface ListedPrediction { id: number; model_version?: string | null }
interface ListedAnnotation { id: number; was_cancelled?: boolean }

function skipped(why: string, extra: Record<string, unknown> = {}): Response {
  return new Response(JSON.stringify({ skipped: why, ...extra }), {
    status: 200,
    headers: { 'Content-Type': 'application/json', [SKIPPED_HEADER]: why },
  });
}

function parseBody(init: RequestInit): Record<string, unknown> | undefined {
  if (typeof init.body !== 'string') return undefined;
  try {
    const body = JSON.parse(init.body) as unknown;
    return body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Wrap the outbox's fetch (already adding credentials) so Label Studio writes are idempotent. */
export function idempotentLabelStudioWrites(inner: OutboxFetch, labelStudioBase: string): OutboxFetch {
  const base = new URL(labelStudioBase.replace(/\/?$/, '/'));
  const at = (path: string) => new URL(path, base).href;
  const get = (path: string) => inner(at(path), { method: 'GET' });

  const predictionsOf = async (task: number, version: string): Promise<{ response?: Response; all: ListedPrediction[]; same: ListedPrediction[] }> => {
    const response = await get(`api/predictions/?task=${task}`);
    if (!response.ok) return { response, all: [], same: [] };
    const list = (await response.json()) as ListedPrediction[] | { results?: ListedPrediction[] };
    const all = Array.isArray(list) ? list : (list.results ?? []);
    return { all, same: all.filter((p) => p.model_version === version).sort((a, b) => a.id - b.id) };
  };

  const removeExtras = async (extras: readonly { id: number }[]) => {
    for (const extra of extras) await inner(at(`api/predictions/${extra.id}/`), { method: 'DELETE' });
  };

  const wrapped: OutboxFetch = async (url, init) => {
    const method = (init.method ?? 'GET').toUpperCase();
    let path: string;
    try {
      const u = new URL(url);
      if (u.origin !== base.origin || !u.pathname.startsWith(base.pathname)) return inner(url, init);
      path = u.pathname.slice(base.pathname.length);
    } catch {
      return inner(url, init);
    }
    const body = parseBody(init);

    if (method === 'POST' && path === 'api/predictions/' && body && Number.isInteger(body.task) && typeof body.model_version === 'string') {
      const task = body.task as number;
      const version = body.model_version;
      const annotations = await get(`api/tasks/${task}/annotations/`);
      if (!annotations.ok) return annotations;
      const people = ((await annotations.json()) as ListedAnnotation[]).filter((a) => !a.was_cancelled);
      if (people.length > 0) return skipped('task-annotated', { annotation: people[0].id });
      const before = await predictionsOf(task, version);
      if (before.response) return before.response;
      // A newer version of ours is there (another browser learnt more): this one is stale.
      if (before.same.length === 0 && hasNewerThan(before.all, version)) return skipped('newer-version');
      if (before.same.length > 0) {
        const [keep] = before.same;
        const patched = await inner(at(`api/predictions/${keep.id}/`), {
          ...init, method: 'PATCH', body: JSON.stringify({ result: body.result, score: body.score }),
        });
        if (patched.ok) await removeExtras(predictionsToRemove(before.all, version));
        return patched;
      }
      const created = await inner(url, init);
      if (created.ok) {
        const after = await predictionsOf(task, version);
        if (!after.response) await removeExtras(predictionsToRemove(after.all, version));
      }
      return created;
    }

    const annotationPath = /^api\/tasks\/(\d+)\/annotations\/?$/.exec(path);
    if (method === 'POST' && annotationPath) {
      const response = await get(`api/tasks/${annotationPath[1]}/annotations/`);
      if (!response.ok) return response;
      const existing = ((await response.json()) as ListedAnnotation[]).filter((a) => !a.was_cancelled);
      if (existing.length > 0) return skipped('already-annotated', { annotation: existing[0].id });
      return inner(url, init);
    }

    const projectPath = /^api\/projects\/(\d+)\/?$/.exec(path);
    if (method === 'PATCH' && projectPath && body && typeof body.model_version === 'string' && Object.keys(body).length === 1) {
      const response = await get(`api/projects/${projectPath[1]}/`);
      if (!response.ok) return response;
      const current = ((await response.json()) as { model_version?: string | null }).model_version;
      if (current === body.model_version) return skipped('same-version');
      if (!isNotOlder(body.model_version, current)) return skipped('newer-version-set', { model_version: current });
      const patched = await inner(url, init);
      if (patched.status === 400) {
        // Label Studio accepts a version only once predictions of it are stored ("doesn't exist
        // either as live model or as static predictions"): they are still queued, so try later.
        const text = await patched.clone().text();
        if (/doesn.t exist|does not exist/i.test(text)) {
          return new Response(JSON.stringify({ detail: `no stored predictions of ${body.model_version} yet; retried` }), { status: 503 });
        }
      }
      return patched;
    }

    return inner(url, init);
  };
  // Queued predictions in the import format go out many at a time (prediction-batch.ts).
  wrapped.batch = labelStudioPredictionBatch(inner, labelStudioBase);
  return wrapped;
}

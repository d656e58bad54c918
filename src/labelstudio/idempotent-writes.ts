/**
 * Writes to Label Studio that have their effect once, however often they are sent.
 *
 * `POST /api/predictions/` and `POST /api/tasks/{id}/annotations/` are not idempotent: a reply
 * lost after the server stored the write, a reload, a "Run again" or a second tab each sent one
 * more, and Label Studio kept them all. So before writing, this asks the server what it has:
 *
 * - a prediction: none is written to a task a person annotated meanwhile (it could only
 *   contradict them); otherwise the task's predictions of the same `model_version` — one found is updated in
 *   place (`PATCH`), extra copies (an earlier bug, another browser racing) are deleted, keeping
 *   the oldest; after a `POST` the list is read again, and a copy another browser stored at the
 *   same moment is removed the same way, so one (task, model version) ends with one prediction;
 *   once the new one is stored, this model's older versions on that task are deleted (their
 *   labels learnt less), so a task carries one suggestion of ours, the newest, and the
 *   editor's prediction list does not grow with every label the team adds;
 * - an annotation (bulk labelling): none is written when the task already has a (not
 *   cancelled) annotation in Label Studio, whoever made it;
 * - the project's `model_version`: not moved to a version older than the one it has
 *   (model-version.ts orders versions by the time of the labels they learnt from).
 *
 * A skipped write answers 200 with `{"skipped": "<why>"}` and the header `X-Cyto-Ml-Skipped`,
 * so the outbox counts it as done. Within one browser the outbox sends one write at a time
 * across tabs (Web Locks), so check-then-write cannot race itself there.
 */
import { isNotOlder, parseModelVersion } from './model-version.ts';
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

  const predictionsOf = async (task: number, version: string): Promise<{ response?: Response; same: ListedPrediction[]; superseded: ListedPrediction[] }> => {
    const response = await get(`api/predictions/?task=${task}`);
    if (!response.ok) return { response, same: [], superseded: [] };
    const list = (await response.json()) as ListedPrediction[] | { results?: ListedPrediction[] };
    const all = Array.isArray(list) ? list : (list.results ?? []);
    const model = parseModelVersion(version)?.model;
    // Ours, of the same model, strictly older: another model's or a person's tool's stay.
    const superseded = model === undefined ? [] : all.filter((p) => {
      const other = p.model_version ?? '';
      return other !== version && parseModelVersion(other)?.model === model && !isNotOlder(other, version);
    });
    return { same: all.filter((p) => p.model_version === version).sort((a, b) => a.id - b.id), superseded };
  };

  const removeExtras = async (extras: readonly ListedPrediction[]) => {
    for (const extra of extras) await inner(at(`api/predictions/${extra.id}/`), { method: 'DELETE' });
  };

  return async (url, init) => {
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
      if (before.same.length > 0) {
        const [keep, ...extras] = before.same;
        const patched = await inner(at(`api/predictions/${keep.id}/`), {
          ...init, method: 'PATCH', body: JSON.stringify({ result: body.result, score: body.score }),
        });
        if (patched.ok) await removeExtras([...extras, ...before.superseded]);
        return patched;
      }
      const created = await inner(url, init);
      if (created.ok) {
        const after = await predictionsOf(task, version);
        if (!after.response) await removeExtras([...after.same.slice(1), ...after.superseded]);
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
}

/**
 * How often our stored suggestions matched what people then submitted, read from Label Studio's
 * own records (tasks with their predictions and annotations), for the whole team.
 *
 * Why: the benchmark measures quality on the images we have (ndsb-dev, one in-situ imager);
 * a lab's own instrument (a colour FlowCam, a cytometer) can do much worse, and only its own
 * labels can say so. Every annotation made after one of our predictions was stored for its
 * task is such a check, and Label Studio keeps both with their server times.
 *
 * What counts as one check: a task's annotation (not skipped) and the newest prediction of ours
 * (a `model_version` model-version.ts can parse) created before that annotation, per control the
 * prediction answered: agreed when the submitted choices equal the suggested ones (as sets;
 * a control the annotation left empty has no choices). A prediction written after the annotation
 * is never counted: the learner may have learnt that very label. Several annotators on one task
 * are several checks.
 */
import { parseModelVersion } from './model-version.ts';
import type { LabelStudioTask } from './types.ts';

/** One suggestion checked against one submitted annotation. */
export interface AgreementCheck {
  taskId: number;
  control: string;
  suggested: string[];
  submitted: string[];
  /** The suggestion's own score (the per-result score, else the prediction's). */
  score: number;
  agreed: boolean;
}

/** Score bands the summary splits by: what a person reads off the badge. */
export const SCORE_BANDS = [
  { label: 'score ≥ 0.8', lo: 0.8, hi: Infinity },
  { label: '0.5–0.8', lo: 0.5, hi: 0.8 },
  { label: 'below 0.5', lo: -Infinity, hi: 0.5 },
] as const;

export interface BandTally {
  label: string;
  checked: number;
  agreed: number;
  /** Mean score of the band's suggestions (what agreement should be near, if scores are honest). */
  meanScore: number;
}

export interface ControlAgreement {
  control: string;
  checked: number;
  agreed: number;
  meanScore: number;
  bands: BandTally[];
}

interface ChoicesItem {
  from_name?: unknown;
  type?: unknown;
  value?: { choices?: unknown };
  score?: unknown;
}

/** Epoch ms of an ISO time, or NaN. */
function timeOf(value: unknown): number {
  return typeof value === 'string' ? Date.parse(value) : Number.NaN;
}

/** Control name → chosen values of the Choices results of a result list. */
function choicesByControl(result: unknown): Map<string, { choices: string[]; score?: number }> {
  const out = new Map<string, { choices: string[]; score?: number }>();
  if (!Array.isArray(result)) return out;
  for (const raw of result as ChoicesItem[]) {
    if (!raw || raw.type !== 'choices' || typeof raw.from_name !== 'string') continue;
    const choices = Array.isArray(raw.value?.choices) ? raw.value.choices.filter((c): c is string => typeof c === 'string') : [];
    const previous = out.get(raw.from_name);
    out.set(raw.from_name, {
      choices: [...(previous?.choices ?? []), ...choices],
      ...(typeof raw.score === 'number' ? { score: raw.score } : previous?.score !== undefined ? { score: previous.score } : {}),
    });
  }
  return out;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const sa = new Set(a);
  const sb = new Set(b);
  return sa.size === sb.size && [...sa].every((x) => sb.has(x));
}

/** Every check the tasks hold (tasks as `GET /api/tasks?fields=all` lists them). */
export function agreementChecks(tasks: readonly LabelStudioTask[]): AgreementCheck[] {
  const checks: AgreementCheck[] = [];
  for (const task of tasks) {
    const ours = (task.predictions ?? [])
      .filter((p) => typeof p.model_version === 'string' && parseModelVersion(p.model_version) !== null)
      .map((p) => ({ p, at: timeOf(p.created_at) }))
      .filter((x) => Number.isFinite(x.at))
      .sort((a, b) => a.at - b.at);
    if (ours.length === 0) continue;
    for (const annotation of task.annotations ?? []) {
      if (annotation.was_cancelled === true) continue;
      const at = timeOf(annotation.created_at);
      if (!Number.isFinite(at)) continue;
      const before = ours.filter((x) => x.at < at).pop();
      if (!before) continue;
      const submitted = choicesByControl(annotation.result);
      for (const [control, suggestion] of choicesByControl(before.p.result)) {
        if (suggestion.choices.length === 0) continue;
        const given = submitted.get(control)?.choices ?? [];
        const score = suggestion.score ?? (typeof before.p.score === 'number' ? before.p.score : Number.NaN);
        if (!Number.isFinite(score)) continue;
        checks.push({ taskId: task.id, control, suggested: suggestion.choices, submitted: given, score, agreed: sameSet(suggestion.choices, given) });
      }
    }
  }
  return checks;
}

/** Per control, in first-seen order: how many checks, how many agreed, by score band. */
export function summariseAgreement(checks: readonly AgreementCheck[]): ControlAgreement[] {
  const byControl = new Map<string, AgreementCheck[]>();
  for (const c of checks) byControl.set(c.control, [...(byControl.get(c.control) ?? []), c]);
  return [...byControl].map(([control, list]) => ({
    control,
    ...tally(list),
    bands: SCORE_BANDS.map((band) => ({ label: band.label, ...tally(list.filter((c) => c.score >= band.lo && c.score < band.hi)) })),
  }));
}

function tally(list: readonly AgreementCheck[]): { checked: number; agreed: number; meanScore: number } {
  const agreed = list.filter((c) => c.agreed).length;
  const meanScore = list.length ? list.reduce((s, c) => s + c.score, 0) / list.length : 0;
  return { checked: list.length, agreed, meanScore };
}

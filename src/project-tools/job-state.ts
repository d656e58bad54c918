/**
 * The pre-annotation job as a state machine: a pure reducer, so every transition is tested
 * without a browser, and the runner (preannotate-job.ts) cannot drift into a state the UI
 * does not know how to show.
 *
 *   idle ─start→ listing ─listed→ embedding ─embedded*→ … ─fitting→ fitting ─fitted→ predicting
 *   ─learnt→ ─predicted*→ … ─queued→ storing ─storing*→ … ─stored→ done;   any running phase ─pause→ paused ─start→ listing;
 *   any running phase ─fail→ failed ─start→ listing;  done ─start→ listing (a new run).
 */

export type JobPhase = 'idle' | 'listing' | 'embedding' | 'fitting' | 'predicting' | 'storing' | 'done' | 'paused' | 'failed';

export interface JobState {
  phase: JobPhase;
  /** Tasks of the project. */
  total: number;
  /** Tasks whose images are embedded (including those done in an earlier run). */
  embedded: number;
  /** Of `embedded`, those done before this run started (a resume). */
  resumed: number;
  /** Tasks whose image could not be embedded in this run (404, not an image…). */
  failed: number;
  /** Predictions made (queued for writing) in this run. */
  predicted: number;
  /** Of `predicted`, those still waiting to be stored in the project's server (phase `storing`). */
  unstored: number;
  /** Tasks not predicted because they already have an annotation (a prediction must not contradict it). */
  annotated: number;
  /** Embedded, unannotated tasks the learner had no suggestion for (nothing reached the threshold). */
  unsure: number;
  /** Labelled examples the learner had when predicting. */
  labelled: number;
  /** Why the predictions may be few or weak (too few labels per class), in plain words. */
  warning?: string;
  /** The model_version of the written predictions. */
  modelVersion?: string;
  /** Last error in plain words (a failed task, or why the job failed). */
  error?: string;
}

export type JobEvent =
  | { type: 'start' }
  | { type: 'listed'; total: number; alreadyEmbedded: number }
  | { type: 'embedded'; ok: number; failed: number; error?: string }
  | { type: 'fitting' }
  | { type: 'fitted' }
  | { type: 'learnt'; labelled: number; warning?: string }
  | { type: 'predicted'; count: number; annotated?: number; unsure?: number }
  | { type: 'queued'; modelVersion?: string }
  | { type: 'storing'; unstored: number }
  | { type: 'stored' }
  | { type: 'pause' }
  | { type: 'fail'; error: string };

export const INITIAL_JOB_STATE: Readonly<JobState> = Object.freeze({
  phase: 'idle', total: 0, embedded: 0, resumed: 0, failed: 0, predicted: 0, unstored: 0, annotated: 0, unsure: 0, labelled: 0,
});

/** Phases in which the job is working (a pause or a failure can end them). */
export function isRunning(phase: JobPhase): boolean {
  return phase === 'listing' || phase === 'embedding' || phase === 'fitting' || phase === 'predicting' || phase === 'storing';
}

/** An event the current phase does not accept (a bug in the runner, never user input). */
export class JobTransitionError extends Error {
  override readonly name = 'JobTransitionError';
}

function reject(state: JobState, event: JobEvent): never {
  throw new JobTransitionError(`pre-annotation job: event "${event.type}" is not valid in phase "${state.phase}"`);
}

export function reduceJob(state: JobState, event: JobEvent): JobState {
  switch (event.type) {
    case 'start':
      if (isRunning(state.phase)) return reject(state, event);
      return { ...INITIAL_JOB_STATE, phase: 'listing' };
    case 'listed':
      if (state.phase !== 'listing') return reject(state, event);
      return { ...state, phase: 'embedding', total: event.total, embedded: event.alreadyEmbedded, resumed: event.alreadyEmbedded };
    case 'embedded':
      if (state.phase !== 'embedding') return reject(state, event);
      return {
        ...state,
        embedded: state.embedded + event.ok,
        failed: state.failed + event.failed,
        ...(event.error !== undefined ? { error: event.error } : {}),
      };
    case 'fitting':
      if (state.phase !== 'embedding') return reject(state, event);
      return { ...state, phase: 'fitting' };
    case 'fitted':
      if (state.phase !== 'fitting') return reject(state, event);
      return { ...state, phase: 'predicting' };
    case 'learnt':
      if (state.phase !== 'predicting') return reject(state, event);
      return { ...state, labelled: event.labelled, ...(event.warning !== undefined ? { warning: event.warning } : {}) };
    case 'predicted':
      if (state.phase !== 'predicting') return reject(state, event);
      return {
        ...state,
        predicted: state.predicted + event.count,
        annotated: state.annotated + (event.annotated ?? 0),
        unsure: state.unsure + (event.unsure ?? 0),
      };
    case 'queued':
      // Queued is not stored: "Done." waits until the server holds every prediction.
      if (state.phase !== 'predicting') return reject(state, event);
      return { ...state, phase: 'storing', unstored: state.predicted, ...(event.modelVersion !== undefined ? { modelVersion: event.modelVersion } : {}) };
    case 'storing':
      if (state.phase !== 'storing') return reject(state, event);
      return { ...state, unstored: event.unstored };
    case 'stored':
      if (state.phase !== 'storing') return reject(state, event);
      return { ...state, phase: 'done', unstored: 0 };
    case 'pause':
      if (!isRunning(state.phase)) return reject(state, event);
      return { ...state, phase: 'paused' };
    case 'fail':
      if (!isRunning(state.phase)) return reject(state, event);
      return { ...state, phase: 'failed', error: event.error };
    default: {
      const never: never = event;
      throw new JobTransitionError(`unknown job event ${JSON.stringify(never)}`);
    }
  }
}

/** Fewer labelled examples of a class than this, and its suggestions are little better than chance. */
export const MIN_EXAMPLES_PER_CLASS = 3;

/**
 * The "too few labels" warning for label counts per control and class, or undefined when every
 * class has enough. Names the thinnest classes, so the person knows what to label next.
 */
export function fewLabelsWarning(counts: Readonly<Record<string, Readonly<Record<string, number>>>>, min = MIN_EXAMPLES_PER_CLASS): string | undefined {
  const thin: string[] = [];
  let classes = 0;
  for (const byLabel of Object.values(counts)) {
    // A control nobody has used yet (an optional question) says nothing about thin classes.
    if (Object.values(byLabel).every((n) => n === 0)) continue;
    for (const [label, n] of Object.entries(byLabel)) {
      classes++;
      if (n < min) thin.push(`${label} (${n})`);
    }
  }
  if (thin.length === 0) return undefined;
  const shown = thin.slice(0, 6).join(', ') + (thin.length > 6 ? `, and ${thin.length - 6} more` : '');
  return `${thin.length} of ${classes} classes have fewer than ${min} labelled examples: ${shown}. ` +
    'Suggestions for them will be weak or missing; label a few more of each (the Clusters tab can label many at once).';
}

/** One line saying what the job wrote and why not more; never claims success for nothing. */
export function jobReport(state: JobState): string {
  if (state.phase !== 'done') return '';
  const notes: string[] = [];
  if (state.annotated > 0) notes.push(`${state.annotated} already annotated (skipped: a prediction must not contradict a person's annotation)`);
  if (state.unsure > 0) notes.push(`${state.unsure} without a suggestion (no label was likely enough)`);
  if (state.failed > 0) notes.push(`${state.failed} images could not be embedded`);
  if (state.predicted === 0) {
    let why: string;
    if (state.total === 0) why = 'the project has no tasks';
    else if (state.labelled === 0) why = 'no labelled examples yet; label a few tasks of each class (or bulk-label a cluster in the Clusters tab), then run again';
    else if (state.annotated >= state.total) why = 'every task already has an annotation';
    else why = 'the learner was not sure enough about any task; label more examples, then run again';
    return `0 predictions: ${why}.${notes.length ? ` ${notes.join('; ')}.` : ''}`;
  }
  const head = `${state.predicted} prediction${state.predicted === 1 ? '' : 's'} written${state.modelVersion ? ` (model version ${state.modelVersion})` : ''}`;
  return `${head}.${notes.length ? ` ${notes.join('; ')}.` : ''}`;
}

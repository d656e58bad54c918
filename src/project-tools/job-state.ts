/**
 * The pre-annotation job as a state machine: a pure reducer, so every transition is tested
 * without a browser, and the runner (preannotate-job.ts) cannot drift into a state the UI
 * does not know how to show.
 *
 *   idle ─start→ listing ─listed→ embedding ─embedded*→ … ─fitting→ fitting ─fitted→ predicting
 *   ─predicted*→ … ─queued→ done;   any running phase ─pause→ paused ─start→ listing;
 *   any running phase ─fail→ failed ─start→ listing;  done ─start→ listing (a new run).
 */

export type JobPhase = 'idle' | 'listing' | 'embedding' | 'fitting' | 'predicting' | 'done' | 'paused' | 'failed';

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
  /** Predictions written (queued) in this run. */
  predicted: number;
  /** Last error in plain words (a failed task, or why the job failed). */
  error?: string;
}

export type JobEvent =
  | { type: 'start' }
  | { type: 'listed'; total: number; alreadyEmbedded: number }
  | { type: 'embedded'; ok: number; failed: number; error?: string }
  | { type: 'fitting' }
  | { type: 'fitted' }
  | { type: 'predicted'; count: number }
  | { type: 'queued' }
  | { type: 'pause' }
  | { type: 'fail'; error: string };

export const INITIAL_JOB_STATE: Readonly<JobState> = Object.freeze({
  phase: 'idle', total: 0, embedded: 0, resumed: 0, failed: 0, predicted: 0,
});

/** Phases in which the job is working (a pause or a failure can end them). */
export function isRunning(phase: JobPhase): boolean {
  return phase === 'listing' || phase === 'embedding' || phase === 'fitting' || phase === 'predicting';
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
    case 'predicted':
      if (state.phase !== 'predicting') return reject(state, event);
      return { ...state, predicted: state.predicted + event.count };
    case 'queued':
      if (state.phase !== 'predicting') return reject(state, event);
      return { ...state, phase: 'done' };
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

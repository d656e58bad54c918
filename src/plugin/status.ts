/**
 * What the plugin is doing, in one observable object: read by the badge, by
 * `window.cytoML.status()` (users debugging, and the e2e tests), and by the demo.
 */
import type { EngineErrorData } from '../embedding/engine-errors.ts';
import type { EngineInfo } from '../embedding/worker-protocol.ts';

export interface ControlSuggestionStatus {
  control: string;
  /** The control's heading as the config shows it (its `<Header>`), when it has one. */
  title?: string;
  choices: string[];
  score: number;
  cluster: number;
  head: string;
  /** The suggestion is "leave this control empty" (choices is then empty: no result). */
  empty?: boolean;
  /** Labelled examples of the suggested class the learner has (the least of them for several). */
  classCount?: number;
  /**
   * Why, in the annotator's terms: the most common label among the images labelled in this
   * cluster, and how many; `who` labelled them: this browser only, or (also) the team in Label Studio.
   */
  support?: { label: string; count: number; labelled: number; who?: 'you' | 'team' };
}

export interface SuggestionStatus {
  taskId: number | string;
  modelVersion: string;
  /** This browser's fit counter when the suggestion was made (a later refit makes it stale). */
  fitVersion: number;
  controls: ControlSuggestionStatus[];
  /** Where the embedding came from: the IndexedDB cache (by URL or by content) or the model. */
  cacheHit: 'url' | 'content' | 'none';
  /** Task shown in the editor → prediction in the editor (what the person waits for). */
  taskToSuggestionMs: number;
  /** Before that: the editor building itself for the task (Label Studio's cost, 0 when unknown). */
  editorStartMs: number;
  embedMs: number;
  predictMs: number;
}

export interface PluginStatus {
  state: 'loading' | 'ready' | 'error';
  /** Engine info once the model is loaded: backend, threads, model id, start-up timings. */
  engine?: EngineInfo;
  backendLabel: string;
  cache: { hits: number; misses: number };
  /** Number of model runs (embeddings computed, not from the cache). */
  modelRuns: number;
  lastSuggestion?: SuggestionStatus;
  /** Last problem, in plain words; cleared by the next success. */
  lastError?: EngineErrorData | { code: string; message: string };
  /** Label and fit counts of the current project. */
  learning?: { project: string; labelled: number; fitVersion: number; k: number; heads: Record<string, string> };
  prefetched: number;
  /** Persistent IndexedDB or the in-memory fallback (private mode). */
  storage?: { persistent: boolean; reason?: string };
  relay?: { pending: number; failed: number };
}

type Listener = (status: Readonly<PluginStatus>) => void;

/** Holds the status and notifies listeners on every change. */
export class StatusTracker {
  private status: PluginStatus = {
    state: 'loading', backendLabel: 'loading model…', cache: { hits: 0, misses: 0 }, modelRuns: 0, prefetched: 0,
  };
  private readonly listeners = new Set<Listener>();

  get current(): Readonly<PluginStatus> {
    return this.status;
  }

  update(patch: Partial<PluginStatus>): void {
    this.status = { ...this.status, ...patch };
    for (const listener of this.listeners) listener(this.status);
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    listener(this.status);
    return () => this.listeners.delete(listener);
  }

  /** A deep copy safe to hand to users (`window.cytoML.status()`). */
  snapshot(): PluginStatus {
    return structuredClone(this.status);
  }
}

/** "WebGPU", "WASM x 4 threads", "WASM (1 thread)": what the badge shows. */
export function describeBackend(info: EngineInfo): string {
  if (info.backend === 'webgpu') return 'WebGPU';
  return info.threads > 1 ? `WASM x ${info.threads} threads` : 'WASM (1 thread)';
}

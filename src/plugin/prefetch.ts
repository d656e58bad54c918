/**
 * Prefetch: embed the usual next tasks' images in idle time, a few at a time, so they open with
 * a cached embedding. Owner of the prefetch queue; the engine and the badge's counters are
 * reached only through the functions it is given.
 */
import type { EmbedOutcome, EngineInfo } from '../embedding/worker-protocol.ts';
import type { Options } from './options.ts';

export interface PrefetchDeps {
  options: Pick<Options, 'prefetch' | 'prefetchCount'>;
  /** Start the engine (undefined: it cannot start, so nothing is prefetched). */
  start(): Promise<EngineInfo | undefined>;
  /** Embed a batch into the cache (one worker round trip). */
  embed(urls: string[]): Promise<EmbedOutcome[]>;
  /** Count a batch's outcomes in the badge (cache hits, model runs, prefetched). */
  onBatch(outcomes: EmbedOutcome[]): void;
}

export class Prefetcher {
  private queue: string[] = [];
  private draining = false;

  constructor(private readonly deps: PrefetchDeps) {}

  /** A new call replaces the queue (the person's position changed). */
  prefetch(urls: string[]): void {
    if (!this.deps.options.prefetch) return;
    this.queue = urls.slice(0, this.deps.options.prefetchCount);
    if (!this.draining) void this.drain();
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      const info = await this.deps.start();
      if (!info) return;
      while (this.queue.length > 0) {
        await idle();
        // Small batches: each is one worker round trip; same-size images share a model run.
        const batch = this.queue.splice(0, 4);
        this.deps.onBatch(await this.deps.embed(batch));
      }
    } catch {
      // Prefetch is best effort: a failure shows up when the task itself is opened.
    } finally {
      this.draining = false;
    }
  }
}

/** Resolve when the browser is idle (or soon, where requestIdleCallback does not exist). */
function idle(): Promise<void> {
  return new Promise((resolve) => {
    const ric = (globalThis as { requestIdleCallback?: (cb: () => void, o?: { timeout: number }) => number }).requestIdleCallback;
    if (ric) ric(() => resolve(), { timeout: 1000 });
    else setTimeout(resolve, 50);
  });
}

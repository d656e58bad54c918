/**
 * Keeps the outbox draining: flush now, and while writes are pending, flush again when the
 * earliest one is due (the outbox's backoff decides when) and as soon as the browser comes
 * back online. Without it a write that met a 5xx would wait for the next user action.
 */
import type { Outbox, OutboxFetch } from '../store/outbox.ts';

/** Shortest wait between two scheduled flushes (a clock skew must not make it spin). */
const MIN_DELAY_MS = 250;
/** Longest wait: auth-blocked items have no due time of their own, so look again now and then. */
const MAX_DELAY_MS = 60_000;
/** First wait after a flush that could send nothing due (doubles up to MAX_DELAY_MS). */
const STALLED_START_MS = 2_000;

export interface WriteCounts {
  pending: number;
  failed: number;
}

export class OutboxPump {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private listening = false;
  /** Wait after a flush that found due items but sent none (401/403: a person must log in). */
  private stalledDelay = STALLED_START_MS;

  constructor(
    private readonly outbox: Outbox,
    private readonly fetchImpl: () => OutboxFetch,
    private readonly onReport: (counts: WriteCounts) => void,
  ) {}

  /** Flush now, report what is left, and schedule the next attempt if anything is pending. */
  async flush(): Promise<WriteCounts> {
    this.listen();
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const report = await this.outbox.flush(this.fetchImpl());
    const counts = { pending: await this.outbox.pending(), failed: (await this.outbox.failed()).length };
    this.onReport(counts);
    if (counts.pending > 0) {
      const due = (await this.outbox.nextDueAt()) ?? Date.now() + MAX_DELAY_MS;
      let delay = due - Date.now();
      if (delay <= 0 && report.sent === 0) {
        // Still due after a flush: refused (auth), offline or another tab's lock. Back off.
        delay = this.stalledDelay;
        this.stalledDelay = Math.min(MAX_DELAY_MS, this.stalledDelay * 2);
      } else {
        this.stalledDelay = STALLED_START_MS;
      }
      delay = Math.min(MAX_DELAY_MS, Math.max(MIN_DELAY_MS, delay));
      this.timer = setTimeout(() => void this.flush().catch(() => {}), delay);
    }
    return counts;
  }

  private listen(): void {
    if (this.listening || typeof addEventListener !== 'function') return;
    this.listening = true;
    addEventListener('online', () => void this.flush().catch(() => {}));
  }
}
